import { spawn, type ChildProcess } from 'node:child_process';
import { BIN } from './cli-harness.js';

const spawned: ChildProcess[] = [];

/** `dft ...args` as a real process (for signals and kills); `killSpawned` ends those still running after a test. */
export function spawnDft(args: string[], env: NodeJS.ProcessEnv = process.env) {
  const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  spawned.push(child);
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  const seen: (() => void)[] = [];
  child.stdout.on('data', (d: Buffer) => {
    stdout += d;
    seen.forEach((f) => f());
  });
  return {
    child,
    exited,
    stdout: () => stdout,
    stderr: () => stderr,
    /** Resolves with the first match of `re` in stdout; rejects if the process ends first. */
    waitFor: (re: RegExp) =>
      new Promise<RegExpExecArray>((resolve, reject) => {
        const check = () => {
          const m = re.exec(stdout);
          if (m) resolve(m);
        };
        seen.push(check);
        check();
        void exited.then((code) => reject(new Error(`dft exited (${code}) before printing ${re}: ${stderr}`)));
      }),
  };
}

/** SIGKILLs every spawned dft that has not exited (for afterEach). */
export function killSpawned(): void {
  for (const c of spawned.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
}
