// Row helpers of the next-token cross-entropy, shared by the token-NLL kernels (logits given) and the chunked
// LM-head NLL kernels (logits computed a chunk at a time): a row's log-sum-exp, its gradient, target checks.
#pragma once
#include <napi.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>

#include "fast-exp.h"

namespace dft {

inline float RowMax(const float* z, size_t n) {
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

/** log Σ exp z over one row: one pass for the max, one for the sum (16 lanes, so the compiler vectorises). */
inline float RowLogSumExp(const float* z, size_t n) {
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

/**
 * One row of the gradient for the logits u that z = f(u) came from: out[i] = softmax(z)[i]·s·f'(z[i]) and
 * out[target] −= a·f'(z[target]), with a = dNll and s = dNll + dLse; `df(z)` is f' written in terms of z (1 when z
 * is the logits themselves). `out` may be `z` (in place): every z[i] is read before out[i] is written.
 */
template <class Derivative>
inline void RowNllGrad(const float* z, float* out, size_t n, float lse, int32_t target, float a, float s, Derivative df) {
  const float target_scale = df(z[target]);
  if (s == 0.0f) {
    std::fill(out, out + n, 0.0f);  // ignored rows (weight 0) cost one write
  } else {
    for (size_t i = 0; i < n; i++) out[i] = FastExp(z[i] - lse) * s * df(z[i]);
  }
  out[target] -= a * target_scale;
}

/** Throws a RangeError `<fn>: target <t> of row <r> is not in [0, vocab)` for the first target out of range. */
inline void CheckTargets(const Napi::Env& env, const char* fn, const int32_t* t, size_t rows, size_t vocab) {
  for (size_t r = 0; r < rows; r++) {
    if (t[r] < 0 || static_cast<size_t>(t[r]) >= vocab) {
      throw Napi::RangeError::New(env, std::string(fn) + ": target " + std::to_string(t[r]) + " of row " + std::to_string(r) +
                                           " is not in [0, " + std::to_string(vocab) + ")");
    }
  }
}

}  // namespace dft
