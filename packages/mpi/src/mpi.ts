import { writeSync } from 'node:fs';
import { inspect } from 'node:util';
import { isMainThread } from 'node:worker_threads';
import { loadAddon, type MpiAddon, type WorldInfo } from './addon.js';
import { chunkSpans, MAX_MPI_COUNT } from './chunks.js';
import { announcedWorldSize } from './launch-env.js';

/** Arrays a broadcast moves (as bytes: any element type arrives bit for bit). */
export type BroadcastArray = Float32Array | Uint8Array | Int32Array;

/**
 * MPI_COMM_WORLD of this process. Collectives are in place on float32 unless stated; every rank must call the same
 * collectives in the same order with the same lengths. The async ones run on libuv's thread pool (the JS thread
 * keeps serving signals, timers and progress output) and must not have their arrays touched until they settle; the
 * Sync ones block the calling thread (use them from a worker thread, or where blocking is the point). Collectives
 * run one at a time in the order they were called, whichever thread called them. Lengths past 2^31-1 elements are
 * split into several MPI calls.
 */
export interface Mpi {
  readonly rank: number;
  readonly size: number;
  /** This rank among the ranks on its host (MPI_Comm_split_type with MPI_COMM_TYPE_SHARED), and how many there are. */
  readonly localRank: number;
  readonly localSize: number;
  readonly processorName: string;
  /** First line of MPI_Get_library_version, e.g. "Open MPI v4.1.4, package: Debian OpenMPI, …". */
  readonly library: string;
  /** What MPI_Init_thread provided: `serialized` (all this package needs) or `multiple`. */
  readonly threadLevel: WorldInfo['threadLevel'];
  allreduceSum(data: Float32Array): Promise<void>;
  allreduceSumSync(data: Float32Array): void;
  broadcast(data: BroadcastArray, root: number): Promise<void>;
  broadcastSync(data: BroadcastArray, root: number): void;
  /** `input.length === output.length * size`; rank r receives the sum over ranks of input block r. */
  reduceScatterSum(input: Float32Array, output: Float32Array): Promise<void>;
  reduceScatterSumSync(input: Float32Array, output: Float32Array): void;
  /** `output.length === input.length * size`; block r of the output is rank r's input. */
  allgather(input: Float32Array, output: Float32Array): Promise<void>;
  allgatherSync(input: Float32Array, output: Float32Array): void;
  barrier(): Promise<void>;
  barrierSync(): void;
  /** MPI_Abort(MPI_COMM_WORLD, code): the launcher kills every rank. */
  abort(code: number): void;
  /** MPI_Finalize; no collective may follow. Throws while a collective is still running. */
  finalize(): void;
}

/** One MPI call of a collective: arrays, element offset and count, block stride, root. */
type Call = [a: ArrayBufferView | null, b: Float32Array | null, offset: number, count: number, stride: number, root: number];

function overlaps(a: ArrayBufferView, b: ArrayBufferView): boolean {
  return a.buffer === b.buffer && a.byteOffset < b.byteOffset + b.byteLength && b.byteOffset < a.byteOffset + a.byteLength;
}

// The identity fields (rank, size, …) are WorldInfo's, copied in by the constructor.
interface MpiWorld extends Readonly<WorldInfo> {}

class MpiWorld implements Mpi {
  constructor(
    private readonly addon: MpiAddon,
    info: WorldInfo,
    /** Elements per MPI call (MAX_MPI_COUNT; smaller only to exercise the chunking with small arrays). */
    private readonly maxCount: number,
  ) {
    Object.assign(this, info);
  }

  allreduceSum(data: Float32Array): Promise<void> {
    return this.async(this.addon.kinds.allreduceSum, this.allreduceCalls(data));
  }
  allreduceSumSync(data: Float32Array): void {
    this.sync(this.addon.kinds.allreduceSum, this.allreduceCalls(data));
  }
  broadcast(data: BroadcastArray, root: number): Promise<void> {
    return this.async(this.addon.kinds.broadcast, this.broadcastCalls(data, root));
  }
  broadcastSync(data: BroadcastArray, root: number): void {
    this.sync(this.addon.kinds.broadcast, this.broadcastCalls(data, root));
  }
  reduceScatterSum(input: Float32Array, output: Float32Array): Promise<void> {
    return this.async(this.addon.kinds.reduceScatterSum, this.reduceScatterCalls(input, output));
  }
  reduceScatterSumSync(input: Float32Array, output: Float32Array): void {
    this.sync(this.addon.kinds.reduceScatterSum, this.reduceScatterCalls(input, output));
  }
  allgather(input: Float32Array, output: Float32Array): Promise<void> {
    return this.async(this.addon.kinds.allgather, this.allgatherCalls(input, output));
  }
  allgatherSync(input: Float32Array, output: Float32Array): void {
    this.sync(this.addon.kinds.allgather, this.allgatherCalls(input, output));
  }
  barrier(): Promise<void> {
    return this.async(this.addon.kinds.barrier, [[null, null, 0, 0, 0, 0]]);
  }
  barrierSync(): void {
    this.sync(this.addon.kinds.barrier, [[null, null, 0, 0, 0, 0]]);
  }

  abort(code: number): void {
    if (!Number.isInteger(code)) throw new TypeError(`abort: the exit code must be an integer, got ${code}`);
    this.addon.abort(code);
  }

  finalize(): void {
    if (!this.addon.finalize()) throw new Error(`rank ${this.rank}: finalize: a collective is still running (await it first)`);
  }

  private fail(what: string, message: string): never {
    throw new RangeError(`rank ${this.rank} of ${this.size}: ${what}: ${message}`);
  }

