// Module entry: the kernel functions, plus thread control and a description of the BLAS it was built against.
#include <cblas.h>
#include <napi.h>

#include <algorithm>
#include <string>

#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "args.h"
#include "kernels.h"
#include "parallel.h"

namespace dft {

namespace {

/** setThreads(n): threads for the addon's own loops and, with OpenBLAS, for sgemm. */
Napi::Value SetThreads(const Napi::CallbackInfo& info) {
  Args args(info, "setThreads");
  const int32_t n = args.Int("n");
  args.Check(n >= 1 && n <= 64, "n must be in 1..64");
  SetNumThreads(n);
#ifdef OPENBLAS_VERSION
  openblas_set_num_threads(n);
#endif
  return info.Env().Undefined();
}

Napi::Value Threads(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), NumThreads()); }

/**
 * tuneMalloc(bytes): serve allocations up to `bytes` from malloc's heap instead of fresh mmap'd pages, and keep
 * freed memory for reuse. Kernel outputs are large short-lived arrays; with glibc's default (mmap above 32 MiB at
 * most) each one costs a page fault per 4 KiB on first write, more than the kernel itself. Returns whether the
 * allocator accepted the setting (false off glibc).
 */
Napi::Value TuneMalloc(const Napi::CallbackInfo& info) {
  const size_t bytes = Args(info, "tuneMalloc").Size("bytes");
#ifdef __GLIBC__
  const int capped = static_cast<int>(std::min<size_t>(bytes, 1u << 30));
  bool ok = mallopt(M_MMAP_THRESHOLD, capped) == 1 && mallopt(M_TRIM_THRESHOLD, 1 << 30) == 1;
  return Napi::Boolean::New(info.Env(), ok);
#else
  (void)bytes;
  return Napi::Boolean::New(info.Env(), false);
#endif
}

Napi::Value BlasInfo(const Napi::CallbackInfo& info) {
#ifdef OPENBLAS_VERSION
  std::string s = std::string(openblas_get_config()) + " (" + std::to_string(openblas_get_num_threads()) + " threads)";
#else
  std::string s = "CBLAS";
#endif
  return Napi::String::New(info.Env(), s);
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  InitGemm(env, exports);
  InitElementwise(env, exports);
  InitReduce(env, exports);
  InitSoftmax(env, exports);
  InitTranspose(env, exports);
  InitGather(env, exports);
  InitCopy(env, exports);
  InitTokenNll(env, exports);
  InitHeadNll(env, exports);
  InitAdamW(env, exports);
  InitRmsNorm(env, exports);
  InitGatedAct(env, exports);
  exports.Set("setThreads", Napi::Function::New(env, SetThreads, "setThreads"));
  exports.Set("threads", Napi::Function::New(env, Threads, "threads"));
  exports.Set("tuneMalloc", Napi::Function::New(env, TuneMalloc, "tuneMalloc"));
  exports.Set("blasInfo", Napi::Function::New(env, BlasInfo, "blasInfo"));
  return exports;
}

}  // namespace

}  // namespace dft

static Napi::Object InitModule(Napi::Env env, Napi::Object exports) { return dft::Init(env, exports); }

NODE_API_MODULE(dft_native, InitModule)
