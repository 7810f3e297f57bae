// One rank of the data-parallel training tests: trains the toy task on this rank's micro-batches of every global
// step (micro-batch m of a step goes to rank m mod N; a rank without one gets a weight-0 stand-in), then checks that
// the replicas still agree. DFT_TEST_DATA: { backend, seeds?, fail?, zeroStage?, save?, resume? }. With zeroStage
// the optimizer is sharded; save = { dir, after } saves a training checkpoint after that many steps (every rank
// takes part, rank 0 writes); resume = dir starts from such a checkpoint.
import * as tf from '@tensorflow/tfjs-core';
import {
  CausalLM,
  Trainer,
  initialParameters,
  loadPretrained,
  parseConfig,
  readTrainerState,
  restoreOptimizer,
  saveTrainingCheckpoint,
  selectBackend,
} from '../../../dist/index.js';
import { checkReplicas } from '../../../dist/internal.js';
import { runRank } from './mpi-rank.mjs';
import { STEPS, TOY_OPTS, toyTask } from './toy-task.mjs';

await runRank(async (comm, data) => {
  const { rank, worldSize } = comm;
  await selectBackend({ prefer: data.backend, log: null });
  const task = toyTask({ tf, parseConfig, CausalLM, initialParameters });
  const model = data.resume ? loadPretrained(data.resume, { log: null }).model : task.newModel(data.seeds?.[rank] ?? 1);
  const trainer = new Trainer(model, task.ce, { ...TOY_OPTS, comm, zeroStage: data.zeroStage });
  const first = data.resume ? readTrainerState(data.resume).step : 0;
  if (data.resume) restoreOptimizer(data.resume, trainer.optimizer, model, first);
  const losses = [];
  const numTensors = [];
  for (let s = first; s < STEPS.length; s++) {
    if (data.fail?.rank === rank && data.fail.step === s) throw new Error(`toy failure at step ${s}`);
    const all = task.stepRows(s);
    const mine = all.filter((_, m) => m % worldSize === rank);
    const micro = mine.length ? mine.map((rows) => ({ batch: rows.map(task.example), weight: rows.length })) : [{ batch: all[0].map(task.example), weight: 0 }];
    const stats = await trainer.step(micro);
    losses.push(stats.loss);
    numTensors.push(tf.memory().numTensors);
    if (data.save?.after === s + 1) {
      const state = { step: s + 1, epoch: 0, dataPosition: null, seed: 1, config: {} };
      if (rank === 0) await saveTrainingCheckpoint(data.save.dir, model, trainer.optimizer, state);
      else await trainer.optimizer.stateTensors();
    }
  }
  await checkReplicas(comm, model);
  const weights = [...model.params.values()].map((p) => Array.from(p.dataSync()));
  const optimizerBytes = trainer.optimizer.stateBytes;
  trainer.dispose();
  model.dispose();
  return { losses, weights, numTensors, optimizerBytes };
});
