// Direct 2-D convolution (NCHW, float32, groups=1) for XLA's CPU backend: three FFI handlers, the forward, the
// input gradient and the weight gradient. Each image is lowered to its own patches matrix, small enough to stay
// in cache, and multiplied there by a register-blocked kernel; stride-1 convolutions read their patches straight
// from a padded copy of the image instead (WideImage). This is what beats XLA's convolution and a whole-batch
// im2col + GEMM for convolutions with few channels (LeNet's 3->6 and 6->16, 5x5), where the whole batch's patches
// matrix does not fit in cache. Images are split over XLA's intra-op thread pool.
#include <algorithm>
#include <cstdint>
#include <memory>
#include <vector>

#include "parallel.h"
#include "vec8.h"
#include "xla/ffi/api/ffi.h"

namespace ffi = xla::ffi;

namespace {

using torchjax::load8;
using torchjax::parallel_chunks;
using torchjax::store8;
using torchjax::v8;

struct Geometry {
  int64_t B, C, H, W, O, KH, KW, Ho, Wo, sh, sw, ph, pw, dh, dw;
  int64_t K() const { return C * KH * KW; }
  int64_t N() const { return Ho * Wo; }
};

// Output positions [lo, hi) along one axis whose input index pos*s + off lies in [0, n).
inline void valid_range(int64_t n, int64_t out, int64_t s, int64_t off, int64_t* lo, int64_t* hi) {
  int64_t a = off >= 0 ? 0 : (-off + s - 1) / s;
  int64_t b = n - 1 - off < 0 ? 0 : (n - 1 - off) / s + 1;
  *lo = std::min(a, out);
  *hi = std::max(*lo, std::min(b, out));
}

// Calls fn(k, iy_of_row, x_lo, x_hi, xoff) per patch row k = (c, i, j) and output row oy, for the valid columns.
template <typename F>
inline void for_each_tap_row(const Geometry& g, F fn) {
  for (int64_t c = 0; c < g.C; ++c)
    for (int64_t i = 0; i < g.KH; ++i) {
      int64_t y_lo, y_hi;
      valid_range(g.H, g.Ho, g.sh, i * g.dh - g.ph, &y_lo, &y_hi);
      for (int64_t j = 0; j < g.KW; ++j) {
        const int64_t xoff = j * g.dw - g.pw;
        int64_t x_lo, x_hi;
        valid_range(g.W, g.Wo, g.sw, xoff, &x_lo, &x_hi);
        fn((c * g.KH + i) * g.KW + j, c, i, y_lo, y_hi, x_lo, x_hi, xoff);
      }
    }
}

// patches[k * ldk + n] = x[c, oy*sh + i*dh - ph, ox*sw + j*dw - pw] (0 outside), n = oy*Wo + ox.
void build_patches(const Geometry& g, const float* x, float* patches, int64_t ldk) {
  for_each_tap_row(g, [&](int64_t k, int64_t c, int64_t i, int64_t y_lo, int64_t y_hi, int64_t x_lo, int64_t x_hi,
                          int64_t xoff) {
    float* row = patches + k * ldk;
    const float* xp = x + c * g.H * g.W;
    for (int64_t oy = 0; oy < g.Ho; ++oy) {
      float* out = row + oy * g.Wo;
      if (oy < y_lo || oy >= y_hi) {
        for (int64_t ox = 0; ox < g.Wo; ++ox) out[ox] = 0.0f;
        continue;
      }
      const float* xr = xp + (oy * g.sh + i * g.dh - g.ph) * g.W + xoff;
      for (int64_t ox = 0; ox < x_lo; ++ox) out[ox] = 0.0f;
      for (int64_t ox = x_lo; ox < x_hi; ++ox) out[ox] = xr[ox * g.sw];
      for (int64_t ox = x_hi; ox < g.Wo; ++ox) out[ox] = 0.0f;
    }
  });
}

// dx[c, iy, ix] += patches_grad[k, n]: the transpose of build_patches (ldk = N).
void scatter_patches(const Geometry& g, const float* dpatches, float* dx) {
  for_each_tap_row(g, [&](int64_t k, int64_t c, int64_t i, int64_t y_lo, int64_t y_hi, int64_t x_lo, int64_t x_hi,
                          int64_t xoff) {
    const float* row = dpatches + k * g.N();
    float* dp = dx + c * g.H * g.W;
    for (int64_t oy = y_lo; oy < y_hi; ++oy) {
      float* dr = dp + (oy * g.sh + i * g.dh - g.ph) * g.W + xoff;
      const float* src = row + oy * g.Wo;
      if (g.sw == 1)
        for (int64_t ox = x_lo; ox < x_hi; ++ox) dr[ox] += src[ox];
      else
        for (int64_t ox = x_lo; ox < x_hi; ++ox) dr[ox * g.sw] += src[ox];
    }
  });
}

constexpr int NR = 16;
inline int64_t padded(int64_t n) { return (n + NR - 1) / NR * NR; }

// c[m, 0:nv] (+)= sum over k of a[arow[m] + k*ak] * b[brow[k] + 0:nv], for m < MR: MR x 16 accumulators in
// registers. All 16 columns of b are read (see small_gemm).
template <int MR>
inline void micro_kernel(int64_t K, const float* a, const int64_t* arow, int64_t ak, const float* b,
                         const int64_t* brow, float* c, int64_t ldc, int nv, bool accumulate) {
  v8 acc[MR][2] = {};
  const float* am[MR];
  for (int m = 0; m < MR; ++m) am[m] = a + arow[m];
  for (int64_t k = 0; k < K; ++k) {
    const float* bk = b + brow[k];
    const v8 b0 = load8(bk), b1 = load8(bk + 8);
    for (int m = 0; m < MR; ++m) {
      const float s = am[m][k * ak];
      const v8 bs = {s, s, s, s, s, s, s, s};  // (not v8{} + s: adding 0.0 is not free, -0.0 + 0.0 is +0.0)
      acc[m][0] += bs * b0;
      acc[m][1] += bs * b1;
    }
  }
  for (int m = 0; m < MR; ++m) {
    float* cm = c + m * ldc;
    if (nv == NR) {
      store8(cm, accumulate ? load8(cm) + acc[m][0] : acc[m][0]);
      store8(cm + 8, accumulate ? load8(cm + 8) + acc[m][1] : acc[m][1]);
    } else {
      float out[NR];
      store8(out, acc[m][0]);
      store8(out + 8, acc[m][1]);
      for (int l = 0; l < nv; ++l) cm[l] = accumulate ? cm[l] + out[l] : out[l];
    }
  }
}

// C (M x N, row stride ldc) (+)= A (M x K; element (m, k) at a[arow[m] + k*ak]) * B (K x N; row k at b + brow[k]).
// B's rows must be readable up to N rounded up to 16 columns (padded(N)): the kernel loads whole blocks.
void small_gemm(int64_t M, int64_t N, int64_t K, const float* a, const int64_t* arow, int64_t ak, const float* b,
                const int64_t* brow, float* c, int64_t ldc, bool accumulate = false) {
  for (int64_t n0 = 0; n0 < N; n0 += NR) {
    const int nv = static_cast<int>(std::min<int64_t>(NR, N - n0));
    int64_t m0 = 0;
    for (; m0 + 6 <= M; m0 += 6)
      micro_kernel<6>(K, a, arow + m0, ak, b + n0, brow, c + m0 * ldc + n0, ldc, nv, accumulate);
    const int64_t* ar = arow + m0;
    float* cm = c + m0 * ldc + n0;
    switch (M - m0) {
      case 5: micro_kernel<5>(K, a, ar, ak, b + n0, brow, cm, ldc, nv, accumulate); break;
      case 4: micro_kernel<4>(K, a, ar, ak, b + n0, brow, cm, ldc, nv, accumulate); break;
      case 3: micro_kernel<3>(K, a, ar, ak, b + n0, brow, cm, ldc, nv, accumulate); break;
      case 2: micro_kernel<2>(K, a, ar, ak, b + n0, brow, cm, ldc, nv, accumulate); break;
      case 1: micro_kernel<1>(K, a, ar, ak, b + n0, brow, cm, ldc, nv, accumulate); break;
      default: break;
    }
  }
}

// c[m, n] += sum over k < K of a[m*lda + k] * b[brow[n] + k], for m < MA, n < MB: dot products of contiguous rows,
// MA x MB vector accumulators.
template <int MA, int MB>
inline void dot_kernel(int64_t K, const float* a, int64_t lda, const float* b, const int64_t* brow, float* c,
                       int64_t ldc) {
  v8 acc[MA][MB] = {};
  int64_t k = 0;
  for (; k + 8 <= K; k += 8) {
    v8 bv[MB];
    for (int n = 0; n < MB; ++n) bv[n] = load8(b + brow[n] + k);
    for (int m = 0; m < MA; ++m) {
      const v8 av = load8(a + m * lda + k);
      for (int n = 0; n < MB; ++n) acc[m][n] += av * bv[n];
    }
  }
  for (int m = 0; m < MA; ++m)
    for (int n = 0; n < MB; ++n) {
      float s = 0.0f;
      for (int l = 0; l < 8; ++l) s += acc[m][n][l];
      for (int64_t r = k; r < K; ++r) s += a[m * lda + r] * b[brow[n] + r];
      c[m * ldc + n] += s;
    }
}

template <int MA>
inline void dot_row_block(int64_t MB, int64_t K, const float* a, int64_t lda, const float* b, const int64_t* brow,
                          float* c, int64_t ldc) {
  int64_t n0 = 0;
  for (; n0 + 3 <= MB; n0 += 3) dot_kernel<MA, 3>(K, a, lda, b, brow + n0, c + n0, ldc);
  if (MB - n0 == 2) dot_kernel<MA, 2>(K, a, lda, b, brow + n0, c + n0, ldc);
  if (MB - n0 == 1) dot_kernel<MA, 1>(K, a, lda, b, brow + n0, c + n0, ldc);
}

// C (M x N) += A (M x K) * B (N x K)^T; rows of A contiguous, row n of B at b + brow[n].
void small_gemm_nt(int64_t M, int64_t N, int64_t K, const float* a, int64_t lda, const float* b, const int64_t* brow,
                   float* c, int64_t ldc) {
  int64_t m0 = 0;
  for (; m0 + 4 <= M; m0 += 4) dot_row_block<4>(N, K, a + m0 * lda, lda, b, brow, c + m0 * ldc, ldc);
  switch (M - m0) {
    case 3: dot_row_block<3>(N, K, a + m0 * lda, lda, b, brow, c + m0 * ldc, ldc); break;
    case 2: dot_row_block<2>(N, K, a + m0 * lda, lda, b, brow, c + m0 * ldc, ldc); break;
    case 1: dot_row_block<1>(N, K, a + m0 * lda, lda, b, brow, c + m0 * ldc, ldc); break;
    default: break;
  }
}

int64_t num_parts(ffi::ThreadPool& pool, const Geometry& g) {
  const int64_t threads = std::max<int64_t>(1, pool.num_threads());
  // A chunk under ~256k multiply-adds costs more to schedule than it saves.
  const int64_t work = g.B * g.O * g.K() * g.N();
  return std::max<int64_t>(1, std::min({threads, g.B, work / (1 << 18)}));
}

Geometry geometry(ffi::Span<const int64_t> x, ffi::Span<const int64_t> w, ffi::Span<const int64_t> y, int64_t sh,
                  int64_t sw, int64_t ph, int64_t pw, int64_t dh, int64_t dw) {
  return Geometry{x[0], x[1], x[2], x[3], w[0], w[2], w[3], y[2], y[3], sh, sw, ph, pw, dh, dw};
}

inline std::vector<int64_t> strided_rows(int64_t n, int64_t stride) {
  std::vector<int64_t> rows(n);
  for (int64_t k = 0; k < n; ++k) rows[k] = k * stride;
  return rows;
}

// A stride-1, undilated convolution needs no patches matrix. Copy the image into a zero-padded (C, Hp, Wp) buffer,
// Hp = Ho+KH-1, Wp = Wo+KW-1, and compute Wp outputs per output row instead of Wo: then patch row (c, i, j) is the
// padded image itself from offset c*Hp*Wp + i*Wp + j on, and each output row's last KW-1 values are dropped. That
// multiplies Wp/Wo times more but writes and reads no patches, which for few channels costs as much as the GEMM.
struct WideImage {
  const Geometry& g;
  int64_t Hp, Wp, n, ld;  // n = Ho*Wp output positions (KW-1 of each row's Wp unwanted), ld = padded(n)
  std::vector<float> xpad;
  std::vector<float> ywide;  // (O, ld): the forward's output, or gy for WideWeightGrad (unwanted columns 0)
  std::vector<int64_t> rows, wrows;

