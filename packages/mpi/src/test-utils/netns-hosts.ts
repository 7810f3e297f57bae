import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../addon.js';

/** scripts/netns-hosts.sh: creates, enters and deletes the namespaces (and is mpirun's rsh agent). */
export const NETNS_SCRIPT = join(PACKAGE_ROOT, 'scripts', 'netns-hosts.sh');
/** The veth pair's subnet: host a is .1, host b is .2 (each pair lives in its own namespaces, so pairs never clash). */
export const NETNS_SUBNET = '10.231.0';

/**
 * Two simulated hosts: network namespaces `<name>-a` and `<name>-b` joined by a veth pair, whose processes see the
 * namespace's name as their hostname. mpirun runs on host a (`launcher`) and starts its daemon on host b through
 * the script's rsh agent; MPI traffic goes over TCP on the veth subnet only.
 */
export interface NetnsHosts {
  /** The two hostnames (also the namespaces' names). */
  readonly hosts: readonly [string, string];
  /** mpirun options placing `slotsPerHost` ranks on each host (ranks 0…k-1 on host a) and confining MPI to the veth. */
  mpirunOptions(slotsPerHost?: number): string[];
  /** The command prefix that runs a program (mpirun) on host a. */
  launcher(): string[];
  /** Deletes the namespaces (idempotent; also done at process exit if forgotten). */
  close(): void;
}

function sh(args: string[]): { ok: boolean; output: string } {
  const r = spawnSync('sh', [NETNS_SCRIPT, ...args], { encoding: 'utf8' });
  return { ok: r.status === 0, output: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error?.message ?? ''}`.trim() };
}

let probed: string | null | undefined;

/**
 * Why two namespace hosts cannot be made here (not root, no `ip` or `unshare`, namespaces refused as in an
 * unprivileged container), or null. Probes once by creating and deleting a pair.
 */
export function netnsHostsUnavailable(): string | null {
  if (probed !== undefined) return probed;
  if (process.platform !== 'linux') return (probed = 'network namespaces need Linux');
  if (process.getuid?.() !== 0) return (probed = 'network namespaces need root (run the tests as root)');
  for (const tool of ['ip', 'unshare']) {
    if (spawnSync(tool, ['-V']).error) return (probed = `\`${tool}\` is not installed (Debian/Ubuntu: apt-get install iproute2 util-linux)`);
  }
  if (!existsSync(NETNS_SCRIPT)) return (probed = `${NETNS_SCRIPT} is missing`);
  const name = `dft-probe-${process.pid}`;
  const up = sh(['up', name]);
  if (up.ok) sh(['down', name]);
  return (probed = up.ok ? null : `cannot create network namespaces: ${up.output}`);
}

let created = 0;

/** Creates two namespace hosts (throws with the reason when it cannot); `close()` them, or use `withNetnsHosts`. */
export function createNetnsHosts(): NetnsHosts {
  // Short, unique names: they are hostnames and namespace names, and several test files may run at once.
  const name = `dft${process.pid}n${created++}`;
  const up = sh(['up', name]);
  if (!up.ok) throw new Error(`netns-hosts: cannot create the namespaces ${name}-a and ${name}-b: ${up.output}`);
  const hosts = [`${name}-a`, `${name}-b`] as const;
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    process.off('exit', close);
    sh(['down', name]);
  };
  process.on('exit', close);
  return {
    hosts,
    mpirunOptions: (slotsPerHost = 1) => [
      '--host',
      hosts.map((h) => `${h}:${slotsPerHost}`).join(','),
      '--mca', 'plm_rsh_agent', `sh ${NETNS_SCRIPT} agent`,
      '--mca', 'plm_rsh_no_tree_spawn', '1',
      '--mca', 'oob_tcp_if_include', `${NETNS_SUBNET}.0/24`,
      '--mca', 'btl_tcp_if_include', `${NETNS_SUBNET}.0/24`,
      '--mca', 'btl', 'tcp,self',
    ],
    launcher: () => ['sh', NETNS_SCRIPT, 'run', name],
    close,
  };
}

/** Runs `fn` with two fresh namespace hosts and deletes them afterwards, whatever happens. */
export async function withNetnsHosts<T>(fn: (hosts: NetnsHosts) => Promise<T>): Promise<T> {
  const hosts = createNetnsHosts();
  try {
    return await fn(hosts);
  } finally {
    hosts.close();
  }
}
