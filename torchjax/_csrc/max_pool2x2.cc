// 2x2 max pooling with stride 2 (no padding) over the last two dimensions, float32, for XLA's CPU backend. The
// forward returns the maximum of each window and its offset in the window (0..3, row-major: the first maximum,
// NaN counting as the maximum, as torch's kernels); `scatter` writes a gradient back to those offsets and `gather`
// reads a tangent at them. XLA builds the offsets and the gradient from reshaped windows with transposes, several
// times slower on the CPU. Eight windows at a time: the even and odd columns of a row pair are split by shuffles.
#include <algorithm>
#include <cstdint>

#include "parallel.h"
#include "xla/ffi/api/ffi.h"

namespace ffi = xla::ffi;

namespace {

typedef float v8 __attribute__((vector_size(32)));
typedef int32_t i8v __attribute__((vector_size(32)));

inline v8 load8(const float* p) {
  v8 v;
  __builtin_memcpy(&v, p, sizeof v);
  return v;
}
inline void store8(float* p, v8 v) { __builtin_memcpy(p, &v, sizeof v); }

struct Planes {
  int64_t P, H, W, Ho, Wo;
};

Planes planes(ffi::Span<const int64_t> full, ffi::Span<const int64_t> pooled) {
  int64_t p = 1;
  for (size_t i = 0; i + 2 < full.size(); ++i) p *= full[i];
  const size_t n = full.size();
  return Planes{p, full[n - 2], full[n - 1], pooled[n - 2], pooled[n - 1]};
}

// Eight windows from 16 columns of rows r0, r1 (n <= 8 of them valid: the rest read from a zeroed copy).
template <typename F>
inline void eight_windows(const float* r0, const float* r1, int64_t n, F fn) {
  float t0[16] = {}, t1[16] = {};
  if (n < 8) {
    std::copy_n(r0, 2 * n, t0);
    std::copy_n(r1, 2 * n, t1);
    r0 = t0;
    r1 = t1;
  }
  const i8v even = {0, 2, 4, 6, 8, 10, 12, 14}, odd = {1, 3, 5, 7, 9, 11, 13, 15};
  const v8 a0 = load8(r0), a1 = load8(r0 + 8), b0 = load8(r1), b1 = load8(r1 + 8);
  fn(__builtin_shuffle(a0, a1, even), __builtin_shuffle(a0, a1, odd), __builtin_shuffle(b0, b1, even),
     __builtin_shuffle(b0, b1, odd));
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
    const int64_t o = (p * g.Ho + oy) * g.Wo;
    for (int64_t ox = 0; ox < g.Wo; ox += 8) {
      const int64_t n = std::min<int64_t>(8, g.Wo - ox);
      eight_windows(r0 + 2 * ox, r0 + g.W + 2 * ox, n, [&](v8 c0, v8 c1, v8 c2, v8 c3) {
        const v8 c[4] = {c0, c1, c2, c3};
        v8 best = c0;
        i8v at = {};
        for (int t = 1; t < 4; ++t) {  // as torch's kernels: a greater value or any NaN takes over
          const i8v take = (c[t] > best) | (c[t] != c[t]);
          best = take ? c[t] : best;
          at = take ? i8v{} + t : at;
        }
        float out[8];
        store8(out, best);
        for (int64_t l = 0; l < n; ++l) {
          yp[o + ox + l] = out[l];
          ip[o + ox + l] = static_cast<uint8_t>(at[l]);
        }
      });
    }
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
  const i8v lo = {0, 8, 1, 9, 2, 10, 3, 11}, hi = {4, 12, 5, 13, 6, 14, 7, 15};
  over_rows(pool, g, [&](int64_t p, int64_t oy) {
    float* d0 = dp + (p * g.H + 2 * oy) * g.W;
    float* d1 = d0 + g.W;
    const int64_t o = (p * g.Ho + oy) * g.Wo;
    for (int64_t ox = 0; ox < g.Wo; ox += 8) {
      const int64_t n = std::min<int64_t>(8, g.Wo - ox);
      float gv[8] = {};
      i8v at = {};
      for (int64_t l = 0; l < n; ++l) {
        gv[l] = gp[o + ox + l];
        at[l] = ip[o + ox + l];
      }
      const v8 gvec = load8(gv), zero = {};
      v8 c[4];
      for (int t = 0; t < 4; ++t) c[t] = at == t ? gvec : zero;
      float top[16], bottom[16];
      store8(top, __builtin_shuffle(c[0], c[1], lo));
      store8(top + 8, __builtin_shuffle(c[0], c[1], hi));
      store8(bottom, __builtin_shuffle(c[2], c[3], lo));
      store8(bottom + 8, __builtin_shuffle(c[2], c[3], hi));
      std::copy_n(top, 2 * n, d0 + 2 * ox);
      std::copy_n(bottom, 2 * n, d1 + 2 * ox);
    }
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