  static bool worth_it(const Geometry& g) {
    return g.sh == 1 && g.sw == 1 && g.dh == 1 && g.dw == 1 && 2 * (g.Wo + g.KW - 1) <= 3 * g.Wo;
  }

  explicit WideImage(const Geometry& geo)
      : g(geo), Hp(g.Ho + g.KH - 1), Wp(g.Wo + g.KW - 1), n(g.Ho * Wp), ld(padded(n)),
        wrows(strided_rows(g.O, g.K())) {
    xpad.assign(g.C * Hp * Wp + Wp + g.KW + NR, 0.0f);  // slack: the last row's blocks read past C*Hp*Wp
    ywide.assign(g.O * ld, 0.0f);
    for (int64_t c = 0; c < g.C; ++c)
      for (int64_t i = 0; i < g.KH; ++i)
        for (int64_t j = 0; j < g.KW; ++j) rows.push_back(c * Hp * Wp + i * Wp + j);
  }

  // Copies image x (C, H, W) into xpad.
  void load(const float* x) {
    const int64_t x_lo = std::max<int64_t>(0, g.pw), x_hi = std::min(Wp, g.W + g.pw);
    for (int64_t c = 0; c < g.C; ++c)
      for (int64_t r = 0; r < Hp; ++r) {
        const int64_t iy = r - g.ph;
        if (iy >= 0 && iy < g.H && x_lo < x_hi)
          std::copy(x + (c * g.H + iy) * g.W + x_lo - g.pw, x + (c * g.H + iy) * g.W + x_hi - g.pw,
                    xpad.data() + (c * Hp + r) * Wp + x_lo);
      }
  }

