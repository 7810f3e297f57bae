// Fused next-token cross-entropy over the vocabulary. Forward: per row one pass for the max and one for the
// log-sum-exp, writing only [rows] numbers (no [rows, vocab] intermediates). Backward: one pass writing
// dz = softmax(z)·(dNll + dLse) − onehot(target)·dNll. tfjs composes the same from ~15 full-size kernels.
#include <algorithm>

#include "args.h"
#include "kernels.h"
#include "parallel.h"
#include "row-nll.h"

namespace dft {

namespace {

/** tokenNll(z, targets, nll, lse, rows, vocab): lse[r] = log Σ exp z[r], nll[r] = lse[r] − z[r, targets[r]]. */
Napi::Value TokenNll(const Napi::CallbackInfo& info) {
  Args args(info, "tokenNll");
  Napi::Env env = args.Env();
  const Span<float> z = args.Floats("logits");
  const Span<int32_t> t = args.Ints("targets");
  const Span<float> nll = args.Floats("nll"), lse = args.Floats("lse");
  const size_t rows = args.Size("rows"), vocab = args.Size("vocab");
  args.Check(vocab > 0 && z.size == rows * vocab && t.size == rows && nll.size == rows && lse.size == rows,
             "sizes do not match [rows, vocab]");
  CheckTargets(env, "tokenNll", t.data, rows, vocab);
  ParallelFor(rows, std::max<size_t>(1, kParallelGrain / vocab), [&](size_t b, size_t e) {
    for (size_t r = b; r < e; r++) {
      const float* row = z.data + r * vocab;
      lse.data[r] = RowLogSumExp(row, vocab);
      nll.data[r] = lse.data[r] - row[t.data[r]];
    }
  });
  return env.Undefined();
}

/** tokenNllGrad(z, targets, lse, dNll, dLse, dz, rows, vocab) */
Napi::Value TokenNllGrad(const Napi::CallbackInfo& info) {
  Args args(info, "tokenNllGrad");
  Napi::Env env = args.Env();
  const Span<float> z = args.Floats("logits");
  const Span<int32_t> t = args.Ints("targets");
  const Span<float> lse = args.Floats("lse"), d_nll = args.Floats("dNll"), d_lse = args.Floats("dLse"), dz = args.Floats("dz");
  const size_t rows = args.Size("rows"), vocab = args.Size("vocab");
  args.Check(vocab > 0 && z.size == rows * vocab && dz.size == z.size && t.size == rows && lse.size == rows &&
                 d_nll.size == rows && d_lse.size == rows,
             "sizes do not match [rows, vocab]");
  CheckTargets(env, "tokenNllGrad", t.data, rows, vocab);
  ParallelFor(rows, std::max<size_t>(1, kParallelGrain / vocab), [&](size_t b, size_t e) {
    for (size_t r = b; r < e; r++) {
      const float a = d_nll.data[r];
      RowNllGrad(z.data + r * vocab, dz.data + r * vocab, vocab, lse.data[r], t.data[r], a, a + d_lse.data[r], [](float) { return 1.0f; });
    }
  });
  return env.Undefined();
}

}  // namespace

void InitTokenNll(Napi::Env env, Napi::Object exports) {
  exports.Set("tokenNll", Napi::Function::New(env, TokenNll, "tokenNll"));
  exports.Set("tokenNllGrad", Napi::Function::New(env, TokenNllGrad, "tokenNllGrad"));
}

}  // namespace dft
