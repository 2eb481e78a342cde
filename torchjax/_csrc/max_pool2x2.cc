// 2x2 max pooling with stride 2 (no padding) over the last two dimensions, float32, for XLA's CPU backend. The
// forward returns the maximum of each window and its offset in the window (0..3, row-major: the first maximum,
// NaN counting as the maximum, as torch's kernels); `scatter` writes a gradient back to those offsets and `gather`
// reads a tangent at them. XLA builds the offsets and the gradient from reshaped windows with transposes, several
// times slower on the CPU. Eight windows at a time: the even and odd columns of a row pair are split by shuffles.
#include <algorithm>
#include <cstdint>

#include "parallel.h"
#include "vec8.h"
#include "xla/ffi/api/ffi.h"

namespace ffi = xla::ffi;

namespace {

using torchjax::i8v;
using torchjax::load8;
using torchjax::store8;
using torchjax::v8;

struct Planes {
  int64_t P, H, W, Ho, Wo;
};

Planes planes(ffi::Span<const int64_t> full, ffi::Span<const int64_t> pooled) {
  int64_t p = 1;
  for (size_t i = 0; i + 2 < full.size(); ++i) p *= full[i];
  const size_t n = full.size();
  return Planes{p, full[n - 2], full[n - 1], pooled[n - 2], pooled[n - 1]};
}

typedef uint8_t u8x8 __attribute__((vector_size(8)));

// The four values of eight windows whose top-left corners are r0[0], r0[2], ..., r0[14] (r1 = the row below): the
// even and odd columns of 16, split by shuffles.
inline void eight_windows(const float* r0, const float* r1, v8 c[4]) {
  const i8v even = {0, 2, 4, 6, 8, 10, 12, 14}, odd = {1, 3, 5, 7, 9, 11, 13, 15};
  const v8 a0 = load8(r0), a1 = load8(r0 + 8), b0 = load8(r1), b1 = load8(r1 + 8);
  c[0] = __builtin_shuffle(a0, a1, even);
  c[1] = __builtin_shuffle(a0, a1, odd);
  c[2] = __builtin_shuffle(b0, b1, even);
  c[3] = __builtin_shuffle(b0, b1, odd);
}

// The maxima y8[0:8] and their offsets i8[0:8] of eight windows (top-left corners r0[0], r0[2], ..., r0[14]).
inline void forward_block(const float* r0, const float* r1, float* y8, uint8_t* i8) {
  v8 c[4];
  eight_windows(r0, r1, c);
  v8 best = c[0];
  i8v at = {};
  for (int t = 1; t < 4; ++t) {  // as torch's kernels: a greater value or any NaN takes over
    const i8v take = (c[t] > best) | (c[t] != c[t]);
    best = take ? c[t] : best;
    at = take ? i8v{} + t : at;
  }
  store8(y8, best);
  const u8x8 at_bytes = __builtin_convertvector(at, u8x8);
  __builtin_memcpy(i8, &at_bytes, sizeof at_bytes);
}

// Rows d0[0:16], d1[0:16] of eight windows: g8[w] at offset i8[w] of window w, zeros elsewhere.
inline void scatter_block(const float* g8, const uint8_t* i8, float* d0, float* d1) {
  const i8v lo = {0, 8, 1, 9, 2, 10, 3, 11}, hi = {4, 12, 5, 13, 6, 14, 7, 15};
  u8x8 at_bytes;
  __builtin_memcpy(&at_bytes, i8, sizeof at_bytes);
  const i8v at = __builtin_convertvector(at_bytes, i8v);
  const v8 gv = load8(g8), zero = {};
  v8 c[4];
  for (int t = 0; t < 4; ++t) c[t] = at == t ? gv : zero;
  store8(d0, __builtin_shuffle(c[0], c[1], lo));
  store8(d0 + 8, __builtin_shuffle(c[0], c[1], hi));
  store8(d1, __builtin_shuffle(c[2], c[3], lo));
  store8(d1 + 8, __builtin_shuffle(c[2], c[3], hi));
}

// Runs fn(ox) on the blocks of eight windows of an output row of Wo >= 8 windows. The last block is moved back
// to end at Wo and overlaps the one before, where it writes the same values again.
template <typename F>
inline void blocks_of_eight(int64_t Wo, F fn) {
  for (int64_t ox = 0; ox < Wo; ox += 8) fn(std::min(ox, Wo - 8));
}

template <typename F>
void over_rows(ffi::ThreadPool& pool, const Planes& g, F fn) {
  const int64_t rows = g.P * g.Ho;
  // Memory-bound: a second thread pays off from about 256k elements (LeNet's first pool at batch 64: 300k).
  const int64_t parts = g.P * g.H * g.W >= (1 << 18) ? std::min<int64_t>(pool.num_threads(), rows) : 1;
  torchjax::parallel_chunks(pool, rows, parts, [&](int64_t, int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) fn(r / g.Ho, r % g.Ho);
  });
}

}  // namespace