  bool finite() const {
    v8 zero = {};
    for (int64_t i = 0; i + 8 <= static_cast<int64_t>(xpad.size()); i += 8) zero += load8(xpad.data() + i) * 0.0f;
    for (int l = 0; l < 8; ++l)
      if (zero[l] != 0.0f) return false;
    return true;
  }

  // y (O, Ho, Wo) = w (O, K) * patches of the loaded image
  void forward(const float* w, float* y) {
    small_gemm(g.O, n, g.K(), w, wrows.data(), 1, xpad.data(), rows.data(), ywide.data(), ld);
    for (int64_t o = 0; o < g.O; ++o)
      for (int64_t oy = 0; oy < g.Ho; ++oy)
        std::copy_n(ywide.data() + o * ld + oy * Wp, g.Wo, y + (o * g.Ho + oy) * g.Wo);
  }
};

// Weight gradient over the images of one chunk on the wide layout: dw (O x K) = sum over images of gy (O x n) *
// patches^T (n x K), with a zero gradient at the unwanted positions. That adds nothing as long as the image is
// finite (0 * inf would be NaN), so an image with an inf or NaN goes through its own patches instead. With 16 or
// more output channels the sum is computed transposed, dw^T (K x O) = patches * gy^T, on the register-blocked GEMM
// whose 16 columns are then output channels; with fewer, as blocked dot products of gy's rows with the patch rows.
struct WideWeightGrad {
  WideImage img;
  bool transposed;
  int64_t ldo;                  // padded(O): row stride of gyt and dwt
  std::vector<float> gyt, dwt;  // gy^T (n x ldo), dw^T (K x ldo)
  std::vector<int64_t> gyt_rows;

