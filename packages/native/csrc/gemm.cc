// Batched single-precision matrix products through CBLAS. Transposes are passed to sgemm as flags (no copies);
// broadcast batch axes arrive as per-product offsets computed in JavaScript.
#include <cblas.h>

#include <algorithm>

#include "args.h"
#include "kernels.h"

namespace dft {

namespace {

/**
 * gemm(a, b, c, aOffsets, bOffsets, M, N, K, transA, transB, accumulate): for each i, c[i·M·N ..] =
 * op(a at aOffsets[i]) · op(b at bOffsets[i]) (+ the old c when `accumulate`), op(a) being M×K and op(b) K×N,
 * all row-major.
 */
Napi::Value Gemm(const Napi::CallbackInfo& info) {
  Args args(info, "gemm");
  const Span<float> a = args.Floats("a"), b = args.Floats("b"), c = args.Floats("c");
  const Span<int32_t> a_off = args.Ints("aOffsets"), b_off = args.Ints("bOffsets");
  const size_t m = args.Size("M"), n = args.Size("N"), k = args.Size("K");
  const bool trans_a = args.Bool("transA"), trans_b = args.Bool("transB"), accumulate = args.Bool("accumulate");
  const size_t batch = a_off.size;
  args.Check(b_off.size == batch, "aOffsets and bOffsets differ in length");
  args.Check(c.size >= batch * m * n, "c is smaller than batch·M·N");
  for (size_t i = 0; i < batch; i++) {
    args.Check(a_off.data[i] >= 0 && static_cast<size_t>(a_off.data[i]) + m * k <= a.size, "a offset out of range");
    args.Check(b_off.data[i] >= 0 && static_cast<size_t>(b_off.data[i]) + k * n <= b.size, "b offset out of range");
  }
  if (m == 0 || n == 0) return args.Env().Undefined();
  const int lda = static_cast<int>(trans_a ? m : k), ldb = static_cast<int>(trans_b ? k : n);
  const int ldc = static_cast<int>(n);
  const int lda_safe = lda > 0 ? lda : 1, ldb_safe = ldb > 0 ? ldb : 1;
  for (size_t i = 0; i < batch; i++) {
    float* out = c.data + i * m * n;
    if (k == 0) {
      if (!accumulate) std::fill(out, out + m * n, 0.0f);
      continue;
    }
    cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans, trans_b ? CblasTrans : CblasNoTrans,
                static_cast<int>(m), static_cast<int>(n), static_cast<int>(k), 1.0f, a.data + a_off.data[i], lda_safe,
                b.data + b_off.data[i], ldb_safe, accumulate ? 1.0f : 0.0f, out, ldc);
  }
  return args.Env().Undefined();
}

}  // namespace

void InitGemm(Napi::Env env, Napi::Object exports) { exports.Set("gemm", Napi::Function::New(env, Gemm, "gemm")); }

}  // namespace dft
