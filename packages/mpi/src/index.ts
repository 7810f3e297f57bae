export { loadMpi } from './mpi.js';
export type { Mpi, BroadcastArray } from './mpi.js';
export { isMpiLaunch, announcedWorldSize, MPI_LAUNCH_VARIABLES } from './launch-env.js';
export { allreduceBuckets, allreduceBucketsSync, planBuckets, DEFAULT_BUCKET_BYTES } from './buckets.js';
export type { Bucket } from './buckets.js';
export { chunkSpans, MAX_MPI_COUNT } from './chunks.js';
export type { Span } from './chunks.js';
export { ADDON_PATH } from './addon.js';