  explicit WideWeightGrad(const Geometry& g)
      : img(g), transposed(g.O >= NR), ldo(padded(g.O)), gyt_rows(strided_rows(img.n, ldo)) {
    if (transposed) {
      gyt.assign(img.n * ldo, 0.0f);
      dwt.assign(g.K() * ldo, 0.0f);
    }
  }

  // Adds image x's contribution to dw (O x K) or to dwt; false (nothing added) when x is not finite.
  bool add(const float* x, const float* gy, float* dw) {
    img.load(x);
    if (!img.finite()) return false;
    const Geometry& g = img.g;
    if (!transposed) {
      for (int64_t o = 0; o < g.O; ++o)
        for (int64_t oy = 0; oy < g.Ho; ++oy)
          std::copy_n(gy + (o * g.Ho + oy) * g.Wo, g.Wo, img.ywide.data() + o * img.ld + oy * img.Wp);
      small_gemm_nt(g.O, g.K(), img.n, img.ywide.data(), img.ld, img.xpad.data(), img.rows.data(), dw, g.K());
      return true;
    }
    for (int64_t o = 0; o < g.O; ++o)
      for (int64_t oy = 0; oy < g.Ho; ++oy)
        for (int64_t ox = 0; ox < g.Wo; ++ox) gyt[(oy * img.Wp + ox) * ldo + o] = gy[(o * g.Ho + oy) * g.Wo + ox];
    small_gemm(g.K(), g.O, img.n, img.xpad.data(), img.rows.data(), 1, gyt.data(), gyt_rows.data(), dwt.data(), ldo,
               true);
    return true;
  }

