// Rank entry of the distributed tests: trains the toy task on this rank's shard of every global step
// (rows rank, rank + N, ... of each micro-batch; an empty shard becomes a weight-0 stand-in), then checks the replicas still agree.
// With data.zeroStage the optimizer is sharded; data.save = { dir, after } saves a training checkpoint after that
// many steps (every rank takes part, rank 0 writes); data.resume = dir starts from such a checkpoint.
import * as tf from '@tensorflow/tfjs-core';
import {
  CausalLM,
  Trainer,
  checkReplicas,
  initialParameters,
  loadPretrained,
  parseConfig,
  readTrainerState,
  restoreOptimizer,
  saveTrainingCheckpoint,
  selectBackend,
} from '../../../dist/index.js';
import { STEPS, TOY_OPTS, toyTask } from './toy-task.mjs';

export default async function run({ comm, rank, worldSize, data, send }) {
  await selectBackend({ prefer: data.backend, log: null });
  const task = toyTask({ tf, parseConfig, CausalLM, initialParameters });
  const model = data.resume ? loadPretrained(data.resume).model : task.newModel(data.seeds?.[rank] ?? 1);
  if (data.mismatch && rank === 1) await comm.broadcast([new Float32Array(3)], 0);
  const trainer = new Trainer(model, task.ce, { ...TOY_OPTS, comm, zeroStage: data.zeroStage });
  const first = data.resume ? readTrainerState(data.resume).step : 0;
  if (data.resume) restoreOptimizer(data.resume, trainer.optimizer, model, first);
  const losses = [];
  const numTensors = [];
  for (let s = first; s < STEPS.length; s++) {
    if (data.fail && data.fail.rank === rank && data.fail.step === s) {
      if (data.fail.how === 'throw') throw new Error(`toy failure at step ${s}`);
      if (data.fail.how === 'exit') process.exit(7);
    }
    const micro = task.stepRows(s).map((all) => {
      const mine = all.filter((_, i) => i % worldSize === rank);
      // An empty shard gets rank 0's rows as a stand-in, with weight 0.
      const rows = mine.length ? mine : all.filter((_, i) => i % worldSize === 0);
      return { batch: rows.map(task.example), weight: mine.length };
    });
    const stats = await trainer.step(micro);
    losses.push(stats.loss);
    numTensors.push(tf.memory().numTensors);
    send({ step: s + 1, optimizerBytes: trainer.optimizer.stateBytes });
    if (data.save?.after === s + 1) {
      const state = { step: s + 1, epoch: 0, dataPosition: null, seed: 1, config: {} };
      if (rank === 0) await saveTrainingCheckpoint(data.save.dir, model, trainer.optimizer, state);
      else await trainer.optimizer.stateTensors();
    }
    if (data.slow) await new Promise((r) => setTimeout(r, data.slow));
  }
  await checkReplicas(comm, model);
  const weights = [...model.params.values()].map((p) => p.dataSync());
  trainer.dispose();
  model.dispose();
  return { losses, weights, numTensors };
}
