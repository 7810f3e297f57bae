// Fused RMSNorm y = x·rsqrt(mean(x²) + ε)·(w + offset) over the last axis (offset 1 is Gemma's (1 + w)), and its
// gradient in one pass over the rows plus one over the columns for dw. tfjs composes the forward from 6 kernels
// and the backward from ~12.
#include <algorithm>
#include <cmath>
#include <vector>

#include "args.h"
#include "kernels.h"
#include "parallel.h"

namespace dft {

namespace {

/** rmsNorm(x, w, y, rstd, rows, dim, eps, offset) */
Napi::Value RmsNorm(const Napi::CallbackInfo& info) {
  Args args(info, "rmsNorm");
  const Span<float> x = args.Floats("x"), w = args.Floats("weight"), y = args.Floats("y"), rstd = args.Floats("rstd");
  const size_t rows = args.Size("rows"), dim = args.Size("dim");
  const float eps = args.Float("eps"), offset = args.Float("offset");
  args.Check(dim > 0 && x.size == rows * dim && y.size == x.size && w.size == dim && rstd.size == rows,
             "sizes do not match [rows, dim]");
  ParallelFor(rows, std::max<size_t>(1, kParallelGrain / dim), [&](size_t b, size_t e) {
    for (size_t r = b; r < e; r++) {
      const float* xr = x.data + r * dim;
      float* yr = y.data + r * dim;
      float ss = 0;
      for (size_t i = 0; i < dim; i++) ss += xr[i] * xr[i];
      const float s = 1.0f / std::sqrt(ss / static_cast<float>(dim) + eps);
      rstd.data[r] = s;
      for (size_t i = 0; i < dim; i++) yr[i] = xr[i] * s * (w.data[i] + offset);
    }
  });
  return args.Env().Undefined();
}

/**
 * rmsNormGrad(x, w, rstd, dy, dx, dw, rows, dim, offset): with g = dy·(w + offset),
 * dx = r·g − r³·x·mean(g·x) per row, dw = Σ_rows dy·x·r.
 */
Napi::Value RmsNormGrad(const Napi::CallbackInfo& info) {
  Args args(info, "rmsNormGrad");
  const Span<float> x = args.Floats("x"), w = args.Floats("weight"), rstd = args.Floats("rstd");
  const Span<float> dy = args.Floats("dy"), dx = args.Floats("dx"), dw = args.Floats("dw");
  const size_t rows = args.Size("rows"), dim = args.Size("dim");
  const float offset = args.Float("offset");
  args.Check(dim > 0 && x.size == rows * dim && dy.size == x.size && dx.size == x.size && w.size == dim &&
                 dw.size == dim && rstd.size == rows,
             "sizes do not match [rows, dim]");
  ParallelFor(rows, std::max<size_t>(1, kParallelGrain / dim), [&](size_t b, size_t e) {
    for (size_t r = b; r < e; r++) {
      const float* xr = x.data + r * dim;
      const float* gr = dy.data + r * dim;
      float* dxr = dx.data + r * dim;
      const float s = rstd.data[r];
      float dot = 0;
      for (size_t i = 0; i < dim; i++) dot += gr[i] * (w.data[i] + offset) * xr[i];
      const float k = s * s * s * dot / static_cast<float>(dim);
      for (size_t i = 0; i < dim; i++) dxr[i] = s * gr[i] * (w.data[i] + offset) - k * xr[i];
    }
  });
  // dw: columns split across threads, each summing down its rows.
  ParallelFor(dim, std::max<size_t>(16, kParallelGrain / std::max<size_t>(rows, 1)), [&](size_t b, size_t e) {
    std::fill(dw.data + b, dw.data + e, 0.0f);
    for (size_t r = 0; r < rows; r++) {
      const float* xr = x.data + r * dim;
      const float* gr = dy.data + r * dim;
      const float s = rstd.data[r];
      for (size_t i = b; i < e; i++) dw.data[i] += gr[i] * xr[i] * s;
    }
  });
  return args.Env().Undefined();
}

}  // namespace

void InitRmsNorm(Napi::Env env, Napi::Object exports) {
  exports.Set("rmsNorm", Napi::Function::New(env, RmsNorm, "rmsNorm"));
  exports.Set("rmsNormGrad", Napi::Function::New(env, RmsNormGrad, "rmsNormGrad"));
}

}  // namespace dft