  // dw (O x K) += the transposed sum
  void finish(float* dw) {
    if (!transposed) return;
    const Geometry& g = img.g;
    for (int64_t o = 0; o < g.O; ++o)
      for (int64_t k = 0; k < g.K(); ++k) dw[o * g.K() + k] += dwt[k * ldo + o];
  }
};

}  // namespace

// x (B, C, H, W), w (O, C, KH, KW) -> y (B, O, Ho, Wo)
ffi::Error Conv2dForward(ffi::ThreadPool pool, ffi::Buffer<ffi::F32> x, ffi::Buffer<ffi::F32> w,
                         ffi::ResultBuffer<ffi::F32> y, int64_t sh, int64_t sw, int64_t ph, int64_t pw, int64_t dh,
                         int64_t dw) {
  const Geometry g = geometry(x.dimensions(), w.dimensions(), y->dimensions(), sh, sw, ph, pw, dh, dw);
  const float *xp = x.typed_data(), *wp = w.typed_data();
  float* yp = y->typed_data();
  parallel_chunks(pool, g.B, num_parts(pool, g), [&](int64_t, int64_t b0, int64_t b1) {
    if (WideImage::worth_it(g)) {
      WideImage wide(g);
      for (int64_t b = b0; b < b1; ++b) {
        wide.load(xp + b * g.C * g.H * g.W);
        wide.forward(wp, yp + b * g.O * g.N());
      }
      return;
    }
    const int64_t np = padded(g.N());
    std::vector<float> patches(g.K() * np, 0.0f);
    const std::vector<int64_t> rows = strided_rows(g.K(), np), wrows = strided_rows(g.O, g.K());
    for (int64_t b = b0; b < b1; ++b) {
      build_patches(g, xp + b * g.C * g.H * g.W, patches.data(), np);
      small_gemm(g.O, g.N(), g.K(), wp, wrows.data(), 1, patches.data(), rows.data(), yp + b * g.O * g.N(), g.N());
    }
  });
  return ffi::Error::Success();
}

// gy (B, O, Ho, Wo), w (O, C, KH, KW) -> dx (B, C, H, W)
ffi::Error Conv2dInputGrad(ffi::ThreadPool pool, ffi::Buffer<ffi::F32> gy, ffi::Buffer<ffi::F32> w,
                           ffi::ResultBuffer<ffi::F32> dx, int64_t sh, int64_t sw, int64_t ph, int64_t pw,
                           int64_t dh, int64_t dw) {
  const Geometry g = geometry(dx->dimensions(), w.dimensions(), gy.dimensions(), sh, sw, ph, pw, dh, dw);
  const float *gp = gy.typed_data(), *wp = w.typed_data();
  float* dp = dx->typed_data();
  parallel_chunks(pool, g.B, num_parts(pool, g), [&](int64_t, int64_t b0, int64_t b1) {
    const int64_t np = padded(g.N());
    std::vector<float> dpatches(g.K() * g.N()), gyb(g.O * np, 0.0f);
    const std::vector<int64_t> rows = strided_rows(g.O, np), wt_rows = strided_rows(g.K(), 1);
    for (int64_t b = b0; b < b1; ++b) {
      for (int64_t o = 0; o < g.O; ++o) std::copy_n(gp + (b * g.O + o) * g.N(), g.N(), gyb.data() + o * np);
      // dpatches (K x N) = w^T (K x O) * gy[b] (O x N)
      small_gemm(g.K(), g.N(), g.O, wp, wt_rows.data(), g.K(), gyb.data(), rows.data(), dpatches.data(), g.N());
      float* dxb = dp + b * g.C * g.H * g.W;
      std::fill(dxb, dxb + g.C * g.H * g.W, 0.0f);
      scatter_patches(g, dpatches.data(), dxb);
    }
  });
  return ffi::Error::Success();
}

