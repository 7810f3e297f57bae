export { mpirunUnavailable, mpirunArgs, runMpirun, rankResultsDir } from './mpirun.js';
export type { MpirunOptions, MpirunResult } from './mpirun.js';
export { createNetnsHosts, withNetnsHosts, netnsHostsUnavailable, NETNS_SCRIPT, NETNS_SUBNET } from './netns-hosts.js';
export type { NetnsHosts } from './netns-hosts.js';
