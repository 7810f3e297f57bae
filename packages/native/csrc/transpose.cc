// Axis permutation of a float32 tensor whose unpermuted neighbouring axes JavaScript has already merged. Three
// paths: the last axis stays last (row copies), the last two axes swap under identity batch axes (cache-line tiles
// staged through a buffer: the lm_head weight is 256 × 32000), anything else (a strided gather along the last output axis).
#include <algorithm>
#include <cstring>
#include <vector>

#include "args.h"
#include "kernels.h"
#include "parallel.h"

namespace dft {

namespace {

constexpr size_t kTile = 16;    // one 64-byte cache line of floats
constexpr size_t kPanel = 256;  // columns per panel: the panel's input and output pages stay in the TLB

// y[c, r] = x[r, c] for the columns [c0, c1) of x (rows × cols). Columns go in panels of 256; inside a panel,
// 16 × 16 tiles staged through a local buffer, so every read and write is a whole cache line and input and
// output lines cannot evict each other when both strides map to the same cache sets. (Plain 32 × 32 tiles over
// whole rows ran the 256 × 32000 lm_head weight at 2.5 GB/s: one TLB miss every few lines.)
void Transpose2D(const float* x, float* y, size_t rows, size_t cols, size_t c0, size_t c1) {
  float tile[kTile][kTile];
  for (size_t pb = c0; pb < c1; pb += kPanel) {
    const size_t pe = std::min(pb + kPanel, c1);
    for (size_t rb = 0; rb < rows; rb += kTile) {
      const size_t h = std::min(kTile, rows - rb);
      for (size_t cb = pb; cb < pe; cb += kTile) {
        const size_t w = std::min(kTile, pe - cb);
        if (h == kTile && w == kTile) {
          for (size_t i = 0; i < kTile; i++) {
            for (size_t j = 0; j < kTile; j++) tile[j][i] = x[(rb + i) * cols + cb + j];
          }
          for (size_t j = 0; j < kTile; j++) {
            for (size_t i = 0; i < kTile; i++) y[(cb + j) * rows + rb + i] = tile[j][i];
          }
        } else {
          for (size_t i = 0; i < h; i++) {
            for (size_t j = 0; j < w; j++) y[(cb + j) * rows + rb + i] = x[(rb + i) * cols + cb + j];
          }
        }
      }
    }
  }
}

/** transpose(x, out, shape, perm): out = x with axes permuted, out's axis i being x's axis perm[i]. */
Napi::Value Transpose(const Napi::CallbackInfo& info) {
  Args args(info, "transpose");
  Napi::Env env = args.Env();
  const Span<float> x = args.Floats("x"), out = args.Floats("out");
  const Span<int32_t> shape = args.Ints("shape"), perm = args.Ints("perm");
  const size_t rank = shape.size;
  args.Check(rank >= 1 && perm.size == rank, "shape and perm differ in rank");
  std::vector<bool> seen(rank, false);
  size_t n = 1;
  for (size_t d = 0; d < rank; d++) {
    args.Check(shape.data[d] >= 0, "negative dimension");
    args.Check(perm.data[d] >= 0 && static_cast<size_t>(perm.data[d]) < rank && !seen[perm.data[d]], "perm is not a permutation");
    seen[perm.data[d]] = true;
    n *= static_cast<size_t>(shape.data[d]);
  }
  args.Check(x.size == n && out.size == n, "sizes do not match the shape");
  if (n == 0) return env.Undefined();

  std::vector<size_t> in_stride(rank), out_shape(rank), stride(rank);
  in_stride[rank - 1] = 1;
  for (size_t d = rank - 1; d-- > 0;) in_stride[d] = in_stride[d + 1] * shape.data[d + 1];
  for (size_t d = 0; d < rank; d++) {
    out_shape[d] = shape.data[perm.data[d]];
    stride[d] = in_stride[perm.data[d]];  // input step for a step along output axis d
  }
  const float* src = x.data;
  float* dst = out.data;

  bool swap_last_two = rank >= 2 && static_cast<size_t>(perm.data[rank - 1]) == rank - 2 &&
                       static_cast<size_t>(perm.data[rank - 2]) == rank - 1;
  for (size_t d = 0; d + 2 < rank && swap_last_two; d++) swap_last_two = static_cast<size_t>(perm.data[d]) == d;
  if (swap_last_two) {
    const size_t rows = shape.data[rank - 2], cols = shape.data[rank - 1], mat = rows * cols, batch = n / mat;
    if (batch == 1) {
      // Threads take whole panels of columns.
      const size_t panels = (cols + kPanel - 1) / kPanel;
      ParallelFor(panels, std::max<size_t>(1, kParallelGrain / (kPanel * std::max<size_t>(rows, 1))), [&](size_t b, size_t e) {
        Transpose2D(src, dst, rows, cols, b * kPanel, std::min(cols, e * kPanel));
      });
    } else {
      ParallelFor(batch, std::max<size_t>(1, kParallelGrain / mat), [&](size_t b, size_t e) {
        for (size_t i = b; i < e; i++) Transpose2D(src + i * mat, dst + i * mat, rows, cols, 0, cols);
      });
    }
    return env.Undefined();
  }

  // Output rows along the last output axis; each chunk of rows restarts the odometer from its first row.
  const size_t inner = out_shape[rank - 1];
  const size_t rows = n / inner;
  const size_t step = stride[rank - 1];
  ParallelFor(rows, std::max<size_t>(1, kParallelGrain / inner), [&](size_t b, size_t e) {
    std::vector<size_t> idx(rank, 0);
    size_t off = 0;
    for (size_t d = rank - 1, r = b; d-- > 0;) {
      idx[d] = r % out_shape[d];
      r /= out_shape[d];
      off += idx[d] * stride[d];
    }
    for (size_t r = b; r < e; r++) {
      float* o = dst + r * inner;
      if (step == 1) {
        std::memcpy(o, src + off, inner * sizeof(float));
      } else {
        for (size_t i = 0; i < inner; i++) o[i] = src[off + i * step];
      }
      for (size_t d = rank - 1; d-- > 0;) {
        off += stride[d];
        if (++idx[d] < out_shape[d]) break;
        off -= stride[d] * out_shape[d];
        idx[d] = 0;
      }
    }
  });
  return env.Undefined();
}

}  // namespace

void InitTranspose(Napi::Env env, Napi::Object exports) {
  exports.Set("transpose", Napi::Function::New(env, Transpose, "transpose"));
}

}  // namespace dft
