import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parquetFiles } from '../io/parquet-shards.js';
import type { TaskDef } from './types.js';

/** A folder holding a Hub split's Parquet shards (`<split>-0000i-of-0000n.parquet`) is a task's data itself. */
function holdsShards(task: TaskDef, folder: string): boolean {
  return existsSync(folder) && statSync(folder).isDirectory() && parquetFiles(folder, task.hub?.splits ?? []).length > 0;
}

/**
 * The default folder of the upstream evaluation files: `$DFT_EVAL_DATA`, else `../shared/data/eval` from the
 * working directory (the project's layout).
 */
export function defaultDataDir(): string {
  return process.env.DFT_EVAL_DATA ?? resolve(process.cwd(), '../shared/data/eval');
}

/**
 * The file a task reads for a language. `path` (a file, or a folder searched for the task's usual file names)
 * wins; otherwise `<dataDir>/<task folder>` is searched. Errors say what was tried.
 */
export function resolveTaskFile(task: TaskDef, lang: string, opts: { path?: string; dataDir?: string }): string {
  const folder = opts.path ?? join(opts.dataDir ?? defaultDataDir(), task.folder);
  if (!existsSync(folder)) {
    const how = opts.path ? 'the given path' : 'the default data folder';
    throw new Error(`eval: ${task.name}:${lang}: ${how} ${folder} does not exist (pass the task's file or folder)`);
  }
  if (!statSync(folder).isDirectory()) return folder;
  if (holdsShards(task, folder)) return folder;
  // After the upstream file names: the language's folder of a Hub snapshot (`<config>/`, holding shards); the
  // folder itself (`.`) is the last resort.
  const names = task.candidates(lang);
  const hubDir = task.hub ? join(folder, task.hub.config(lang)) : null;
  const tried = names.filter((c) => c !== '.').map((c) => join(folder, c));
  let found = tried.find((p) => existsSync(p));
  if (!found && hubDir && holdsShards(task, hubDir)) found = hubDir;
  if (!found && names.includes('.')) found = folder;
  if (hubDir) tried.push(`${hubDir}/ (${task.hub!.splits.map((split) => `${split}-*.parquet`).join(' or ')})`);
  if (!found) throw new Error(`eval: ${task.name}:${lang}: no data file in ${folder} (looked for ${tried.join(', ')})`);
  return found;
}
