import { describe, expect, it } from 'vitest';
import { dft, TINY_LLAMA } from '../test-utils/cli-harness.js';

interface PlanJson {
  perRank: { weights: number; gradients: number; optimizer: number; activations: number; logitsChunk: number; update: number; total: number };
  activationsWithCheckpointing: number;
  activationsWithoutCheckpointing: number;
  parameters: number;
}

const BASE = ['plan', '--model', TINY_LLAMA, '--method', 'dft-logits', '--lc-layer', '1', '--et-layer', '2', '--micro-batch', '2', '--global-batch', '2', '--max-length', '64'];

async function plan(...args: string[]): Promise<PlanJson> {
  const r = await dft(...BASE, ...args, '--json');
  expect(r.err).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.out) as PlanJson;
}

describe('dft plan', () => {
  it('--json: per-rank bytes that add up; weights are the parameters in float32; checkpointing shrinks the activations', async () => {
    const p = await plan();
    const { weights, gradients, optimizer, activations, update, total } = p.perRank;
    expect(weights).toBe(4 * p.parameters);
    expect(optimizer).toBe(2 * weights);
    expect(total).toBe(Math.max(weights + gradients + optimizer + activations, update));
    expect(update).toBeGreaterThan(weights + weights + optimizer);
    expect(p.activationsWithoutCheckpointing).toBe(activations);
    const ckpt = await plan('--gradient-checkpointing', 'true');
    expect(ckpt.perRank.activations).toBe(p.activationsWithCheckpointing);
    expect(ckpt.perRank.activations).toBeLessThan(activations);
  });

  it('--workers 2 --zero-stage 1 halves the optimizer state per rank; the activations are those of one rank\'s micro-batch', async () => {
    const zero0 = await plan('--workers', '2', '--global-batch', '4');
    const zero1 = await plan('--workers', '2', '--global-batch', '4', '--zero-stage', '1');
    expect(zero1.perRank.optimizer).toBe(8 * Math.ceil(zero0.parameters / 2));
    expect(zero0.perRank.optimizer).toBe(8 * zero0.parameters);
    const single = await plan();
    expect(zero0.perRank.activations).toBe(single.perRank.activations);
    // Stage 2: after the reduce-scatter a rank updates with its half of the summed gradients.
    const zero2 = await plan('--workers', '2', '--global-batch', '4', '--zero-stage', '2');
    expect(zero1.perRank.update - zero2.perRank.update).toBe(4 * (zero0.parameters - Math.ceil(zero0.parameters / 2)));
  });

  it('prints a table naming each part; bad settings are usage errors naming the flag', async () => {
    const r = await dft(...BASE, '--gradient-checkpointing', 'true');
    expect(r.code).toBe(0);
    for (const part of ['weights', 'gradients', 'optimizer state', 'activations', 'with gradient checkpointing', 'without gradient checkpointing', 'logits chunk', 'update phase', 'total']) {
      expect(r.out).toContain(part);
    }
    const bad = await dft(...BASE, '--zero-stage', '3');
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/command line: "zeroStage" must be 0, 1 or 2, got 3/);
  });
});
