import type { Communicator } from './communicator.js';

/**
 * The communicator of a run on one process: every collective over a world of one leaves the values as they are
 * (the mean or gather of one contribution is that contribution). The arguments are still checked, so code
 * written for a larger world fails the same way here.
 */
export class WorldOfOne implements Communicator {
  readonly rank = 0;
  readonly worldSize = 1;

  async allReduceMean(_arrays: Float32Array[], weight = 1): Promise<void> {
    if (!Number.isFinite(weight) || weight <= 0) throw new Error(`allReduceMean: weight must be a finite number > 0 in a world of one, got ${weight}`);
  }

  async broadcast(_arrays: Float32Array[], root = 0): Promise<void> {
    if (root !== 0) throw new Error(`broadcast: root must be a rank in [0, 1), got ${root}`);
  }

  async reduceScatter(_arrays: Float32Array[], weight = 1): Promise<void> {
    await this.allReduceMean([], weight);
  }

  async allgather(_arrays: Float32Array[]): Promise<void> {}

  async barrier(): Promise<void> {}

  close(): void {}
}
