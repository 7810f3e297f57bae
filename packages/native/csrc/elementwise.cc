// Elementwise float32 kernels. Binary ops take the output shape and each operand's strides (0 on a broadcast
// axis), with adjacent axes already merged in JavaScript, so the innermost loop is contiguous or a scalar and
// vectorises.
#include <algorithm>
#include <cmath>
#include <vector>

#include "args.h"
#include "fast-exp.h"
#include "kernels.h"
#include "parallel.h"

namespace dft {

namespace {

enum BinaryOp { kAdd, kSub, kMul, kDiv, kMaximum, kMinimum, kSquaredDifference, kBinaryOpCount };
const char* const kBinaryNames[] = {"Add", "Sub", "Multiply", "RealDiv", "Maximum", "Minimum", "SquaredDifference"};

enum UnaryOp { kExp, kLog, kNeg, kSqrt, kRsqrt, kSquare, kSigmoid, kTanh, kAbs, kRelu, kReciprocal, kUnaryOpCount };
const char* const kUnaryNames[] = {"Exp", "Log", "Neg", "Sqrt", "Rsqrt", "Square", "Sigmoid", "Tanh", "Abs", "Relu", "Reciprocal"};

// NaN-propagating like JavaScript's Math.max / Math.min (what the cpu backend computes).
struct AddF { float operator()(float a, float b) const { return a + b; } };
struct SubF { float operator()(float a, float b) const { return a - b; } };
struct MulF { float operator()(float a, float b) const { return a * b; } };
struct DivF { float operator()(float a, float b) const { return a / b; } };
struct MaxF { float operator()(float a, float b) const { return (a > b || a != a) ? a : b; } };
struct MinF { float operator()(float a, float b) const { return (a < b || a != a) ? a : b; } };
struct SqDiffF { float operator()(float a, float b) const { return (a - b) * (a - b); } };

template <class F>
void Row(F f, const float* a, ptrdiff_t sa, const float* b, ptrdiff_t sb, float* o, size_t n) {
  if (sa == 1 && sb == 1) {
    for (size_t i = 0; i < n; i++) o[i] = f(a[i], b[i]);
  } else if (sa == 1 && sb == 0) {
    const float bv = *b;
    for (size_t i = 0; i < n; i++) o[i] = f(a[i], bv);
  } else if (sa == 0 && sb == 1) {
    const float av = *a;
    for (size_t i = 0; i < n; i++) o[i] = f(av, b[i]);
  } else {
    for (size_t i = 0; i < n; i++) o[i] = f(a[i * sa], b[i * sb]);
  }
}

struct BinarySpec {
  const float* a;
  const float* b;
  float* out;
  std::vector<int64_t> shape, sa, sb;
};

// Computes output elements [begin, end): walks rows of the innermost axis, advancing the outer index like an
// odometer so each operand's offset is updated incrementally.
template <class F>
void BinaryRange(F f, const BinarySpec& s, size_t begin, size_t end) {
  const size_t rank = s.shape.size();
  const size_t inner = static_cast<size_t>(s.shape[rank - 1]);
  const ptrdiff_t ia = s.sa[rank - 1], ib = s.sb[rank - 1];
  size_t row = begin / inner, col = begin % inner;
  std::vector<int64_t> idx(rank, 0);
  int64_t oa = 0, ob = 0;
  for (size_t d = rank - 1, r = row; d-- > 0;) {
    idx[d] = static_cast<int64_t>(r % s.shape[d]);
    r /= s.shape[d];
    oa += idx[d] * s.sa[d];
    ob += idx[d] * s.sb[d];
  }
  while (begin < end) {
    size_t len = std::min(inner - col, end - begin);
    Row(f, s.a + oa + col * ia, ia, s.b + ob + col * ib, ib, s.out + begin, len);
    begin += len;
    col = 0;
    for (size_t d = rank - 1; d-- > 0;) {
      oa += s.sa[d];
      ob += s.sb[d];
      if (++idx[d] < s.shape[d]) break;
      oa -= s.sa[d] * s.shape[d];
      ob -= s.sb[d] * s.shape[d];
      idx[d] = 0;
    }
  }
}

template <class F>
void RunBinary(F f, const BinarySpec& s, size_t n) {
  ParallelFor(n, kParallelGrain, [&](size_t b, size_t e) { BinaryRange(f, s, b, e); });
}

/** binary(op, a, b, out, shape, aStrides, bStrides) */
Napi::Value Binary(const Napi::CallbackInfo& info) {
  Args args(info, "binary");
  Napi::Env env = args.Env();
  const int32_t op = args.Code("op", kBinaryOpCount);
  const Span<float> a = args.Floats("a"), b = args.Floats("b"), out = args.Floats("out");
  const Span<int32_t> shape = args.Ints("shape"), sa = args.Ints("aStrides"), sb = args.Ints("bStrides");
  args.Check(shape.size >= 1 && sa.size == shape.size && sb.size == shape.size, "shape and strides differ in rank");
  BinarySpec s{a.data, b.data, out.data, {}, {}, {}};
  size_t n = 1;
  int64_t last_a = 0, last_b = 0;
  for (size_t d = 0; d < shape.size; d++) {
    args.Check(shape.data[d] >= 0 && sa.data[d] >= 0 && sb.data[d] >= 0, "negative shape or stride");
    s.shape.push_back(shape.data[d]);
    s.sa.push_back(sa.data[d]);
    s.sb.push_back(sb.data[d]);
    n *= static_cast<size_t>(shape.data[d]);
    if (shape.data[d] > 0) {
      last_a += int64_t(shape.data[d] - 1) * sa.data[d];
      last_b += int64_t(shape.data[d] - 1) * sb.data[d];
    }
  }
  args.Check(out.size == n, "out size does not match the shape");
  if (n == 0) return env.Undefined();
  args.Check(static_cast<size_t>(last_a) < a.size && static_cast<size_t>(last_b) < b.size, "strides reach past an operand");
  switch (op) {
    case kAdd: RunBinary(AddF{}, s, n); break;
    case kSub: RunBinary(SubF{}, s, n); break;
    case kMul: RunBinary(MulF{}, s, n); break;
    case kDiv: RunBinary(DivF{}, s, n); break;
    case kMaximum: RunBinary(MaxF{}, s, n); break;
    case kMinimum: RunBinary(MinF{}, s, n); break;
    case kSquaredDifference: RunBinary(SqDiffF{}, s, n); break;
  }
  return env.Undefined();
}

template <class F>
void Map(F f, const float* x, float* o, size_t n) {
  ParallelFor(n, kParallelGrain, [&](size_t b, size_t e) {
    for (size_t i = b; i < e; i++) o[i] = f(x[i]);
  });
}

/** unary(op, x, out): out[i] = op(x[i]); out may be x. */
Napi::Value Unary(const Napi::CallbackInfo& info) {
  Args args(info, "unary");
  const int32_t op = args.Code("op", kUnaryOpCount);
  const Span<float> x = args.Floats("x"), out = args.Floats("out");
  args.Check(out.size == x.size, "x and out differ in size");
  const float* p = x.data;
  float* o = out.data;
  const size_t n = x.size;
  switch (op) {
    case kExp: Map([](float v) { return FastExp(v); }, p, o, n); break;
    case kLog: Map([](float v) { return std::log(v); }, p, o, n); break;
    case kNeg: Map([](float v) { return -v; }, p, o, n); break;
    case kSqrt: Map([](float v) { return std::sqrt(v); }, p, o, n); break;
    case kRsqrt: Map([](float v) { return 1.0f / std::sqrt(v); }, p, o, n); break;
    case kSquare: Map([](float v) { return v * v; }, p, o, n); break;
    case kSigmoid: Map([](float v) { return 1.0f / (1.0f + FastExp(-v)); }, p, o, n); break;
    case kTanh: Map([](float v) { return std::tanh(v); }, p, o, n); break;
    case kAbs: Map([](float v) { return std::fabs(v); }, p, o, n); break;
    case kRelu: Map([](float v) { return v < 0.0f ? 0.0f : v; }, p, o, n); break;
    case kReciprocal: Map([](float v) { return 1.0f / v; }, p, o, n); break;
  }
  return args.Env().Undefined();
}

}  // namespace

void InitElementwise(Napi::Env env, Napi::Object exports) {
  exports.Set("binary", Napi::Function::New(env, Binary, "binary"));
  exports.Set("unary", Napi::Function::New(env, Unary, "unary"));
  exports.Set("binaryOps", CodeNames(env, kBinaryNames, kBinaryOpCount));
  exports.Set("unaryOps", CodeNames(env, kUnaryNames, kUnaryOpCount));
}

}  // namespace dft
