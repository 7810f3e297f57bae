// Arguments of an exported function, read in order. Each typed array is checked for its element type and each count
// for being a non-negative integer, so a wrong call from JavaScript is a clear Error (`<fn>: <name> must be …`),
// never a bad read. Reading in order keeps the position of each argument in one place: the order of the calls.
#pragma once
#include <napi.h>

#include <cstddef>
#include <cstdint>
#include <string>

namespace dft {

template <class T>
struct Span {
  T* data;
  size_t size;
};

class Args {
 public:
  Args(const Napi::CallbackInfo& info, const char* fn) : info_(info), fn_(fn) {}

  Span<float> Floats(const char* name);
  Span<int32_t> Ints(const char* name);
  /** A non-negative integer count or index. */
  size_t Size(const char* name);
  int32_t Int(const char* name);
  /** An integer code in [0, count): an op or activation chosen by the JavaScript side. */
  int32_t Code(const char* name, int32_t count);
  double Number(const char* name);
  float Float(const char* name) { return static_cast<float>(Number(name)); }
  bool Bool(const char* name);
  /** Throws a JavaScript RangeError `<fn>: <message>` unless `ok`. */
  void Check(bool ok, const std::string& message) const;
  Napi::Env Env() const { return info_.Env(); }

 private:
  Napi::TypedArray Typed(const char* name, napi_typedarray_type type, const char* type_name);
  std::string Named(const char* name) const { return std::string(fn_) + ": " + name; }

  const Napi::CallbackInfo& info_;
  const char* fn_;
  size_t next_ = 0;
};

/** `{name: code}` for the codes that `Args::Code` reads, so JavaScript passes codes by name. */
Napi::Object CodeNames(Napi::Env env, const char* const* names, int32_t count);

}  // namespace dft
