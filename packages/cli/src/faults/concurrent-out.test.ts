import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LogRow } from '@dft/core';
import { LOCK_FILE, type LockHolder } from '../out-dir/out-lock.js';
import { BIN, dft, readJson, readJsonLines, stepDirs, tempDir, TINY_LLAMA, writeShortRecords } from '../test-utils/cli-harness.js';

/**
 * Fault: two `dft train` runs started into one output folder. Exactly one may write it; the other is refused,
 * naming the holder, before it writes anything. A holder killed with SIGKILL leaves its lock behind; the next run
 * takes it over (saying so), removes the dead run's temporary folders and resumes its newest complete checkpoint.
 */

let tmp: ReturnType<typeof tempDir>;
let data: string;
beforeAll(async () => {
  tmp = tempDir('concurrent');
  const raw = join(tmp.dir, 'twelve.json');
  writeShortRecords(raw, 12);
  data = join(tmp.dir, 'twelve');
  expect((await dft('prepare', '--input', raw, '--tokenizer', TINY_LLAMA, '--out', data, '--max-length', '128')).code).toBe(0);
});
afterAll(() => tmp.remove());

interface Child {
  pid: number;
  exit: Promise<{ code: number | null; signal: string | null; out: string; err: string }>;
  kill(signal: NodeJS.Signals): void;
}

function train(dir: string, ...extra: string[]): Child {
  const args = ['train', '--model', TINY_LLAMA, '--data', data, '--out', dir, '--method', 'sft', '--micro-batch', '1', '--global-batch', '1', '--lr', '1e-3', ...extra];
  const p = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, DFT_BACKEND: 'wasm' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  p.stdout.on('data', (b: Buffer) => (out += b));
  p.stderr.on('data', (b: Buffer) => (err += b));
  const exit = new Promise<{ code: number | null; signal: string | null; out: string; err: string }>((ok) => p.on('close', (code, signal) => ok({ code, signal, out, err })));
  return { pid: p.pid!, exit, kill: (s) => p.kill(s) };
}

const leftovers = (dir: string) => readdirSync(dir).filter((n) => n.includes('.tmp') || n.includes('.old-') || n === LOCK_FILE);

describe('fault: concurrent --out', () => {
  it('two dft train into one --out: one runs, the other is refused naming it, and log.jsonl holds one run\'s steps', async () => {
    const out = join(tmp.dir, 'shared-out');
    const [a, b] = [train(out, '--seed', '42', '--max-steps', '6'), train(out, '--seed', '7', '--max-steps', '6')];
    const [ra, rb] = await Promise.all([a.exit, b.exit]);
    const codes = [ra.code, rb.code];
    expect(codes.sort()).toEqual([0, 1]);
    const [winner, loser, winnerSeed] = ra.code === 0 ? [a, rb, 42] : [b, ra, 7];
    expect(loser.err).toMatch(new RegExp(`^dft train: error: ${out} is in use by dft train \\(pid ${winner.pid} on .+, started .+\\): wait for it to finish or choose another --out\\n$`));
    expect(loser.out).toBe(''); // it printed no step: it stopped before loading anything
    const log = readJsonLines<LogRow>(join(out, 'log.jsonl'));
    expect(log.map((r) => r.step)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(stepDirs(out)).toEqual(['step-000006']);
    const state = readJson<{ seed: number; log_history: LogRow[] }>(join(out, 'step-000006', 'trainer_state.json'));
    expect(state.seed).toBe(winnerSeed);
    expect(state.log_history.map((r) => r.loss)).toEqual(log.map((r) => r.loss));
    expect(leftovers(out)).toEqual([]); // the lock went with the run
  });

  it('a run killed with SIGKILL: the next run takes its lock over, removes its temporary folders and resumes', async () => {
    const out = join(tmp.dir, 'killed-out');
    const a = train(out, '--max-steps', '1000', '--save-every', '2');
    // Kill it once it has saved a checkpoint, while it holds the lock.
    for (let i = 0; i < 600 && stepDirs(out).length === 0; i++) await new Promise((r) => setTimeout(r, 100));
    expect(stepDirs(out).length).toBeGreaterThan(0);
    const holder = JSON.parse(readFileSync(join(out, LOCK_FILE), 'utf8')) as LockHolder;
    expect(holder.pid).toBe(a.pid);
    a.kill('SIGKILL');
    expect((await a.exit).signal).toBe('SIGKILL');
    expect(existsSync(join(out, LOCK_FILE))).toBe(true); // SIGKILL gives no chance to release
    const newest = stepDirs(out).pop()!;
    const step = Number(newest.slice(5));
    // What a kill in the middle of a checkpoint write leaves: a half-filled temporary folder of the dead pid.
    const partial = join(out, `step-${String(step + 2).padStart(6, '0')}.tmp-${a.pid}-0badc0de`);
    mkdirSync(partial);
    writeFileSync(join(partial, 'model.safetensors'), 'partial');
    const r = await dft('train', '--model', TINY_LLAMA, '--data', data, '--out', out, '--method', 'sft', '--micro-batch', '1', '--global-batch', '1', '--lr', '1e-3', '--save-every', '2', '--resume-from', 'latest', '--max-steps', String(step + 2));
    expect(r.code).toBe(0);
    expect(r.out).toContain(`taking over the lock left by dft train (pid ${a.pid} on ${holder.host}, started ${holder.startedAt}), which is no longer running`);
    expect(r.out).toContain(`removed ${partial}, left by process ${a.pid} which is no longer running`);
    expect(readJsonLines<LogRow>(join(out, 'log.jsonl')).map((x) => x.step)).toEqual(Array.from({ length: step + 2 }, (_, i) => i + 1));
    expect(leftovers(out)).toEqual([]);
  });
});
