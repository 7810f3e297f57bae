// One rank of src/collectives.test.ts (run under mpirun): every collective, async and Sync, on inputs that depend
// on the rank, then `$TEST_RESULTS/rank-<rank>.json` with what each produced. The test computes the expected values.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { allreduceBuckets, allreduceBucketsSync, loadMpi } from '../dist/index.js';

const loaded = loadMpi();
if (!loaded.ok) throw new Error(loaded.reason);
const { mpi } = loaded;
const { rank, size } = mpi;
const L = Number(process.env.TEST_LENGTH ?? 10);
const ramp = (n, f) => Float32Array.from({ length: n }, (_, i) => f(i));
const out = { rank, size, localRank: mpi.localRank, localSize: mpi.localSize, processorName: mpi.processorName, library: mpi.library, threadLevel: mpi.threadLevel };

const ar = ramp(L, (i) => rank * 10 + i);
await mpi.allreduceSum(ar);
const arSync = ramp(L, (i) => rank - i);
mpi.allreduceSumSync(arSync);

const bcF = ramp(L, (i) => (rank === 1 ? 0.5 + i : -1));
await mpi.broadcast(bcF, 1);
const bcU = Uint8Array.from({ length: L }, (_, i) => (rank === 0 ? (i * 37) % 256 : 0));
mpi.broadcastSync(bcU, 0);
const bcI = Int32Array.from({ length: L }, (_, i) => (rank === size - 1 ? -(2 ** 30) + i : 0));
await mpi.broadcast(bcI, size - 1);

const rsIn = ramp(L * size, (i) => (rank + 1) * i);
const rs = new Float32Array(L);
await mpi.reduceScatterSum(rsIn, rs);
const rsSync = new Float32Array(L);
mpi.reduceScatterSumSync(rsIn, rsSync);

const ag = new Float32Array(L * size);
await mpi.allgather(ramp(L, (i) => 100 * rank + i), ag);
const agSync = new Float32Array(L * size);
mpi.allgatherSync(ramp(L, (i) => -100 * rank - i), agSync);

// Collectives issued back to back without awaiting run in issue order on every rank.
const queued = [ramp(3, () => rank + 1), ramp(5, () => 2 * rank), ramp(2, () => 7)];
await Promise.all([mpi.allreduceSum(queued[0]), mpi.barrier(), mpi.allreduceSum(queued[1]), mpi.allreduceSum(queued[2])]);
mpi.barrierSync();

// Buckets of 64 bytes (16 floats): small arrays share buckets, the 40-element one is reduced in place.
const lengths = [3, 0, 7, 40, 5, 9, 16, 1];
const grads = lengths.map((n, k) => ramp(n, (i) => rank * 1000 + k * 10 + i));
await allreduceBuckets(mpi, grads, 64);
const gradsSync = lengths.map((n, k) => ramp(n, (i) => rank - k - i));
allreduceBucketsSync(mpi, gradsSync, 64);

// A Sync collective from a worker thread (it loads the addon itself; MPI is initialised once per process).
const fromWorker = await new Promise((resolve, reject) => {
  const w = new Worker(
    `import { loadMpi } from ${JSON.stringify(new URL('../dist/index.js', import.meta.url).href)};
     import { parentPort } from 'node:worker_threads';
     const r = loadMpi(); if (!r.ok) throw new Error(r.reason);
     const a = Float32Array.from([r.mpi.rank, 1]); r.mpi.allreduceSumSync(a); parentPort.postMessage([...a]);`,
    { eval: true },
  );
  w.once('message', resolve);
  w.once('error', reject);
});

const arrays = { ar, arSync, bcF, bcU, bcI, rs, rsSync, ag, agSync, queued, grads, gradsSync, fromWorker };
for (const [k, v] of Object.entries(arrays)) out[k] = Array.isArray(v) && ArrayBuffer.isView(v[0]) ? v.map((a) => [...a]) : [...v];
writeFileSync(join(process.env.TEST_RESULTS, `rank-${rank}.json`), JSON.stringify(out));
