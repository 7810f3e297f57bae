import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';

/** `test-00000-of-00003.parquet` → `test` (the file names of a Hugging Face Hub dataset's Parquet shards). */
export function shardSplit(file: string): string | null {
  const m = /^([A-Za-z0-9_.]+)-\d{5}-of-\d{5}\.parquet$/.exec(basename(file));
  return m ? m[1] : null;
}

/**
 * The Parquet files a task path stands for: the file itself when it ends in `.parquet`, or the shards of the
 * first of `splits` that a folder holds (a Hub dataset's `<config>/<split>-0000i-of-0000n.parquet`); else none.
 */
export function parquetFiles(path: string, splits: readonly string[]): string[] {
  if (!existsSync(path)) return [];
  if (!statSync(path).isDirectory()) return /\.parquet$/i.test(path) ? [path] : [];
  const files = readdirSync(path).sort();
  for (const split of splits) {
    const shards = files.filter((f) => shardSplit(f) === split);
    if (shards.length > 0) return shards.map((f) => join(path, f));
  }
  return [];
}
