/** Median tokens/s of `fn` (sync or async) over `n` timed runs, after one untimed warm-up unless `warmup` is false. */
export async function tokensPerSecond(fn, n, tokens, warmup = true) {
  if (warmup) await fn();
  const rates = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn();
    rates.push(tokens / ((performance.now() - t) / 1000));
  }
  rates.sort((a, b) => a - b);
  return rates[Math.floor(rates.length / 2)];
}
