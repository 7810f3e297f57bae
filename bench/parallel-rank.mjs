// One rank of bench/parallel.mjs under mpirun: trains the benchmark model of docs/design.md on random tokens (its own
// per rank) with the training path of `dft train` (causalLmLoss + Trainer, reducing over the MPI communicator);
// rank 0 writes its timings, peak tensor bytes and AdamW state bytes as JSON to the file named by BENCH_OUT.
// BENCH_DATA: { backend, steps, warmup, zeroStage? }.
import { writeFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { CausalLM, initialParameters, MpiCommunicator, parseConfig, selectBackend, Trainer } from '@dft/core';
import { causalLmLoss } from '@dft/losses';
import { loadMpi } from '@dft/mpi';
import { BENCH_BATCH, BENCH_MODEL, BENCH_SEQ } from './bench-config.mjs';

function randomIds(n, vocab, seed) {
  let s = seed;
  return Array.from({ length: n }, () => (s = (s * 1103515245 + 12345) % 2 ** 31) % vocab);
}

/** Times the collectives of `comm` (milliseconds spent inside allReduceMean). */
function timed(comm) {
  const t = { ms: 0 };
  const wrapped = Object.create(comm);
  wrapped.allReduceMean = async (arrays, weight) => {
    const s = performance.now();
    await comm.allReduceMean(arrays, weight);
    t.ms += performance.now() - s;
  };
  return { comm: wrapped, t };
}

const loaded = loadMpi();
if (!loaded.ok) throw new Error(loaded.reason);
const data = JSON.parse(process.env.BENCH_DATA);
const comm = new MpiCommunicator(loaded.mpi);
const { rank, worldSize } = comm;
await selectBackend({ prefer: data.backend, log: null });
const config = parseConfig(BENCH_MODEL, 'bench model');
const model = new CausalLM(config, initialParameters(config, 1));
const [B, T] = [BENCH_BATCH, BENCH_SEQ];
const ids = tf.tensor2d(randomIds(B * T, config.vocabSize, 1 + rank), [B, T], 'int32');
const loss = (m, batch) => ({ loss: causalLmLoss(m.forward(batch).logits, batch) });
const { comm: c, t } = timed(comm);
const trainer = new Trainer(model, loss, { lr: 1e-4, schedule: 'constant', totalSteps: 1000, comm: c, zeroStage: data.zeroStage ?? 0 });
const step = () => trainer.step([{ batch: ids, weight: B }]);
for (let i = 0; i < data.warmup; i++) await step();
await comm.barrier();
t.ms = 0;
const start = performance.now();
let peakBytes = 0;
for (let i = 0; i < data.steps; i++) peakBytes = Math.max(peakBytes, (await step()).peakBytes);
const seconds = (performance.now() - start) / 1000;
const optimizerBytes = trainer.optimizer.stateBytes;
const params = [...model.params.values()].reduce((s, p) => s + p.size, 0);
ids.dispose();
trainer.dispose();
model.dispose();
if (rank === 0) writeFileSync(process.env.BENCH_OUT, JSON.stringify({ seconds, reduceMs: t.ms, params, tokensPerStep: worldSize * B * T, optimizerBytes, peakBytes, library: loaded.mpi.library }));