  private float32(what: string, name: string, a: unknown): void {
    if (!(a instanceof Float32Array)) this.fail(what, `${name} must be a Float32Array, got ${Object.prototype.toString.call(a)}`);
  }

  private allreduceCalls(data: Float32Array): Call[] {
    this.float32('allreduceSum', 'data', data);
    return chunkSpans(data.length, this.maxCount).map((s) => [data, null, s.offset, s.count, s.count, 0]);
  }

  private broadcastCalls(data: BroadcastArray, root: number): Call[] {
    if (!(data instanceof Float32Array || data instanceof Uint8Array || data instanceof Int32Array)) {
      this.fail('broadcast', `data must be a Float32Array, Uint8Array or Int32Array, got ${Object.prototype.toString.call(data)}`);
    }
    if (!Number.isInteger(root) || root < 0 || root >= this.size) this.fail('broadcast', `root must be a rank in [0, ${this.size}), got ${root}`);
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    return chunkSpans(bytes.length, this.maxCount).map((s) => [bytes, null, s.offset, s.count, s.count, root]);
  }

  private reduceScatterCalls(input: Float32Array, output: Float32Array): Call[] {
    this.blocks('reduceScatterSum', input, output, output.length, input.length, 'input');
    const n = output.length;
    return chunkSpans(n, this.maxCount).map((s) => [input, output, s.offset, s.count, n, 0]);
  }

  private allgatherCalls(input: Float32Array, output: Float32Array): Call[] {
    this.blocks('allgather', input, output, input.length, output.length, 'output');
    const n = input.length;
    return chunkSpans(n, this.maxCount).map((s) => [input, output, s.offset, s.count, n, 0]);
  }

  /** Checks the one-block and all-blocks arrays of reduce-scatter / allgather. */
  private blocks(what: string, input: Float32Array, output: Float32Array, block: number, all: number, allName: string): void {
    this.float32(what, 'input', input);
    this.float32(what, 'output', output);
    if (all !== block * this.size) this.fail(what, `${allName} has ${all} elements, expected ${block} × ${this.size} ranks = ${block * this.size}`);
    if (overlaps(input, output)) this.fail(what, 'input and output share memory (MPI forbids it; only allreduce works in place)');
  }

  private async(kind: number, calls: Call[]): Promise<void> {
    // Every call is issued (and so ordered) now; they run one after another on the pool.
    return Promise.all(calls.map((c) => this.addon.collective(kind, ...c, true))).then(() => undefined);
  }

  private sync(kind: number, calls: Call[]): void {
    for (const c of calls) this.addon.collective(kind, ...c, false);
  }
}

let loaded: ReturnType<typeof loadMpi> | undefined;

/**
 * Initialises MPI (once per process; later calls, from any thread, return the same world) or says why it cannot:
 * `DFT_MPI_DISABLE` is set, the addon was not built (the reason from its build), libmpi does not load, MPI_Init
 * fails, or the launcher started several ranks but MPI sees a world of one. On the main thread, process exit then
 * ends MPI properly: MPI_Finalize after exit code 0, MPI_Abort with the exit code otherwise, so that a rank that
 * throws stops the whole job at once. `DFT_MPI_MAX_COUNT` lowers the elements per MPI call (tests of the chunking).
 */
export function loadMpi(): { ok: true; mpi: Mpi } | { ok: false; reason: string } {
  loaded ??= initialise();
  return loaded;
}

function initialise(): { ok: true; mpi: Mpi } | { ok: false; reason: string } {
  if (process.env.DFT_MPI_DISABLE) return { ok: false, reason: 'disabled by DFT_MPI_DISABLE' };
  const maxCount = process.env.DFT_MPI_MAX_COUNT ? Number(process.env.DFT_MPI_MAX_COUNT) : MAX_MPI_COUNT;
  if (!Number.isInteger(maxCount) || maxCount < 1 || maxCount > MAX_MPI_COUNT) {
    return { ok: false, reason: `DFT_MPI_MAX_COUNT must be an integer in [1, ${MAX_MPI_COUNT}], got ${process.env.DFT_MPI_MAX_COUNT}` };
  }
  const load = loadAddon();
  if (!load.ok) return load;
  let info: WorldInfo;
  try {
    info = load.addon.init();
  } catch (e) {
    return { ok: false, reason: `MPI initialisation failed: ${(e as Error).message}` };
  }
  const announced = announcedWorldSize();
  if (announced !== null && announced > 1 && info.size === 1) {
    load.addon.finalize();
    return {
      ok: false,
      reason: `the launcher started ${announced} ranks but MPI sees a world of 1: the MPI library does not speak the launcher's protocol (with Slurm: srun --mpi=pmix or pmi2, as \`srun --mpi=list\` offers)`,
    };
  }
  if (isMainThread) endWithProcess(load.addon, info.rank);
  return { ok: true, mpi: new MpiWorld(load.addon, info, maxCount) };
}

/**
 * MPI_Finalize when the process exits with code 0, MPI_Abort with its code otherwise (the launcher then kills every
 * rank at once instead of waiting for the others' collectives to time out). Node emits 'exit' before it prints an
 * uncaught error, and MPI_Abort does not return, so the error is printed here first.
 */
function endWithProcess(addon: MpiAddon, rank: number): void {
  let fatal: unknown;
  process.on('uncaughtExceptionMonitor', (e) => (fatal = e));
  process.once('exit', (code) => {
    if (code === 0 && addon.finalize()) return;
    if (fatal !== undefined) writeSync(2, `rank ${rank}: ${inspect(fatal)}\n`);
    addon.abort(code || 1);
  });
}
