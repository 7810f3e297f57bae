import type { FormatOption } from './sources.js';
import type { ReadProgress } from './sources.js';
import { readAllRecords } from './sources.js';
import type { ParallelExample } from './records.js';
import { alpacaText, asObject, makeExample, parallelLanguages, recordId, recordScore, recordShape } from './records.js';
import type { SourceRecord } from './source-record.js';

export interface ExampleSourceOptions {
  /** Data files: the parallel form, or Alpaca files (English; the English side when `targetFiles` is set). */
  files: string[];
  /** Row-aligned target-language Alpaca files: turns on the two-file form. */
  targetFiles?: string[];
  /** Language code of `targetFiles` (required with them). */
  lang?: string;
  /** Languages to keep from the parallel form; default every language found in its first record. */
  languages?: string[];
  format?: FormatOption;
  /** Updated with the bytes read so far (of the input files; the target files of the two-file form are not counted). */
  progress?: ReadProgress;
}

const LANG_CODE = /^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*$/;

function checkLang(code: string, what: string): void {
  if (!LANG_CODE.test(code)) throw new Error(`${what}: "${code}" is not a language code (expected e.g. zh, vi, ar, zh_cn)`);
}

/**
 * Streams parallel examples from any supported source shape. `records` counts the source records read
 * (one record can give one example per selected language).
 */
export async function* readExamples(opts: ExampleSourceOptions, stats: { records: number }): AsyncGenerator<ParallelExample> {
  if (opts.targetFiles) {
    yield* readAligned(opts, stats);
    return;
  }
  if (opts.lang !== undefined && opts.lang !== 'en')
    throw new Error(
      `prepare: lang "${opts.lang}" was given without target files: a single Alpaca file is English; pass the English ` +
        `file as the input and the ${opts.lang} file as the target input, or use the parallel en_*/${opts.lang}_* form`,
    );
  for (const l of opts.languages ?? []) checkLang(l, 'prepare: languages');
  let languages: string[] | null = null;
  for await (const rec of readAllRecords(opts.files, opts.format, opts.progress)) {
    stats.records++;
    const o = asObject(rec);
    if (recordShape(o, rec) === 'alpaca') {
      if (opts.languages && opts.languages.some((l) => l !== 'en'))
        throw new Error(`${rec.where}: languages ${opts.languages.join(', ')} were asked for, but this is a monolingual Alpaca record (English)`);
      const t = alpacaText(o, rec);
      yield makeExample(recordId(o, rec), 'en', t, t, recordScore(o));
      continue;
    }
    if (languages === null) languages = selectLanguages(parallelLanguages(o), opts.languages, rec);
    const en = alpacaText(o, rec, 'en_');
    for (const lang of languages) yield makeExample(recordId(o, rec), lang, alpacaText(o, rec, `${lang}_`), en, recordScore(o));
  }
}

function selectLanguages(found: string[], wanted: string[] | undefined, rec: SourceRecord): string[] {
  if (found.length === 0)
    throw new Error(`${rec.where}: parallel record has en_* fields but no <lang>_instruction field for a target language`);
  if (!wanted || wanted.length === 0) return found;
  for (const l of wanted)
    if (!found.includes(l))
      throw new Error(
        `${rec.where}: no fields for language "${l}" (found languages: ${found.join(', ')}; expected ${l}_instruction, ${l}_input, ${l}_output)`,
      );
  return wanted;
}

async function* readAligned(opts: ExampleSourceOptions, stats: { records: number }): AsyncGenerator<ParallelExample> {
  const lang = opts.lang;
  if (!lang) throw new Error('prepare: target files were given without their language (set lang, e.g. "zh")');
  checkLang(lang, 'prepare: lang');
  const en = readAllRecords(opts.files, opts.format, opts.progress);
  const tgt = readAllRecords(opts.targetFiles!, opts.format);
  let n = 0;
  for (;;) {
    const [a, b] = await Promise.all([en.next(), tgt.next()]);
    if (a.done || b.done) {
      if (a.done && b.done) return;
      const rest = async (it: AsyncGenerator<SourceRecord>) => {
        let k = 0;
        while (!(await it.next()).done) k++;
        return k;
      };
      const enCount = n + (a.done ? 0 : 1 + (await rest(en)));
      const tgtCount = n + (b.done ? 0 : 1 + (await rest(tgt)));
      throw new Error(
        `prepare: unequal parallel files: English ${opts.files.join(', ')} has ${enCount} records but ` +
          `${lang} ${opts.targetFiles!.join(', ')} has ${tgtCount} (they must be row-aligned)`,
      );
    }
    n++;
    stats.records++;
    const eo = asObject(a.value);
    const to = asObject(b.value);
    for (const [o, rec] of [[eo, a.value], [to, b.value]] as const)
      if (recordShape(o, rec) !== 'alpaca')
        throw new Error(`${rec.where}: two-file form expects Alpaca records (instruction, input, output), found parallel en_* fields`);
    yield makeExample(recordId(eo, a.value), lang, alpacaText(to, b.value), alpacaText(eo, a.value), recordScore(to) ?? recordScore(eo));
  }
}
