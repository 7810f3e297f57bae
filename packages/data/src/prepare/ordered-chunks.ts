/**
 * Chunks whose work runs concurrently but is finished (written) strictly in the order the chunks were submitted,
 * with at most `limit` chunks started and not yet finished. The order makes the output independent of which
 * chunk's work completes first; the limit bounds what is held in memory to `limit` chunks and their results, however
 * fast the input is read.
 */
export class OrderedChunks<C, R> {
  /** Started and not yet finished, oldest first. */
  private readonly queue: { chunk: C; result: Promise<R> }[] = [];

  constructor(
    readonly limit: number,
    private readonly start: (chunk: C) => Promise<R>,
    private readonly finish: (chunk: C, result: R) => Promise<void> | void,
  ) {
    if (!Number.isInteger(limit) || limit < 1) throw new Error(`prepare: chunks in flight must be a positive integer, got ${limit}`);
  }

  /** Chunks started and not yet finished. */
  get inFlight(): number {
    return this.queue.length;
  }

  /** Starts the chunk's work, after finishing the oldest chunks until fewer than `limit` are in flight. */
  async submit(chunk: C): Promise<void> {
    while (this.queue.length >= this.limit) await this.finishOldest();
    const result = this.start(chunk);
    result.catch(() => undefined); // awaited in order by finishOldest; this only keeps a failure from going unhandled meanwhile
    this.queue.push({ chunk, result });
  }

  /** Finishes every chunk still in flight, in order. */
  async drain(): Promise<void> {
    while (this.queue.length > 0) await this.finishOldest();
  }

  private async finishOldest(): Promise<void> {
    const { chunk, result } = this.queue.shift()!;
    await this.finish(chunk, await result);
  }
}
