// One rank of the training-job test under mpirun: the built package's TrainingJob on DFT_TEST_DATA.settings, over
// the MPI communicator. Each rank is given its own output folder (<out>/rank-<r>), so that the test can see which
// rank wrote what: rank 0 must write everything, the other ranks nothing.
import { join } from 'node:path';
import { TrainingJob } from '../../../dist/index.js';
import { runRank } from './mpi-rank.mjs';

await runRank(async (comm, data) => {
  const losses = [];
  const job = new TrainingJob({ ...data.settings, out: join(data.out, `rank-${comm.rank}`) }, { comm, onStep: (row) => losses.push(row.loss) });
  const result = await job.train();
  return { losses, steps: result.steps, checkpoint: result.checkpoint };
});
