// Fused next-token cross-entropy over the vocabulary. Forward: per row one pass for the max and one for the
// log-sum-exp, writing only [rows] numbers (no [rows, vocab] intermediates). Backward: one pass writing
// dz = softmax(z)·(dNll + dLse) − onehot(target)·dNll. tfjs composes the same from ~15 full-size kernels.
#include <algorithm>
#include <cmath>
#include <string>

#include "args.h"
#include "fast-exp.h"
#include "kernels.h"
#include "parallel.h"

namespace dft {

namespace {

float RowMax(const float* z, size_t n) {
  constexpr size_t L = 16;
  float lanes[L];
  for (size_t j = 0; j < L; j++) lanes[j] = -INFINITY;
  size_t i = 0;
  bool nan = false;
  for (; i + L <= n; i += L) {
    for (size_t j = 0; j < L; j++) {
      lanes[j] = z[i + j] > lanes[j] ? z[i + j] : lanes[j];
      nan |= z[i + j] != z[i + j];
    }
  }
  float m = -INFINITY;
  for (; i < n; i++) {
    m = z[i] > m ? z[i] : m;
    nan |= z[i] != z[i];
  }
  for (size_t j = 0; j < L; j++) m = lanes[j] > m ? lanes[j] : m;
  return nan ? NAN : m;
}

float RowLogSumExp(const float* z, size_t n) {
  const float m = RowMax(z, n);
  if (!std::isfinite(m)) return m;  // NaN, or a row of -inf / +inf
  constexpr size_t L = 16;
  float lanes[L] = {0};
  size_t i = 0;
  for (; i + L <= n; i += L) {
    for (size_t j = 0; j < L; j++) lanes[j] += FastExp(z[i + j] - m);
  }
  float s = 0;
  for (; i < n; i++) s += FastExp(z[i] - m);
  for (size_t j = 0; j < L; j++) s += lanes[j];
  return m + std::log(s);
}

void CheckTargets(const Napi::Env& env, const int32_t* t, size_t rows, size_t vocab) {
  for (size_t r = 0; r < rows; r++) {
    if (t[r] < 0 || static_cast<size_t>(t[r]) >= vocab) {
      throw Napi::RangeError::New(env, "tokenNll: target " + std::to_string(t[r]) + " of row " + std::to_string(r) +
                                           " is not in [0, " + std::to_string(vocab) + ")");
    }
  }
}

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
  CheckTargets(env, t.data, rows, vocab);
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
  CheckTargets(env, t.data, rows, vocab);
  ParallelFor(rows, std::max<size_t>(1, kParallelGrain / vocab), [&](size_t b, size_t e) {
    for (size_t r = b; r < e; r++) {
      const float* row = z.data + r * vocab;
      float* out = dz.data + r * vocab;
      const float a = d_nll.data[r], s = a + d_lse.data[r], m = lse.data[r];
      if (s == 0.0f) {
        std::fill(out, out + vocab, 0.0f);  // ignored rows (weight 0) cost one write
      } else {
        for (size_t i = 0; i < vocab; i++) out[i] = FastExp(row[i] - m) * s;
      }
      out[t.data[r]] -= a;
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