// x (B, C, H, W), gy (B, O, Ho, Wo) -> dw (O, C, KH, KW)
ffi::Error Conv2dWeightGrad(ffi::ThreadPool pool, ffi::Buffer<ffi::F32> x, ffi::Buffer<ffi::F32> gy,
                            ffi::ResultBuffer<ffi::F32> dw_out, int64_t sh, int64_t sw, int64_t ph, int64_t pw,
                            int64_t dh, int64_t dw) {
  const Geometry g = geometry(x.dimensions(), dw_out->dimensions(), gy.dimensions(), sh, sw, ph, pw, dh, dw);
  const int64_t n = g.O * g.K(), parts = num_parts(pool, g);
  // One accumulator per chunk, summed in chunk order, so the result does not depend on scheduling.
  std::vector<float> partial(parts * n, 0.0f);
  const float *xp = x.typed_data(), *gp = gy.typed_data();
  parallel_chunks(pool, g.B, parts, [&](int64_t p, int64_t b0, int64_t b1) {
    float* dwp = partial.data() + p * n;
    std::unique_ptr<WideWeightGrad> wide(WideImage::worth_it(g) ? new WideWeightGrad(g) : nullptr);
    std::vector<float> patches;
    const std::vector<int64_t> rows = strided_rows(g.K(), g.N());
    for (int64_t b = b0; b < b1; ++b) {
      const float *xb = xp + b * g.C * g.H * g.W, *gb = gp + b * g.O * g.N();
      if (wide && wide->add(xb, gb, dwp)) continue;
      patches.resize(g.K() * g.N());
      build_patches(g, xb, patches.data(), g.N());
      // dw (O x K) += gy[b] (O x N) * patches^T
      small_gemm_nt(g.O, g.K(), g.N(), gb, g.N(), patches.data(), rows.data(), dwp, g.K());
    }
    if (wide) wide->finish(dwp);
  });
  float* out = dw_out->typed_data();
  std::copy_n(partial.data(), n, out);
  for (int64_t p = 1; p < parts; ++p)
    for (int64_t k = 0; k < n; ++k) out[k] += partial[p * n + k];
  return ffi::Error::Success();
}

#define TORCHJAX_CONV2D_HANDLER(name, fn)                                                                          \
  XLA_FFI_DEFINE_HANDLER_SYMBOL(name, fn,                                                                          \
                                ffi::Ffi::Bind()                                                                   \
                                    .Ctx<ffi::ThreadPool>()                                                        \
                                    .Arg<ffi::Buffer<ffi::F32>>()                                                  \
                                    .Arg<ffi::Buffer<ffi::F32>>()                                                  \
                                    .Ret<ffi::Buffer<ffi::F32>>()                                                  \
                                    .Attr<int64_t>("sh")                                                           \
                                    .Attr<int64_t>("sw")                                                           \
                                    .Attr<int64_t>("ph")                                                           \
                                    .Attr<int64_t>("pw")                                                           \
                                    .Attr<int64_t>("dh")                                                           \
                                    .Attr<int64_t>("dw"));

TORCHJAX_CONV2D_HANDLER(torchjax_conv2d_forward, Conv2dForward)
TORCHJAX_CONV2D_HANDLER(torchjax_conv2d_input_grad, Conv2dInputGrad)
TORCHJAX_CONV2D_HANDLER(torchjax_conv2d_weight_grad, Conv2dWeightGrad)