ffi::Error MaxPool2x2Forward(ffi::ThreadPool pool, ffi::Buffer<ffi::F32> x, ffi::ResultBuffer<ffi::F32> y,
                             ffi::ResultBuffer<ffi::U8> idx) {
  const Planes g = planes(x.dimensions(), y->dimensions());
  const float* xp = x.typed_data();
  float* yp = y->typed_data();
  uint8_t* ip = idx->typed_data();
  over_rows(pool, g, [&](int64_t p, int64_t oy) {
    const float* r0 = xp + (p * g.H + 2 * oy) * g.W;
    const float* r1 = r0 + g.W;
    float* yr = yp + (p * g.Ho + oy) * g.Wo;
    uint8_t* ir = ip + (p * g.Ho + oy) * g.Wo;
    if (g.Wo >= 8) {
      blocks_of_eight(g.Wo, [&](int64_t ox) { forward_block(r0 + 2 * ox, r1 + 2 * ox, yr + ox, ir + ox); });
      return;
    }
    float t0[16] = {}, t1[16] = {}, y8[8];
    uint8_t i8[8];
    std::copy_n(r0, g.W, t0);
    std::copy_n(r1, g.W, t1);
    forward_block(t0, t1, y8, i8);
    std::copy_n(y8, g.Wo, yr);
    std::copy_n(i8, g.Wo, ir);
  });
  return ffi::Error::Success();
}

// dx (H = 2 Ho, W = 2 Wo) = 0 except dx[p, 2*oy + idx/2, 2*ox + idx%2] = gy[p, oy, ox]
ffi::Error MaxPool2x2Scatter(ffi::ThreadPool pool, ffi::Buffer<ffi::F32> gy, ffi::Buffer<ffi::U8> idx,
                             ffi::ResultBuffer<ffi::F32> dx) {
  const Planes g = planes(dx->dimensions(), gy.dimensions());
  const float* gp = gy.typed_data();
  const uint8_t* ip = idx.typed_data();
  float* dp = dx->typed_data();
  over_rows(pool, g, [&](int64_t p, int64_t oy) {
    float* d0 = dp + (p * g.H + 2 * oy) * g.W;
    float* d1 = d0 + g.W;
    const float* gr = gp + (p * g.Ho + oy) * g.Wo;
    const uint8_t* ir = ip + (p * g.Ho + oy) * g.Wo;
    if (g.Wo >= 8) {
      blocks_of_eight(g.Wo, [&](int64_t ox) { scatter_block(gr + ox, ir + ox, d0 + 2 * ox, d1 + 2 * ox); });
      return;
    }
    float g8[8] = {}, t0[16], t1[16];
    uint8_t i8[8] = {};
    std::copy_n(gr, g.Wo, g8);
    std::copy_n(ir, g.Wo, i8);
    scatter_block(g8, i8, t0, t1);
    std::copy_n(t0, g.W, d0);
    std::copy_n(t1, g.W, d1);
  });
  return ffi::Error::Success();
}

// out[p, oy, ox] = t[p, 2*oy + idx/2, 2*ox + idx%2]
ffi::Error MaxPool2x2Gather(ffi::ThreadPool pool, ffi::Buffer<ffi::F32> t, ffi::Buffer<ffi::U8> idx,
                            ffi::ResultBuffer<ffi::F32> out) {
  const Planes g = planes(t.dimensions(), out->dimensions());
  const float* tp = t.typed_data();
  const uint8_t* ip = idx.typed_data();
  float* op = out->typed_data();
  over_rows(pool, g, [&](int64_t p, int64_t oy) {
    for (int64_t ox = 0, o = (p * g.Ho + oy) * g.Wo; ox < g.Wo; ++ox, ++o)
      op[o] = tp[(p * g.H + 2 * oy + ip[o] / 2) * g.W + 2 * ox + ip[o] % 2];
  });
  return ffi::Error::Success();
}

XLA_FFI_DEFINE_HANDLER_SYMBOL(torchjax_max_pool2x2_forward, MaxPool2x2Forward,
                              ffi::Ffi::Bind()
                                  .Ctx<ffi::ThreadPool>()
                                  .Arg<ffi::Buffer<ffi::F32>>()
                                  .Ret<ffi::Buffer<ffi::F32>>()
                                  .Ret<ffi::Buffer<ffi::U8>>());

// (f32 values, u8 offsets) -> f32
#define TORCHJAX_MAX_POOL2X2_OFFSETS_HANDLER(name, fn)        \
  XLA_FFI_DEFINE_HANDLER_SYMBOL(name, fn,                     \
                                ffi::Ffi::Bind()              \
                                    .Ctx<ffi::ThreadPool>()   \
                                    .Arg<ffi::Buffer<ffi::F32>>() \
                                    .Arg<ffi::Buffer<ffi::U8>>()  \
                                    .Ret<ffi::Buffer<ffi::F32>>());

TORCHJAX_MAX_POOL2X2_OFFSETS_HANDLER(torchjax_max_pool2x2_scatter, MaxPool2x2Scatter)
TORCHJAX_MAX_POOL2X2_OFFSETS_HANDLER(torchjax_max_pool2x2_gather, MaxPool2x2Gather)
