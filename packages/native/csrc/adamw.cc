// One fused AdamW step per parameter (PyTorch's AdamW / core's AdamW formula), reading p, m, v, g once and
// writing p', m', v' once, where tfjs ops make ~13 full passes with as many fresh arrays.
#include <cmath>

#include "args.h"
#include "kernels.h"
#include "parallel.h"

namespace dft {

namespace {

/**
 * adamw(p, m, v, g, pOut, mOut, vOut, lr, beta1, beta2, eps, c1, c2, decay):
 * m' = β₁m + (1−β₁)g; v' = β₂v + (1−β₂)g²; p' = p·(1 − lr·decay) − lr·(m'/c1) / (√(v'/c2) + ε).
 * Outputs may alias inputs.
 */
Napi::Value AdamW(const Napi::CallbackInfo& info) {
  Args args(info, "adamw");
  const Span<float> p = args.Floats("param"), m = args.Floats("m"), v = args.Floats("v"), g = args.Floats("grad");
  const Span<float> po = args.Floats("paramOut"), mo = args.Floats("mOut"), vo = args.Floats("vOut");
  const float lr = args.Float("lr"), b1 = args.Float("beta1"), b2 = args.Float("beta2"), eps = args.Float("eps");
  const float c1 = args.Float("c1"), c2 = args.Float("c2"), decay = args.Float("decay");
  const size_t n = p.size;
  args.Check(m.size == n && v.size == n && g.size == n && po.size == n && mo.size == n && vo.size == n,
             "param, moments, gradient and outputs differ in size");
  const float keep = 1.0f - lr * decay, a1 = 1.0f - b1, a2 = 1.0f - b2;
  ParallelFor(n, kParallelGrain, [&](size_t b, size_t e) {
    for (size_t i = b; i < e; i++) {
      const float gi = g.data[i];
      const float mi = b1 * m.data[i] + a1 * gi;
      const float vi = b2 * v.data[i] + a2 * (gi * gi);
      const float update = (mi / c1) / (std::sqrt(vi / c2) + eps);
      po.data[i] = p.data[i] * keep - update * lr;
      mo.data[i] = mi;
      vo.data[i] = vi;
    }
  });
  return args.Env().Undefined();
}

}  // namespace

void InitAdamW(Napi::Env env, Napi::Object exports) { exports.Set("adamw", Napi::Function::New(env, AdamW, "adamw")); }

}  // namespace dft
