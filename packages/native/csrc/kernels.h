// Each kernel family adds its functions to the addon's exports.
#pragma once
#include <napi.h>

namespace dft {

void InitGemm(Napi::Env env, Napi::Object exports);
void InitElementwise(Napi::Env env, Napi::Object exports);
void InitReduce(Napi::Env env, Napi::Object exports);
void InitSoftmax(Napi::Env env, Napi::Object exports);
void InitTranspose(Napi::Env env, Napi::Object exports);
void InitGather(Napi::Env env, Napi::Object exports);
void InitCopy(Napi::Env env, Napi::Object exports);
void InitTokenNll(Napi::Env env, Napi::Object exports);
void InitHeadNll(Napi::Env env, Napi::Object exports);
void InitAdamW(Napi::Env env, Napi::Object exports);
void InitRmsNorm(Napi::Env env, Napi::Object exports);
void InitGatedAct(Napi::Env env, Napi::Object exports);

/** Elements below which a kernel runs on the calling thread only (a thread hand-off costs ~10 µs). */
constexpr size_t kParallelGrain = 1 << 15;

}  // namespace dft
