// One rank of src/collectives.test.ts: rank 1 fails (TEST_FAILURE=throw: an uncaught error; abort: mpi.abort(3))
// while rank 0 waits in a barrier that can never complete; mpirun must stop both and exit non-zero.
import { loadMpi } from '../dist/index.js';

const loaded = loadMpi();
if (!loaded.ok) throw new Error(loaded.reason);
const { mpi } = loaded;
await mpi.barrier();
if (mpi.rank === 1 && process.env.TEST_FAILURE === 'abort') mpi.abort(3);
if (mpi.rank === 1) throw new Error('rank one gives up on purpose');
await mpi.barrier();
console.log(`rank ${mpi.rank} passed a barrier that rank 1 never entered`);
