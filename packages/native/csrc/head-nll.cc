// Chunked LM-head NLL: nll[r] = −log softmax(softcap(x[r] · W))[target[r]] for a vocabulary too large for a
// [rows, vocab] logits array. Each chunk of `chunkRows` rows is one sgemm into a scratch buffer reused across chunks
// (plain memory, never a tfjs tensor), soft-capped in place, then reduced per row. The backward recomputes each
// chunk's logits, turns them into dz in place and runs two sgemms per chunk: dx rows written straight into the
// output, dW accumulated into the one output array (beta = 1 after the first chunk), so no partial sums exist.
#include <cblas.h>

#include <algorithm>
#include <climits>
#include <cmath>
#include <memory>
#include <new>
#include <string>

#include "args.h"
#include "kernels.h"
#include "parallel.h"
#include "row-nll.h"

namespace dft {

namespace {

/** The operands both kernels read, checked once. W is [hidden, vocab], or [vocab, hidden] when transposed. */
struct Head {
  const float* x;
  const float* w;
  const int32_t* targets;
  size_t rows, hidden, vocab, chunk_rows;
  bool transposed;
  float softcap;  // 0 = none

  size_t ChunkCapacity() const { return std::min(chunk_rows, rows); }
  /** Rows per ParallelFor task over a chunk: enough to amortise a hand-off on small vocabularies. */
  size_t RowGrain() const { return std::max<size_t>(1, kParallelGrain / vocab); }
};

/** Reads the trailing (rows, hidden, vocab, transposed, softcap, chunkRows) and checks them against the operands. */
Head ReadHead(Args& args, Span<float> x, Span<float> w, Span<int32_t> targets, const char* fn) {
  Head h;
  h.x = x.data;
  h.w = w.data;
  h.targets = targets.data;
  h.rows = args.Size("rows");
  h.hidden = args.Size("hidden");
  h.vocab = args.Size("vocab");
  h.transposed = args.Bool("transposed");
  const double cap = args.Number("softcap");
  h.chunk_rows = args.Size("chunkRows");
  args.Check(h.rows > 0 && h.hidden > 0 && h.vocab > 0, "rows, hidden and vocab must be positive");
  // sgemm takes int dimensions and leading dimensions.
  args.Check(h.rows <= INT_MAX && h.hidden <= INT_MAX && h.vocab <= INT_MAX, "rows, hidden and vocab must fit in 32 bits");
  args.Check(x.size == h.rows * h.hidden, "x must hold rows·hidden values");
  args.Check(w.size == h.hidden * h.vocab, "weight must hold hidden·vocab values");
  args.Check(targets.size == h.rows, "targets must hold rows values");
  args.Check(std::isfinite(cap) && cap >= 0, "softcap must be a finite number ≥ 0 (0 = none)");
  args.Check(h.chunk_rows > 0, "chunkRows must be positive");
  h.softcap = static_cast<float>(cap);
  CheckTargets(args.Env(), fn, h.targets, h.rows, h.vocab);
  return h;
}

/** The [ChunkCapacity(), vocab] logits scratch, uninitialised (every chunk overwrites what it reads). */
std::unique_ptr<float[]> Scratch(const Napi::Env& env, const Head& h, const char* fn) {
  const size_t n = h.ChunkCapacity() * h.vocab;
  float* p = new (std::nothrow) float[n];
  if (!p) {
    throw Napi::Error::New(env, std::string(fn) + ": cannot allocate the logits scratch of " + std::to_string(h.ChunkCapacity()) +
                                    " × " + std::to_string(h.vocab) + " floats (lower chunkRows)");
  }
  return std::unique_ptr<float[]>(p);
}

/** z[n, vocab] = x[r0 .. r0 + n] · W (not yet soft-capped). */
void ChunkLogits(const Head& h, size_t r0, size_t n, float* z) {
  cblas_sgemm(CblasRowMajor, CblasNoTrans, h.transposed ? CblasTrans : CblasNoTrans, static_cast<int>(n), static_cast<int>(h.vocab),
              static_cast<int>(h.hidden), 1.0f, h.x + r0 * h.hidden, static_cast<int>(h.hidden), h.w,
              static_cast<int>(h.transposed ? h.hidden : h.vocab), 0.0f, z, static_cast<int>(h.vocab));
}

/** cap·tanh(u / cap) over one row, in place. */
void SoftCapRow(float* z, size_t n, float cap) {
  const float inv = 1.0f / cap;
  for (size_t i = 0; i < n; i++) z[i] = cap * std::tanh(z[i] * inv);
}

/** One chunk's logits, soft-capped, handed row by row to `fn(r, row)` (r: the row of x), rows in parallel. */
template <typename Fn>
void ForEachLogitRow(const Head& h, size_t r0, size_t n, float* z, Fn fn) {
  ChunkLogits(h, r0, n, z);
  ParallelFor(n, h.RowGrain(), [&](size_t b, size_t e) {
    for (size_t i = b; i < e; i++) {
      float* row = z + i * h.vocab;
      if (h.softcap > 0) SoftCapRow(row, h.vocab, h.softcap);
      fn(r0 + i, row);
    }
  });
}

/** headNll(x, weight, targets, nll, rows, hidden, vocab, transposed, softcap, chunkRows) */
Napi::Value HeadNll(const Napi::CallbackInfo& info) {
  Args args(info, "headNll");
  const Span<float> x = args.Floats("x"), w = args.Floats("weight");
  const Span<int32_t> targets = args.Ints("targets");
  const Span<float> nll = args.Floats("nll");
  const Head h = ReadHead(args, x, w, targets, "headNll");
  args.Check(nll.size == h.rows, "nll must hold rows values");
  const std::unique_ptr<float[]> z = Scratch(args.Env(), h, "headNll");
  for (size_t r0 = 0; r0 < h.rows; r0 += h.chunk_rows) {
    const size_t n = std::min(h.chunk_rows, h.rows - r0);
    ForEachLogitRow(h, r0, n, z.get(), [&](size_t r, const float* row) { nll.data[r] = RowLogSumExp(row, h.vocab) - row[h.targets[r]]; });
  }
  return args.Env().Undefined();
}

/** headNllGrad(x, weight, targets, dy, dx, dWeight, rows, hidden, vocab, transposed, softcap, chunkRows) */
Napi::Value HeadNllGrad(const Napi::CallbackInfo& info) {
  Args args(info, "headNllGrad");
  const Span<float> x = args.Floats("x"), w = args.Floats("weight");
  const Span<int32_t> targets = args.Ints("targets");
  const Span<float> dy = args.Floats("dy"), dx = args.Floats("dx"), dw = args.Floats("dWeight");
  const Head h = ReadHead(args, x, w, targets, "headNllGrad");
  args.Check(dy.size == h.rows, "dy must hold rows values");
  args.Check(dx.size == h.rows * h.hidden, "dx must hold rows·hidden values");
  args.Check(dw.size == h.hidden * h.vocab, "dWeight must hold hidden·vocab values");
  const std::unique_ptr<float[]> z = Scratch(args.Env(), h, "headNllGrad");
  const int hidden = static_cast<int>(h.hidden), vocab = static_cast<int>(h.vocab);
  const float cap = h.softcap;
  for (size_t r0 = 0; r0 < h.rows; r0 += h.chunk_rows) {
    const size_t n = std::min(h.chunk_rows, h.rows - r0);
    // z → dz in place: (softmax − onehot)·dy, times d(cap·tanh(u/cap))/du = 1 − (z/cap)² with a soft-cap.
    ForEachLogitRow(h, r0, n, z.get(), [&](size_t r, float* row) {
      const float d = dy.data[r];
      const float lse = RowLogSumExp(row, h.vocab);
      if (cap > 0) {
        const float inv = 1.0f / cap;
        RowNllGrad(row, row, h.vocab, lse, h.targets[r], d, d, [inv](float v) { return 1.0f - (v * inv) * (v * inv); });
      } else {
        RowNllGrad(row, row, h.vocab, lse, h.targets[r], d, d, [](float) { return 1.0f; });
      }
    });
    const int rows = static_cast<int>(n);
    const float* xc = h.x + r0 * h.hidden;
    float* dxc = dx.data + r0 * h.hidden;
    const float beta = r0 == 0 ? 0.0f : 1.0f;  // the first chunk initialises dW (uninitialised memory), later ones add
    if (h.transposed) {
      // W [vocab, hidden]: dx = dz · W, dW += dzᵀ · x.
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, rows, hidden, vocab, 1.0f, z.get(), vocab, h.w, hidden, 0.0f, dxc, hidden);
      cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, vocab, hidden, rows, 1.0f, z.get(), vocab, xc, hidden, beta, dw.data, hidden);
    } else {
      // W [hidden, vocab]: dx = dz · Wᵀ, dW += xᵀ · dz.
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, rows, hidden, vocab, 1.0f, z.get(), vocab, h.w, vocab, 0.0f, dxc, hidden);
      cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, hidden, vocab, rows, 1.0f, xc, hidden, z.get(), vocab, beta, dw.data, vocab);
    }
  }
  return args.Env().Undefined();
}

}  // namespace

void InitHeadNll(Napi::Env env, Napi::Object exports) {
  exports.Set("headNll", Napi::Function::New(env, HeadNll, "headNll"));
  exports.Set("headNllGrad", Napi::Function::New(env, HeadNllGrad, "headNllGrad"));
}

}  // namespace dft
