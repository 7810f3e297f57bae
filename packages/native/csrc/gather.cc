// GatherV2 along one axis (batchDims 0): x viewed as [outer, axis, inner], out as [outer, indices, inner]; each
// looked-up slice is one memcpy.
#include <cstring>
#include <string>

#include "args.h"
#include "kernels.h"
#include "parallel.h"

namespace dft {

namespace {

/** gather(x, indices, out, outer, axisSize, inner) */
Napi::Value Gather(const Napi::CallbackInfo& info) {
  Args args(info, "gather");
  const Span<float> x = args.Floats("x");
  const Span<int32_t> idx = args.Ints("indices");
  const Span<float> out = args.Floats("out");
  const size_t outer = args.Size("outer"), axis = args.Size("axisSize"), inner = args.Size("inner");
  args.Check(x.size == outer * axis * inner && out.size == outer * idx.size * inner, "sizes do not match");
  for (size_t j = 0; j < idx.size; j++) {
    if (idx.data[j] < 0 || static_cast<size_t>(idx.data[j]) >= axis) {
      throw Napi::Error::New(args.Env(), "GatherV2: the index value " + std::to_string(idx.data[j]) + " is not in [0, " +
                                      std::to_string(static_cast<long long>(axis) - 1) + "]");
    }
  }
  const size_t rows = outer * idx.size;
  ParallelFor(rows, std::max<size_t>(1, kParallelGrain / std::max<size_t>(inner, 1)), [&](size_t b, size_t e) {
    for (size_t r = b; r < e; r++) {
      const size_t o = r / idx.size, j = r % idx.size;
      std::memcpy(out.data + r * inner, x.data + (o * axis + idx.data[j]) * inner, inner * sizeof(float));
    }
  });
  return args.Env().Undefined();
}

}  // namespace

void InitGather(Napi::Env env, Napi::Object exports) {
  exports.Set("gather", Napi::Function::New(env, Gather, "gather"));
}

}  // namespace dft
