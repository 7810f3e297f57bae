// Fused gated activations of the MLP: out = act(gate)·up with act SiLU (LLaMA) or tanh-GELU (Gemma), and both
// input gradients in one pass. tfjs composes them from 3–9 kernels forward and as many backward.
#include <cmath>

#include "args.h"
#include "fast-exp.h"
#include "kernels.h"
#include "parallel.h"

namespace dft {

namespace {

enum Activation { kSilu, kGeluTanh, kActivationCount };

// Each activation gives its value, and its value with its derivative: one template loop per direction serves both.
struct Silu {
  static float Sigmoid(float x) { return 1.0f / (1.0f + FastExp(-x)); }
  static float Value(float x) { return x * Sigmoid(x); }
  static void WithSlope(float x, float* act, float* slope) {
    const float s = Sigmoid(x);
    *act = x * s;
    *slope = s * (1.0f + x * (1.0f - s));
  }
};

struct GeluTanh {
  static constexpr float kC = 0.7978845608028654f;  // √(2/π)
  static constexpr float kA = 0.044715f;
  static float Value(float x) { return 0.5f * x * (1.0f + std::tanh(kC * (x + kA * x * x * x))); }
  static void WithSlope(float x, float* act, float* slope) {
    const float t = std::tanh(kC * (x + kA * x * x * x));
    *act = 0.5f * x * (1.0f + t);
    *slope = 0.5f * (1.0f + t) + 0.5f * x * (1.0f - t * t) * kC * (1.0f + 3.0f * kA * x * x);
  }
};

template <class A>
void Forward(const float* g, const float* u, float* o, size_t n) {
  ParallelFor(n, kParallelGrain, [&](size_t b, size_t e) {
    for (size_t i = b; i < e; i++) o[i] = A::Value(g[i]) * u[i];
  });
}

template <class A>
void Backward(const float* g, const float* u, const float* dy, float* dg, float* du, size_t n) {
  ParallelFor(n, kParallelGrain, [&](size_t b, size_t e) {
    for (size_t i = b; i < e; i++) {
      float act, slope;
      A::WithSlope(g[i], &act, &slope);
      du[i] = dy[i] * act;
      dg[i] = dy[i] * u[i] * slope;
    }
  });
}

/** gatedAct(kind, gate, up, out): out = act(gate)·up */
Napi::Value GatedAct(const Napi::CallbackInfo& info) {
  Args args(info, "gatedAct");
  const int32_t kind = args.Code("activation", kActivationCount);
  const Span<float> g = args.Floats("gate"), u = args.Floats("up"), o = args.Floats("out");
  args.Check(u.size == g.size && o.size == g.size, "gate, up and out differ in size");
  (kind == kSilu ? Forward<Silu> : Forward<GeluTanh>)(g.data, u.data, o.data, g.size);
  return args.Env().Undefined();
}

/** gatedActGrad(kind, gate, up, dy, dGate, dUp) */
Napi::Value GatedActGrad(const Napi::CallbackInfo& info) {
  Args args(info, "gatedActGrad");
  const int32_t kind = args.Code("activation", kActivationCount);
  const Span<float> g = args.Floats("gate"), u = args.Floats("up"), dy = args.Floats("dy");
  const Span<float> dg = args.Floats("dGate"), du = args.Floats("dUp");
  const size_t n = g.size;
  args.Check(u.size == n && dy.size == n && dg.size == n && du.size == n, "operands differ in size");
  (kind == kSilu ? Backward<Silu> : Backward<GeluTanh>)(g.data, u.data, dy.data, dg.data, du.data, n);
  return args.Env().Undefined();
}

}  // namespace

void InitGatedAct(Napi::Env env, Napi::Object exports) {
  exports.Set("gatedAct", Napi::Function::New(env, GatedAct, "gatedAct"));
  exports.Set("gatedActGrad", Napi::Function::New(env, GatedActGrad, "gatedActGrad"));
}

}  // namespace dft
