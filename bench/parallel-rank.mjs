// One rank of bench/parallel.mjs: trains the benchmark model of docs/design.md on random tokens (its own per rank) with
// the training path of `dft train` (causalLmLoss + Trainer, reducing over the ranks' communicator).
import * as tf from '@tensorflow/tfjs-core';
import { CausalLM, initialParameters, parseConfig, selectBackend, Trainer } from '@dft/core';
import { causalLmLoss } from '@dft/losses';
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

export default async function run({ comm, rank, worldSize, data }) {
  await selectBackend({ prefer: data.backend, log: null });
  const config = parseConfig(BENCH_MODEL, 'bench model');
  const model = new CausalLM(config, initialParameters(config, 1));
  const B = BENCH_BATCH;
  const T = BENCH_SEQ;
  const ids = tf.tensor2d(randomIds(B * T, config.vocabSize, 1 + rank), [B, T], 'int32');
  const loss = (m, batch) => ({ loss: causalLmLoss(m.forward(batch).logits, batch) });
  const opts = { lr: 1e-4, schedule: 'constant', totalSteps: 1000 };
  const { comm: c, t } = timed(comm);
  const trainer = new Trainer(model, loss, { ...opts, comm: c, zeroStage: data.zeroStage ?? 0 });
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
  return { seconds, reduceMs: t.ms, params, tokensPerStep: worldSize * B * T, optimizerBytes, peakBytes };
}
