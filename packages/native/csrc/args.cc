#include "args.h"

#include <cmath>

namespace dft {

Napi::TypedArray Args::Typed(const char* name, napi_typedarray_type type, const char* type_name) {
  const size_t i = next_++;
  if (info_.Length() <= i || !info_[i].IsTypedArray() || info_[i].As<Napi::TypedArray>().TypedArrayType() != type) {
    throw Napi::TypeError::New(info_.Env(), Named(name) + " must be a " + type_name);
  }
  return info_[i].As<Napi::TypedArray>();
}

Span<float> Args::Floats(const char* name) {
  Napi::Float32Array a = Typed(name, napi_float32_array, "Float32Array").As<Napi::Float32Array>();
  return {a.Data(), a.ElementLength()};
}

Span<int32_t> Args::Ints(const char* name) {
  Napi::Int32Array a = Typed(name, napi_int32_array, "Int32Array").As<Napi::Int32Array>();
  return {a.Data(), a.ElementLength()};
}

double Args::Number(const char* name) {
  const size_t i = next_++;
  if (info_.Length() <= i || !info_[i].IsNumber()) {
    throw Napi::TypeError::New(info_.Env(), Named(name) + " must be a number");
  }
  return info_[i].As<Napi::Number>().DoubleValue();
}

size_t Args::Size(const char* name) {
  const double v = Number(name);
  if (!(v >= 0) || v != std::floor(v) || v > 9007199254740991.0) {
    throw Napi::RangeError::New(info_.Env(), Named(name) + " must be a non-negative integer");
  }
  return static_cast<size_t>(v);
}

int32_t Args::Int(const char* name) {
  const double v = Number(name);
  if (v != std::floor(v) || v < -2147483648.0 || v > 2147483647.0) {
    throw Napi::RangeError::New(info_.Env(), Named(name) + " must be a 32-bit integer");
  }
  return static_cast<int32_t>(v);
}

int32_t Args::Code(const char* name, int32_t count) {
  const int32_t v = Int(name);
  Check(v >= 0 && v < count, std::string("unknown ") + name);
  return v;
}

bool Args::Bool(const char* name) {
  const size_t i = next_++;
  if (info_.Length() <= i || !info_[i].IsBoolean()) {
    throw Napi::TypeError::New(info_.Env(), Named(name) + " must be a boolean");
  }
  return info_[i].As<Napi::Boolean>().Value();
}

Napi::Object CodeNames(Napi::Env env, const char* const* names, int32_t count) {
  Napi::Object o = Napi::Object::New(env);
  for (int32_t i = 0; i < count; i++) o.Set(names[i], Napi::Number::New(env, i));
  return o;
}

void Args::Check(bool ok, const std::string& message) const {
  if (!ok) throw Napi::RangeError::New(info_.Env(), Named(message.c_str()));
}

}  // namespace dft
