/**
 * Writes a model's weights into a directory the way transformers' `save_pretrained` lays them out: one
 * `model.safetensors`, or, when a maximum shard size is given and exceeded, `model-0000i-of-0000n.safetensors`
 * shards plus `model.safetensors.index.json`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomically } from '@dft/util';
import { writeAll } from '@dft/util/internal';
import { INDEX_FILE, SINGLE_FILE, isWeightsFileName, shardFileName } from './layout.js';
import { compareNames } from './sort.js';
import { storedByteLength, validateTensors, writeSafetensors, type TensorToWrite } from './writer.js';

export interface WriteCheckpointOptions {
  /**
   * Largest shard in bytes of tensor data (transformers' `max_shard_size`, whose default "5GB" is 5e9). Without
   * it everything goes into one `model.safetensors`.
   */
  maxShardBytes?: number;
  /** Extra `__metadata__` for every file; `format: "pt"` is always present. */
  metadata?: Readonly<Record<string, string>>;
}

export interface WrittenCheckpoint {
  /** Paths of the .safetensors files written, in shard order. */
  readonly files: readonly string[];
  /** Path of model.safetensors.index.json, when sharded. */
  readonly indexFile: string | undefined;
  /** Sum of all tensors' stored bytes (the index's `metadata.total_size`). */
  readonly totalSize: number;
}

/**
 * Groups tensors into shards as huggingface_hub's `split_state_dict_into_shards` does: walk tensors in the given
 * order; a tensor larger than the limit gets a shard of its own; otherwise start a new shard when adding it would
 * pass the limit.
 */
export function planShards(tensors: readonly TensorToWrite[], maxShardBytes: number): TensorToWrite[][] {
  const shards: TensorToWrite[][] = [];
  let current: TensorToWrite[] = [];
  let currentBytes = 0;
  for (const t of tensors) {
    const size = storedByteLength(t);
    if (size > maxShardBytes) {
      shards.push([t]);
      continue;
    }
    if (currentBytes + size > maxShardBytes && current.length > 0) {
      shards.push(current);
      current = [];
      currentBytes = 0;
    }
    current.push(t);
    currentBytes += size;
  }
  if (current.length > 0) shards.push(current);
  return shards;
}

/** transformers' index text: keys sorted, two-space indent, trailing newline. Built by hand to keep key order. */
function indexJson(totalSize: number, weightMap: ReadonlyMap<string, string>): string {
  const entries = [...weightMap].sort(([a], [b]) => compareNames(a, b));
  const lines = entries.map(([k, v]) => `    ${JSON.stringify(k)}: ${JSON.stringify(v)}`);
  return `{\n  "metadata": {\n    "total_size": ${totalSize}\n  },\n  "weight_map": {\n${lines.join(',\n')}\n  }\n}\n`;
}

/** Removes weight files a previous save left behind that are not part of this one (a stale index would win). */
function removeStale(dir: string, keep: ReadonlySet<string>): void {
  for (const name of fs.readdirSync(dir)) {
    if (isWeightsFileName(name) && !keep.has(name)) fs.rmSync(path.join(dir, name), { force: true });
  }
}

/**
 * Writes `tensors` into `dir` (created if missing). Tensors are assigned to shards in the order given (pass the
 * model's module order to match transformers); inside each file they are sorted by name. Every file is written
 * to a temporary name and renamed; the index last; then stale weight files from an earlier save are removed.
 */
export function writeCheckpoint(dir: string, tensors: readonly TensorToWrite[], options: WriteCheckpointOptions = {}): WrittenCheckpoint {
  const { maxShardBytes, metadata = {} } = options;
  if (maxShardBytes !== undefined && !(Number.isSafeInteger(maxShardBytes) && maxShardBytes > 0)) {
    throw new Error(`maxShardBytes must be a positive integer, got ${maxShardBytes}`);
  }
  validateTensors(tensors, dir);
  fs.mkdirSync(dir, { recursive: true });
  const totalSize = tensors.reduce((sum, t) => sum + storedByteLength(t), 0);
  const shards = maxShardBytes === undefined ? [tensors] : planShards(tensors, maxShardBytes);
  if (shards.length <= 1) {
    const file = path.join(dir, SINGLE_FILE);
    writeSafetensors(file, tensors, metadata);
    removeStale(dir, new Set([SINGLE_FILE]));
    return { files: [file], indexFile: undefined, totalSize };
  }
  const names = shards.map((_, i) => shardFileName(i + 1, shards.length));
  const weightMap = new Map<string, string>();
  shards.forEach((shard, i) => {
    writeSafetensors(path.join(dir, names[i]!), shard, metadata);
    for (const t of shard) weightMap.set(t.name, names[i]!);
  });
  const indexFile = path.join(dir, INDEX_FILE);
  writeFileAtomically(indexFile, (fd) => writeAll(fd, new TextEncoder().encode(indexJson(totalSize, weightMap))));
  removeStale(dir, new Set([...names, INDEX_FILE]));
  return { files: names.map((n) => path.join(dir, n)), indexFile, totalSize };
}
