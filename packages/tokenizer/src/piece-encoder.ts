import type { Tokenizer } from './tokenizer.js';

/** A text's pieces between walls; `tail` pieces start with the wall and drop the ids of a lone wall. */
interface Piece {
  text: string;
  tail: boolean;
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
  private readonly cache = new Map<string, number[]>();
  private wallIds: number[] | null = null;

  constructor(
    private readonly tok: Tokenizer,
    /** Cached pieces kept between calls; past this the cache starts afresh. */
    private readonly cacheLimit = 16_384,
  ) {
    this.wall = tok.walls[0] ?? null;
  }

  async encodeAll(texts: readonly string[]): Promise<number[][]> {
    if (this.cache.size > this.cacheLimit) this.cache.clear();
    if (this.wall !== null && this.wallIds === null) this.wallIds = (await this.tok.encodeBatch([this.wall]))[0]!;
    const split = texts.map((t) => this.pieces(t));
    const missing = new Map<string, Piece>();
    for (const pieces of split)
      for (const p of pieces) {
        const key = keyOf(p);
        if (!this.cache.has(key)) missing.set(key, p);
      }
    const todo = [...missing.entries()];
    const encoded = await this.tok.encodeBatch(todo.map(([, p]) => p.text));
    todo.forEach(([key, p], i) => this.cache.set(key, p.tail ? this.dropWall(encoded[i]!, p.text) : encoded[i]!));
    return split.map((pieces) => (pieces.length === 1 ? this.cache.get(keyOf(pieces[0]!))!.slice() : pieces.flatMap((p) => this.cache.get(keyOf(p))!)));
  }

  private pieces(text: string): Piece[] {
    const w = this.wall;
    if (w === null || !text.includes(w)) return [{ text, tail: false }];
    const parts = text.split(w);
    const out: Piece[] = [{ text: parts[0]! + w, tail: false }];
    for (let i = 1; i < parts.length; i++) out.push({ text: w + parts[i]! + (i < parts.length - 1 ? w : ''), tail: true });
    return out;
  }

  private dropWall(ids: number[], text: string): number[] {
    const lead = this.wallIds!;
    for (let i = 0; i < lead.length; i++)
      if (ids[i] !== lead[i])
        throw new Error(`tokenizer: ${JSON.stringify(text.slice(0, 40))} does not start with the ids of a lone wall ${JSON.stringify(this.wall)}; the wall analysis is wrong for this tokenizer.json`);
    return ids.slice(lead.length);
  }
}

function keyOf(p: Piece): string {
  return (p.tail ? '1' : '0') + p.text;
}
