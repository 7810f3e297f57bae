export { loadMpi, type Mpi, type BroadcastArray } from './mpi.js';
export { isMpiLaunch, announcedWorldSize, MPI_LAUNCH_VARIABLES } from './launch-env.js';
export { allreduceBuckets, allreduceBucketsSync, planBuckets, DEFAULT_BUCKET_BYTES, type Bucket } from './buckets.js';
export { chunkSpans, MAX_MPI_COUNT, type Span } from './chunks.js';
export { ADDON_PATH } from './addon.js';
