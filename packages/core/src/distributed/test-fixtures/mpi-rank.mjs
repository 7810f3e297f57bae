// Runs one rank of an MPI test job (started by mpirun): the MPI communicator of the built package over @dft/mpi,
// with staging buckets of DFT_TEST_BUCKET floats (small, so that collectives take several rounds). `body(comm, data)`
// gets the JSON of DFT_TEST_DATA; what it returns is written to <DFT_TEST_RESULTS>/rank-<r>.json.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadMpi } from '@dft/mpi';
import { MpiCommunicator } from '../../../dist/index.js';

export async function runRank(body) {
  const loaded = loadMpi();
  if (!loaded.ok) throw new Error(loaded.reason);
  const comm = new MpiCommunicator(loaded.mpi, Number(process.env.DFT_TEST_BUCKET ?? 1 << 20));
  // A failure names its rank (as dft train does); its non-zero exit makes mpirun stop every rank.
  const result = await body(comm, JSON.parse(process.env.DFT_TEST_DATA ?? '{}')).catch((e) => {
    throw new Error(`rank ${comm.rank} of ${comm.worldSize} failed: ${e.message}`);
  });
  writeFileSync(join(process.env.DFT_TEST_RESULTS, `rank-${comm.rank}.json`), JSON.stringify(result));
}
