// Box copies between two row-major float32 arrays: the one primitive behind Slice, SplitV, Concat and PadV2 (the
// cpu backend runs these element by element through index arithmetic; slicing the [4,128,32000] logits took 12 s).
#include <algorithm>
#include <cstring>
#include <vector>

#include "args.h"
#include "kernels.h"
#include "parallel.h"

namespace dft {

namespace {

/**
 * copyBox(src, srcShape, srcBegin, dst, dstShape, dstBegin, size): dst[dstBegin + i] = src[srcBegin + i] for every
 * multi-index i < size. Trailing axes copied whole are merged into one memcpy per row.
 */
Napi::Value CopyBox(const Napi::CallbackInfo& info) {
  Args args(info, "copyBox");
  const Span<float> src = args.Floats("src");
  const Span<int32_t> src_shape = args.Ints("srcShape"), src_begin = args.Ints("srcBegin");
  const Span<float> dst = args.Floats("dst");
  const Span<int32_t> dst_shape = args.Ints("dstShape"), dst_begin = args.Ints("dstBegin"), size = args.Ints("size");
  const size_t rank = size.size;
  args.Check(src_shape.size == rank && src_begin.size == rank && dst_shape.size == rank && dst_begin.size == rank,
             "shapes, begins and size differ in rank");
  size_t src_n = 1, dst_n = 1, total = 1;
  for (size_t d = 0; d < rank; d++) {
    args.Check(size.data[d] >= 0 && src_begin.data[d] >= 0 && dst_begin.data[d] >= 0, "negative begin or size");
    args.Check(src_begin.data[d] + int64_t(size.data[d]) <= src_shape.data[d] &&
                   dst_begin.data[d] + int64_t(size.data[d]) <= dst_shape.data[d],
               "box outside an array");
    src_n *= src_shape.data[d];
    dst_n *= dst_shape.data[d];
    total *= size.data[d];
  }
  args.Check(src.size == src_n && dst.size == dst_n, "array sizes do not match their shapes");
  if (total == 0) return args.Env().Undefined();
  if (rank == 0) {
    dst.data[0] = src.data[0];
    return args.Env().Undefined();
  }
  std::vector<size_t> ss(rank), ds(rank);
  ss[rank - 1] = ds[rank - 1] = 1;
  for (size_t d = rank - 1; d-- > 0;) {
    ss[d] = ss[d + 1] * src_shape.data[d + 1];
    ds[d] = ds[d + 1] * dst_shape.data[d + 1];
  }
  // Innermost contiguous run: axis `inner_axis` and every axis after it (those are whole in both arrays).
  size_t inner_axis = rank - 1;
  size_t run = size.data[rank - 1];
  while (inner_axis > 0 && size.data[inner_axis] == src_shape.data[inner_axis] && size.data[inner_axis] == dst_shape.data[inner_axis]) {
    inner_axis--;
    run *= size.data[inner_axis];
  }
  size_t src0 = 0, dst0 = 0;
  for (size_t d = 0; d < rank; d++) {
    src0 += src_begin.data[d] * ss[d];
    dst0 += dst_begin.data[d] * ds[d];
  }
  const size_t rows = total / run;
  ParallelFor(rows, std::max<size_t>(1, kParallelGrain / run), [&](size_t b, size_t e) {
    std::vector<size_t> idx(inner_axis, 0);
    size_t so = src0, dof = dst0;
    for (size_t d = inner_axis, r = b; d-- > 0;) {
      idx[d] = r % size.data[d];
      r /= size.data[d];
      so += idx[d] * ss[d];
      dof += idx[d] * ds[d];
    }
    for (size_t r = b; r < e; r++) {
      std::memcpy(dst.data + dof, src.data + so, run * sizeof(float));
      for (size_t d = inner_axis; d-- > 0;) {
        so += ss[d];
        dof += ds[d];
        if (++idx[d] < static_cast<size_t>(size.data[d])) break;
        so -= ss[d] * size.data[d];
        dof -= ds[d] * size.data[d];
        idx[d] = 0;
      }
    }
  });
  return args.Env().Undefined();
}

}  // namespace

void InitCopy(Napi::Env env, Napi::Object exports) {
  exports.Set("copyBox", Napi::Function::New(env, CopyBox, "copyBox"));
}

}  // namespace dft
