// Worker thread of `prepare --jobs N`: tokenises the chunks of examples it is sent, in the order sent.
import { parentPort, workerData } from 'node:worker_threads';
import { Tokenizer } from '@dft/tokenizer';
import type { ParallelExample } from '../read/records.js';
import { packResults } from './packed-results.js';
import { ExampleTokenizer } from './tokenize-example.js';
import type { TokenizeWorkerData } from './tokenize-runner.js';

const data = workerData as TokenizeWorkerData;
const exTok = new ExampleTokenizer(Tokenizer.fromInit(data.tokenizer), data.template, data.maxLength);

parentPort!.on('message', (msg: { id: number; examples: ParallelExample[] }) => {
  exTok.tokenizeBatch(msg.examples).then(
    (results) => {
      const packed = packResults(results);
      parentPort!.postMessage({ id: msg.id, packed }, [packed.buffer]);
    },
    (e: Error) => parentPort!.postMessage({ id: msg.id, error: e.message }),
  );
});
