// Reductions over one contiguous run of axes: x viewed as [outer, mid, inner] reduces over `mid`. JavaScript
// transposes first when the reduced axes are not adjacent.
#include <algorithm>
#include <cmath>

#include "args.h"
#include "kernels.h"
#include "parallel.h"

namespace dft {

namespace {

enum ReduceOp { kSum, kMean, kMax, kMin, kReduceOpCount };
const char* const kReduceNames[] = {"Sum", "Mean", "Max", "Min"};

struct SumR {
  float operator()(float acc, float v) const { return acc + v; }
};
// NaN wins, as in the cpu backend's loops.
struct MaxR {
  float operator()(float acc, float v) const { return (v > acc || v != v) ? v : acc; }
};
struct MinR {
  float operator()(float acc, float v) const { return (v < acc || v != v) ? v : acc; }
};

// One contiguous row: 16 independent accumulators so the loop vectorises without reassociating a single sum.
template <class F>
float ReduceRow(F f, const float* x, size_t n) {
  constexpr size_t L = 16;
  if (n < L) {
    float acc = x[0];
    for (size_t i = 1; i < n; i++) acc = f(acc, x[i]);
    return acc;
  }
  float lanes[L];
  for (size_t j = 0; j < L; j++) lanes[j] = x[j];
  size_t i = L;
  for (; i + L <= n; i += L) {
    for (size_t j = 0; j < L; j++) lanes[j] = f(lanes[j], x[i + j]);
  }
  for (; i < n; i++) lanes[0] = f(lanes[0], x[i]);
  float acc = lanes[0];
  for (size_t j = 1; j < L; j++) acc = f(acc, lanes[j]);
  return acc;
}

template <class F>
void Reduce(F f, const float* x, float* out, size_t outer, size_t mid, size_t inner, float scale) {
  if (inner == 1) {
    ParallelFor(outer, std::max<size_t>(1, kParallelGrain / std::max<size_t>(mid, 1)), [&](size_t b, size_t e) {
      for (size_t o = b; o < e; o++) out[o] = ReduceRow(f, x + o * mid, mid) * scale;
    });
    return;
  }
  // Reducing a leading axis: accumulate whole rows of `inner` elements, split across threads by column.
  for (size_t o = 0; o < outer; o++) {
    const float* src = x + o * mid * inner;
    float* dst = out + o * inner;
    ParallelFor(inner, std::max<size_t>(16, kParallelGrain / std::max<size_t>(mid, 1)), [&](size_t b, size_t e) {
      std::copy(src + b, src + e, dst + b);
      for (size_t r = 1; r < mid; r++) {
        const float* row = src + r * inner;
        for (size_t i = b; i < e; i++) dst[i] = f(dst[i], row[i]);
      }
      if (scale != 1.0f) {
        for (size_t i = b; i < e; i++) dst[i] *= scale;
      }
    });
  }
}

/** reduce(op, x, out, outer, mid, inner): out[o, i] = op over m of x[o, m, i]; an empty `mid` gives 0 for sums. */
Napi::Value ReduceFn(const Napi::CallbackInfo& info) {
  Args args(info, "reduce");
  Napi::Env env = args.Env();
  const int32_t op = args.Code("op", kReduceOpCount);
  const Span<float> x = args.Floats("x"), out = args.Floats("out");
  const size_t outer = args.Size("outer"), mid = args.Size("mid"), inner = args.Size("inner");
  args.Check(x.size == outer * mid * inner && out.size == outer * inner, "sizes do not match [outer, mid, inner]");
  if (out.size == 0) return env.Undefined();
  if (mid == 0) {
    args.Check(op == kSum || op == kMean, "max/min over an empty axis");
    std::fill(out.data, out.data + out.size, op == kSum ? 0.0f : NAN);
    return env.Undefined();
  }
  switch (op) {
    case kSum: Reduce(SumR{}, x.data, out.data, outer, mid, inner, 1.0f); break;
    case kMean: Reduce(SumR{}, x.data, out.data, outer, mid, inner, 1.0f / static_cast<float>(mid)); break;
    case kMax: Reduce(MaxR{}, x.data, out.data, outer, mid, inner, 1.0f); break;
    case kMin: Reduce(MinR{}, x.data, out.data, outer, mid, inner, 1.0f); break;
  }
  return env.Undefined();
}

}  // namespace

void InitReduce(Napi::Env env, Napi::Object exports) {
  exports.Set("reduce", Napi::Function::New(env, ReduceFn, "reduce"));
  exports.Set("reduceOps", CodeNames(env, kReduceNames, kReduceOpCount));
}

}  // namespace dft
