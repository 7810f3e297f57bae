import { shardRange, type Communicator } from './communicator.js';
import { gather, scatter } from './flat-arrays.js';

/**
 * The MPI collectives this communicator runs on: `@dft/mpi`'s `Mpi` (MPI_COMM_WORLD of this process) has them. The
 * promise-returning ones run off the JavaScript thread, so signals and progress keep working during a collective.
 */
export interface MpiCollectives {
  readonly rank: number;
  readonly size: number;
  allreduceSum(data: Float32Array): Promise<void>;
  broadcast(data: Float32Array, root: number): Promise<void>;
  /** `input.length === output.length × size`; rank r receives the sum over ranks of input block r. */
  reduceScatterSum(input: Float32Array, output: Float32Array): Promise<void>;
  /** `output.length === input.length × size`; block r of the output is rank r's input. */
  allgather(input: Float32Array, output: Float32Array): Promise<void>;
  barrier(): Promise<void>;
}

/** Floats per staging bucket: 4 MiB, the bucket size PyTorch DDP fuses small gradients into. */
const BUCKET_FLOATS = 1 << 20;

function checkWeight(op: string, weight: number): void {
  if (!Number.isFinite(weight) || weight < 0) throw new Error(`${op}: weight must be a finite number ≥ 0, got ${weight}`);
}

/**
 * The ranks of an MPI job (started by `mpirun`, `srun` or the MPI Operator). Arrays of any number and size move
 * through a staging bucket of `bucketFloats`, so many small gradients become few MPI calls and no collective needs
 * a second copy of the whole model. A weighted mean scales each rank's contribution by w_r / Σw before an MPI sum;
 * MPI's sum is the same on every rank for the same inputs, so the replicas stay bit-identical.
 */
export class MpiCommunicator implements Communicator {
  readonly rank: number;
  readonly worldSize: number;
  private readonly stage: Float32Array;

  constructor(
    private readonly mpi: MpiCollectives,
    bucketFloats = BUCKET_FLOATS,
  ) {
    this.rank = mpi.rank;
    this.worldSize = mpi.size;
    if (!Number.isInteger(bucketFloats) || bucketFloats < this.worldSize) throw new Error(`MpiCommunicator: bucketFloats must be an integer ≥ the world size (${this.worldSize}), got ${bucketFloats}`);
    this.stage = new Float32Array(bucketFloats);
  }

  async allReduceMean(arrays: Float32Array[], weight = 1): Promise<void> {
    const scale = await this.share('allReduceMean', weight);
    const total = arrays.reduce((s, a) => s + a.length, 0);
    for (let from = 0; from < total; from += this.stage.length) {
      const chunk = this.stage.subarray(0, Math.min(this.stage.length, total - from));
      gather(arrays, from, chunk.length, chunk);
      for (let i = 0; i < chunk.length; i++) chunk[i]! *= scale;
      await this.mpi.allreduceSum(chunk);
      scatter(chunk, arrays, from, chunk.length);
    }
  }

  async broadcast(arrays: Float32Array[], root = 0): Promise<void> {
    if (!Number.isInteger(root) || root < 0 || root >= this.worldSize) throw new Error(`broadcast: root must be a rank in [0, ${this.worldSize}), got ${root}`);
    const total = arrays.reduce((s, a) => s + a.length, 0);
    for (let from = 0; from < total; from += this.stage.length) {
      const chunk = this.stage.subarray(0, Math.min(this.stage.length, total - from));
      if (this.rank === root) gather(arrays, from, chunk.length, chunk);
      await this.mpi.broadcast(chunk, root);
      if (this.rank !== root) scatter(chunk, arrays, from, chunk.length);
    }
  }

  /**
   * Rank r's shard (`shardRange`) becomes the weighted mean over ranks. In rounds of `k` floats per rank: the input
   * block q of a round is rank q's next `k` elements (zero-padded past its shard), so MPI_Reduce_scatter_block hands
   * each rank the sum of exactly its own elements.
   */
  async reduceScatter(arrays: Float32Array[], weight = 1): Promise<void> {
    const scale = await this.share('reduceScatter', weight);
    const n = this.worldSize;
    const shards = this.shards(arrays);
    const k = Math.floor(this.stage.length / n);
    const mine = shards[this.rank]!;
    const out = new Float32Array(k);
    for (let at = 0; at < shards[0]!.hi - shards[0]!.lo; at += k) {
      const input = this.stage.subarray(0, n * k);
      input.fill(0);
      shards.forEach(({ lo, hi }, q) => {
        const len = Math.max(0, Math.min(k, hi - lo - at));
        gather(arrays, lo + at, len, input.subarray(q * k, q * k + len));
      });
      for (let i = 0; i < input.length; i++) input[i]! *= scale;
      await this.mpi.reduceScatterSum(input, out);
      scatter(out, arrays, mine.lo + at, Math.max(0, Math.min(k, mine.hi - mine.lo - at)));
    }
  }

  /** Every rank's shard (`shardRange`) to every rank, in rounds of `k` floats per rank as in `reduceScatter`. */
  async allgather(arrays: Float32Array[]): Promise<void> {
    const n = this.worldSize;
    const shards = this.shards(arrays);
    const k = Math.floor(this.stage.length / n);
    const mine = shards[this.rank]!;
    const input = new Float32Array(k);
    for (let at = 0; at < shards[0]!.hi - shards[0]!.lo; at += k) {
      input.fill(0);
      gather(arrays, mine.lo + at, Math.max(0, Math.min(k, mine.hi - mine.lo - at)), input);
      const output = this.stage.subarray(0, n * k);
      await this.mpi.allgather(input, output);
      shards.forEach(({ lo, hi }, q) => {
        if (q !== this.rank) scatter(output.subarray(q * k), arrays, lo + at, Math.max(0, Math.min(k, hi - lo - at)));
      });
    }
  }

  barrier(): Promise<void> {
    return this.mpi.barrier();
  }

  /** Nothing to release here: `@dft/mpi` finalizes MPI when the process exits (or aborts the job on a failure). */
  close(): void {}

  /** This rank's factor w_r / Σw of a weighted mean (one small allreduce of the weights). */
  private async share(op: string, weight: number): Promise<number> {
    checkWeight(op, weight);
    const sum = Float32Array.of(weight);
    await this.mpi.allreduceSum(sum);
    if (!(sum[0]! > 0)) throw new Error(`${op}: the ranks' weights sum to ${sum[0]} (at least one must be > 0)`);
    return weight / sum[0]!;
  }

  private shards(arrays: Float32Array[]): { lo: number; hi: number }[] {
    const total = arrays.reduce((s, a) => s + a.length, 0);
    return Array.from({ length: this.worldSize }, (_, r) => shardRange(total, this.worldSize, r));
  }
}
