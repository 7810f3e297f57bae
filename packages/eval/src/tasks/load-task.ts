import { parquetFiles } from '../io/parquet-shards.js';
import { readRows } from '../io/record-rows.js';
import { getTask } from './registry.js';
import type { GenExample, GenTask, McExample, McTask, TaskDef } from './types.js';
import { resolveTaskFile } from './resolve-path.js';

export interface TaskDataOptions {
  /** Folder holding the upstream sets in `<task folder>/` sub-folders (default: `defaultDataDir()`). */
  dataDir?: string;
  /**
   * A file or folder per task, keyed `task:lang` or `task` (the CLI's `--data xnli:zh=path`); these win over
   * `dataDir`.
   */
  paths?: Readonly<Record<string, string>>;
}

export type LoadedTask =
  | { kind: 'mc'; def: McTask; lang: string; file: string; examples: McExample[] }
  | { kind: 'gen'; def: GenTask; lang: string; file: string; examples: GenExample[] };

function checkMc(ex: McExample, task: string, file: string): void {
  const at = `${file}: ${task} example "${ex.id}"`;
  if (ex.choices.length < 2) throw new Error(`eval: ${at} has ${ex.choices.length} choice(s); multiple choice needs at least 2`);
  if (!Number.isInteger(ex.gold) || ex.gold < 0 || ex.gold >= ex.choices.length) {
    throw new Error(`eval: ${at}: gold index ${ex.gold} is outside its ${ex.choices.length} choices`);
  }
  if (ex.choices.some((c) => c.length === 0)) throw new Error(`eval: ${at} has an empty choice`);
}

/**
 * A task's examples from `file`: a Parquet file or a folder of a Hub split's Parquet shards (read with the
 * dataset's field names), else the task's upstream formats.
 */
async function readExamples(def: TaskDef, file: string, lang: string): Promise<(McExample | GenExample)[]> {
  const shards = parquetFiles(file, def.hub?.splits ?? []);
  if (shards.length === 0) return def.load(file, lang);
  const fromRows = def.fromRows;
  if (!fromRows) throw new Error(`eval: ${def.name}:${lang}: ${file}: this task is not read from Parquet (use its JSON Lines file)`);
  const out: (McExample | GenExample)[] = [];
  for (const shard of shards) out.push(...fromRows(await readRows(shard, def.name, 'parquet'), lang));
  return out;
}

/** Resolves, reads and checks one task's examples for a language. */
export async function loadTask(name: string, lang: string, opts: TaskDataOptions = {}): Promise<LoadedTask> {
  const def: TaskDef = getTask(name);
  const path = opts.paths?.[`${name}:${lang}`] ?? opts.paths?.[name];
  const file = resolveTaskFile(def, lang, { path, dataDir: opts.dataDir });
  const examples = await readExamples(def, file, lang);
  if (examples.length === 0) throw new Error(`eval: ${name}:${lang}: ${file} holds no examples`);
  if (def.kind === 'mc') {
    const mc = examples as McExample[];
    mc.forEach((ex) => checkMc(ex, name, file));
    return { kind: 'mc', def, lang, file, examples: mc };
  }
  return { kind: 'gen', def, lang, file, examples: examples as GenExample[] };
}
