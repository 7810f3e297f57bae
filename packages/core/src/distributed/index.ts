export type { Communicator } from './communicator.js';
export { shardRange } from './communicator.js';
export { WorldOfOne } from './world-of-one.js';
export { MpiCommunicator } from './mpi-communicator.js';
export type { MpiCollectives } from './mpi-communicator.js';
export { gradientAllReduce, gradientReduceScatter } from './gradient-reduce.js';
export { checkReplicas } from './replicas.js';
