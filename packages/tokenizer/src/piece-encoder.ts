import type { Tokenizer } from './tokenizer.js';

/**
 * Where a piece sits in its text, which decides the string that is encoded for it (w = the wall): a whole text
 * without a wall is encoded as is; the head `A` of `A w B …` as `A + w`; a middle part `B` as `w + B + w` and the
 * last part `C` as `w + C`, both without the ids of a lone `w` in front.
 */
const enum Place {
  Whole,
  Head,
  Middle,
  Last,
}

/**
 * Encodes many texts (no special tokens) with exactly the ids of `tok.encode(text)`, doing each distinct
 * piece of text once. Where the tokenizer has a wall character (see isTokenWall: no token spans it), a text is
 * cut into pieces at its walls and `tok(A + w + B) = tok(A + w) ⊕ tok(w + B)[len(tok(w)):]` glues the pieces'
 * ids back together; pieces (template lines, an instruction that also opens a query) are cached, so texts that
 * share lines are tokenised once. Without a wall each text is one piece. All new pieces of a call go to the
 * engine in one batch.
 */
export class PieceEncoder {
  private readonly wall: string | null;
  /** Ids per piece, one map per place, keyed by the part's text alone (no key strings are built per lookup). */
  private readonly cache: Map<string, number[]>[] = [new Map(), new Map(), new Map(), new Map()];
  private wallIds: number[] | null = null;

  constructor(
    private readonly tok: Tokenizer,
    /** Cached pieces kept between calls; past this the cache starts afresh. */
    private readonly cacheLimit = 16_384,
  ) {
    this.wall = tok.walls[0] ?? null;
  }

  async encodeAll(texts: readonly string[]): Promise<number[][]> {
    if (this.cache.reduce((n, m) => n + m.size, 0) > this.cacheLimit) for (const m of this.cache) m.clear();
    if (this.wall !== null && this.wallIds === null) this.wallIds = (await this.tok.encodeBatch([this.wall]))[0]!;
    const w = this.wall;
    // Per text, its pieces' ids: the cached list, or the index of the piece in `todo` until the engine returns.
    // The lists are taken here, before any await, so another call that clears the cache meanwhile changes nothing.
    const missing: Map<string, number>[] = [new Map(), new Map(), new Map(), new Map()];
    const todo: { place: Place; part: string }[] = [];
    const refs = texts.map((t) => {
      const out: (number[] | number)[] = [];
      forEachPiece(w === null ? [t] : t.split(w), (place, part) => {
        const hit = this.cache[place]!.get(part) ?? missing[place]!.get(part);
        if (hit !== undefined) return out.push(hit);
        missing[place]!.set(part, todo.length);
        out.push(todo.length);
        todo.push({ place, part });
      });
      return out;
    });
    const encoded = await this.tok.encodeBatch(todo.map(({ place, part }) => pieceText(place, part, w ?? '')));
    const fresh = todo.map(({ place, part }, i) => {
      const ids = place === Place.Middle || place === Place.Last ? this.dropWall(encoded[i]!, part) : encoded[i]!;
      this.cache[place]!.set(part, ids);
      return ids;
    });
    return refs.map((r) => concat(r.map((x) => (typeof x === 'number' ? fresh[x]! : x))));
  }

  private dropWall(ids: number[], part: string): number[] {
    const lead = this.wallIds!;
    for (let i = 0; i < lead.length; i++)
      if (ids[i] !== lead[i])
        throw new Error(`tokenizer: ${JSON.stringify(this.wall! + part.slice(0, 40))} does not start with the ids of a lone wall ${JSON.stringify(this.wall)}; the wall analysis is wrong for this tokenizer.json`);
    return ids.slice(lead.length);
  }
}

/** The pieces of a text cut at its walls into `parts`, in order. */
function forEachPiece(parts: string[], f: (place: Place, part: string) => unknown): void {
  if (parts.length === 1) {
    f(Place.Whole, parts[0]!);
    return;
  }
  f(Place.Head, parts[0]!);
  for (let i = 1; i < parts.length - 1; i++) f(Place.Middle, parts[i]!);
  f(Place.Last, parts[parts.length - 1]!);
}

function pieceText(place: Place, part: string, w: string): string {
  switch (place) {
    case Place.Whole:
      return part;
    case Place.Head:
      return part + w;
    case Place.Middle:
      return w + part + w;
    case Place.Last:
      return w + part;
  }
}

/** One fresh array with the ids of every list in order (callers may change it; the cached lists stay intact). */
function concat(lists: number[][]): number[] {
  if (lists.length === 1) return lists[0]!.slice();
  let n = 0;
  for (const l of lists) n += l.length;
  const out = new Array<number>(n);
  let k = 0;
  for (const l of lists) for (let i = 0; i < l.length; i++) out[k++] = l[i]!;
  return out;
}
