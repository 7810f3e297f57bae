import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { tableFromIPC } from 'apache-arrow';
import { INT_COLUMNS, TOKEN_COLUMNS } from '../columns.js';

/**
 * One line per row of a prepared split: the id, a short sha256 of each token column and every int column
 * (lengths, seams, spans) written out. Compact enough to keep as a fixture, precise enough to name the row and
 * column that changed.
 */
export function tokenDigests(arrowPath: string): string {
  const t = tableFromIPC(readFileSync(arrowPath));
  const ids = t.getChild('id')!.toArray() as string[];
  const tokens = TOKEN_COLUMNS.map((c) => [...t.getChild(c)!].map((v) => Array.from(v as Iterable<number>)));
  const ints = INT_COLUMNS.map((c) => Array.from(t.getChild(c)!.toArray() as Int32Array));
  const short = (ids: number[]) => createHash('sha256').update(Int32Array.from(ids)).digest('hex').slice(0, 12);
  return ids
    .map((id, r) => [id, ...tokens.map((col, k) => `${TOKEN_COLUMNS[k]}=${short(col[r]!)}`), ints.map((col) => col[r]).join(',')].join(' '))
    .join('\n')
    .concat('\n');
}
