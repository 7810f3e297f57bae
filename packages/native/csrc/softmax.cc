// Row softmax over the last axis in one pass per row (max, exp and sum, scale), rows split across threads.
#include <algorithm>

#include "args.h"
#include "fast-exp.h"
#include "kernels.h"
#include "parallel.h"

namespace dft {

namespace {

void SoftmaxRow(const float* x, float* y, size_t n) {
  float m = x[0];
  for (size_t i = 1; i < n; i++) m = (x[i] > m || x[i] != x[i]) ? x[i] : m;
  float sum = 0.0f;
  constexpr size_t L = 16;
  float lanes[L] = {0};
  size_t i = 0;
  for (; i + L <= n; i += L) {
    for (size_t j = 0; j < L; j++) {
      float e = FastExp(x[i + j] - m);
      y[i + j] = e;
      lanes[j] += e;
    }
  }
  for (; i < n; i++) {
    y[i] = FastExp(x[i] - m);
    sum += y[i];
  }
  for (size_t j = 0; j < L; j++) sum += lanes[j];
  const float inv = 1.0f / sum;
  for (size_t k = 0; k < n; k++) y[k] *= inv;
}

/** softmax(x, out, rows, cols) over the last axis; out may be x. */
Napi::Value Softmax(const Napi::CallbackInfo& info) {
  Args args(info, "softmax");
  Napi::Env env = args.Env();
  const Span<float> x = args.Floats("x"), out = args.Floats("out");
  const size_t rows = args.Size("rows"), cols = args.Size("cols");
  args.Check(x.size == rows * cols && out.size == x.size, "sizes do not match [rows, cols]");
  if (cols == 0) return env.Undefined();
  ParallelFor(rows, std::max<size_t>(1, kParallelGrain / cols), [&](size_t b, size_t e) {
    for (size_t r = b; r < e; r++) SoftmaxRow(x.data + r * cols, out.data + r * cols, cols);
  });
  return env.Undefined();
}

}  // namespace

void InitSoftmax(Napi::Env env, Napi::Object exports) {
  exports.Set("softmax", Napi::Function::New(env, Softmax, "softmax"));
}

}  // namespace dft
