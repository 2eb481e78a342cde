"""Numeric kernels behind torchjax._random: ATen's word-to-number transforms, the AVX2 Box-Muller
emulation, libstdc++ sort/selection replays and the randperm shuffles. See torchjax/_random.py."""
from __future__ import annotations

import functools as _functools
import math as _math
import numbers as _numbers
import os as _os
import platform as _platform
import struct as _struct
import threading as _threading
import warnings as _warnings
import weakref as _weakref
import ml_dtypes as _ml
import numpy as _np

__all__ = ["Generator", "default_generator", "manual_seed", "seed", "initial_seed"]

# ----------------------------------------------------------------------------------------------------------
# dtypes and constants
# ----------------------------------------------------------------------------------------------------------
_BOOL = _np.dtype(_np.bool_)
_U8, _I8, _I16, _I32, _I64 = (_np.dtype(t) for t in (_np.uint8, _np.int8, _np.int16, _np.int32, _np.int64))
_U16, _U32, _U64 = (_np.dtype(t) for t in (_np.uint16, _np.uint32, _np.uint64))
_F16, _F32, _F64 = (_np.dtype(t) for t in (_np.float16, _np.float32, _np.float64))
_BF16 = _np.dtype(_ml.bfloat16)
_C64, _C128 = _np.dtype(_np.complex64), _np.dtype(_np.complex128)

_FLOATS = (_F16, _BF16, _F32, _F64)
_REDUCED = (_F16, _BF16)
_DIGITS = {_F16: 11, _BF16: 8, _F32: 24, _F64: 53}
_ALL_TYPES = (_U8, _I8, _I16, _I32, _I64, _F32, _F64)  # AT_DISPATCH_ALL_TYPES
_INTEGRAL = (_U8, _I8, _I16, _I32, _I64, _U16, _U32, _U64)

DEFAULT_RNG_SEED = 67280421310721  # c10::default_rng_seed_val
_STATE_SIZE = 5056  # sizeof(at::detail::CPUGeneratorImplState)
_MT_N = 624
_M64 = (1 << 64) - 1
_INT64_MIN = -(1 << 63)
_INT64_MAX = (1 << 63) - 1
_RANDPERM_SMALL = 4294967295 // 20  # n below this: Fisher-Yates with 32-bit words
_TWO_PI = 6.283185307179586  # 2 * c10::pi<double>
_F32_2M24 = _np.float32(2.0 ** -24)


def _finfo(dt):
    return _ml.finfo(dt) if dt == _BF16 else _np.finfo(dt)


def _dtype_name(dt):
    names = {_BOOL: "Bool", _U8: "Byte", _I8: "Char", _I16: "Short", _I32: "Int", _I64: "Long",
             _U16: "UInt16", _U32: "UInt32", _U64: "UInt64", _F16: "Half", _BF16: "BFloat16",
             _F32: "Float", _F64: "Double", _C64: "ComplexFloat", _C128: "ComplexDouble"}
    return names.get(dt, str(dt))


def _as_dtype(dtype, default=_F32):
    if dtype is None:
        return default
    if not isinstance(dtype, _np.dtype):
        npd = getattr(dtype, "np", None)  # torchjax dtype objects
        if npd is not None:
            dtype = npd
    return _np.dtype(dtype)


def _as_shape(shape):
    if shape is None:
        return ()
    if isinstance(shape, _numbers.Integral):
        return (int(shape),)
    return tuple(int(s) for s in shape)


def _numel(shape):
    n = 1
    for s in shape:
        if s < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: {list(shape)}")
        n *= s
    return n


def _not_impl(kernel, dt):
    return RuntimeError(f'"{kernel}" not implemented for \'{_dtype_name(dt)}\'')


def _f32(bits):
    return _np.array(bits, _np.uint32).view(_np.float32)[()]


# ----------------------------------------------------------------------------------------------------------
# which kernels torch runs on this machine
# ----------------------------------------------------------------------------------------------------------
def _detect_capability():
    machine = _platform.machine().lower()
    if machine not in ("x86_64", "amd64"):
        return "default", True  # scalar kernels; aarch64 compilers contract a*b+c into fma
    env = _os.environ.get("ATEN_CPU_CAPABILITY", "").strip().lower()
    feats = None
    for mod in ("numpy._core._multiarray_umath", "numpy.core._multiarray_umath"):
        try:
            feats = __import__(mod, fromlist=["__cpu_features__"]).__cpu_features__
            break
        except Exception:  # pragma: no cover - numpy layout differences
            continue
    has_avx2 = True if not feats else bool(feats.get("AVX2")) and bool(feats.get("FMA3"))
    if env == "default" or not has_avx2:
        return "default", False  # DEFAULT build: no -mfma, no contraction
    return "avx2", True


_CAPABILITY, _USE_FMA = _detect_capability()

# ----------------------------------------------------------------------------------------------------------
# libm (float64) -- numpy's ufuncs when they agree with the C library on this machine
# ----------------------------------------------------------------------------------------------------------
_LIBM_CACHE = {}
_LIBM_DOMAINS = {"log": (1e-300, 1.0), "log1p": (-0.999999, 0.0), "sin": (0.0, 6.3), "cos": (0.0, 6.3),
                 "tan": (-1.58, 1.58), "exp": (-40.0, 40.0)}


def _libm(name):
    f = _LIBM_CACHE.get(name)
    if f is not None:
        return f
    npf, mf = getattr(_np, name), getattr(_math, name)
    lo, hi = _LIBM_DOMAINS[name]
    rs = _np.random.RandomState(12345)
    xs = _np.concatenate([_np.linspace(lo, hi, 1025)[1:-1], lo + (hi - lo) * rs.random_sample(3000),
                          rs.random_sample(500) * 1e-6 * (hi - lo) + lo])
    if name == "log":
        xs = _np.concatenate([xs, 1.0 - rs.random_sample(2000), rs.random_sample(500) ** 8])
    ref = _np.array([mf(float(x)) for x in xs])
    if _np.array_equal(npf(xs).view(_np.int64), ref.view(_np.int64)):
        f = npf
    else:  # pragma: no cover - only on machines where numpy ships its own float64 SIMD math
        vec = _np.frompyfunc(mf, 1, 1)

        def f(x, _vec=vec):
            return _np.asarray(_vec(_np.asarray(x, _F64)), dtype=_F64)
    _LIBM_CACHE[name] = f
    return f


_LIBMF_CACHE = {}


def _libmf(name):
    """The C library's float32 ``logf``/``sinf``/``cosf`` element by element (scalar-kernel path only).

    Only CPUs without AVX2 (or ``ATEN_CPU_CAPABILITY=default``) need these: there torch's float32 randn
    fill calls libm's float functions, which are not always the correctly rounded result, so the exact
    values need the same library.  Slow (one call per element); falls back to correctly rounded float64
    evaluation when no C math library can be loaded.
    """
    f = _LIBMF_CACHE.get(name)
    if f is None:
        try:
            import ctypes
            import ctypes.util

            lib = ctypes.CDLL(ctypes.util.find_library("m") or "libm.so.6")
            cf = getattr(lib, name)
            cf.restype, cf.argtypes = ctypes.c_float, [ctypes.c_float]
            vec = _np.frompyfunc(cf, 1, 1)

            def f(x, _vec=vec):
                return _np.asarray(_vec(_np.asarray(x, _F32).astype(_F64)), dtype=_F32)
        except (OSError, AttributeError):  # pragma: no cover - no C math library
            npf = getattr(_np, name[:-1])

            def f(x, _npf=npf):
                return _npf(_np.asarray(x, _F64)).astype(_F32)
        _LIBMF_CACHE[name] = f
    return f


# ----------------------------------------------------------------------------------------------------------
# exact fused multiply-add emulation
# ----------------------------------------------------------------------------------------------------------
def _fma32(a, b, c):
    """Correctly rounded float32 ``fma(a, b, c)`` (float32 arrays/scalars in, float32 out)."""
    a, b, c = (_np.asarray(v, _F32) for v in (a, b, c))
    shape = _np.broadcast_shapes(a.shape, b.shape, c.shape)
    p = _np.multiply(a, b, dtype=_F64)  # exact: 24 x 24 bit product
    c64 = c.astype(_F64)
    s = _np.array(_np.broadcast_to(p + c64, shape), dtype=_F64).reshape(-1)
    out = s.astype(_F32)
    tie = (s.view(_np.int64) & 0x1FFFFFFF) == 0x10000000  # float32 midpoint: double rounding may be wrong
    if tie.any():
        idx = _np.nonzero(tie)[0]
        pp = _np.broadcast_to(p, shape).reshape(-1)[idx]
        cc = _np.broadcast_to(c64, shape).reshape(-1)[idx]
        ss = s[idx]
        bb = ss - pp
        err = (pp - (ss - bb)) + (cc - bb)  # exact (p + c) - s
        bits = ss.view(_np.int64)
        trunc = bits & ~_np.int64(0x1FFFFFFF)
        away = trunc + _np.int64(0x20000000)
        pick = _np.where((err > 0) == (ss > 0), away, trunc).view(_F64)
        out[idx] = _np.where(err == 0, ss, pick).astype(_F32)
    return out.reshape(shape)


def _two_prod(a, b):
    p = a * b
    t = 134217729.0 * a
    ah = t - (t - a)
    al = a - ah
    t = 134217729.0 * b
    bh = t - (t - b)
    bl = b - bh
    return p, ((ah * bh - p) + ah * bl + al * bh) + al * bl


def _fma64(a, b, c):
    """Correctly rounded float64 ``fma(a, b, c)`` (Boldo-Melquiond: exact product, round-to-odd sum)."""
    a, b, c = (_np.asarray(v, _F64) for v in (a, b, c))
    shape = _np.broadcast_shapes(a.shape, b.shape, c.shape)
    a, b, c = (_np.broadcast_to(v, shape).reshape(-1) for v in (a, b, c))
    with _np.errstate(over="ignore", invalid="ignore"):
        ph, pl = _two_prod(a, b)
        th = c + ph
        bb = th - c
        tl = (c - (th - bb)) + (ph - bb)
        v = tl + pl
        bb = v - tl
        err = (tl - (v - bb)) + (pl - bb)
    vb = v.view(_np.int64)
    fix = (err != 0) & ((vb & 1) == 0)  # round to odd
    if fix.any():
        vb[fix] += _np.where((err[fix] > 0) == (v[fix] > 0), 1, -1)
    return (th + v).reshape(shape)


def _axpy32(x, a, b):
    """float32 ``x * a + b`` (x a float32 array of k * 2**-24 values, a and b float32 scalars) the way the
    uniform kernel computes it on this machine: one fused multiply-add with AVX2, else two roundings."""
    a, b = _np.float32(a), _np.float32(b)
    if not _USE_FMA:
        out = x * a
        out += b
        return out
    t = _np.multiply(x, _np.float64(a))  # exact (24 x 24 bits)
    t += _np.float64(b)
    if _sum_exact_in_f64(a, b):  # no double rounding possible: casting the float64 sum is the fma
        return t.astype(_F32)
    return _fma32(x, a, b)


def _sum_exact_in_f64(a, b):
    """Is ``x * a + b`` exact in float64 for every x = k * 2**-24 (k < 2**24)?"""
    a, b = float(a), float(b)
    if a == 0 or b == 0:
        return True
    ea, eb = _math.frexp(a)[1], _math.frexp(b)[1]  # |v| < 2**e
    msb = max(ea, eb) + 1  # |x * a + b| < 2**msb
    lsb = min(ea - 24 - 24, eb - 24)  # float32 a, b: multiples of 2**(e-24); x: multiple of 2**-24
    return msb - lsb <= 53


def _axpy64(x, a, b):
    if a == 1.0:
        return x + b
    if b == 0.0:
        return (x * a) + 0.0
    if _USE_FMA:
        return _fma64(x, a, b)
    return (x * a) + b


# ----------------------------------------------------------------------------------------------------------
# dtype conversions with C++ static_cast semantics
# ----------------------------------------------------------------------------------------------------------
def _f32_to(v, dt):
    """static_cast<scalar_t>(float)."""
    if dt == _F32:
        return v
    if dt in (_F16, _BF16, _F64):
        return v.astype(dt)
    return _f64_to(v.astype(_F64), dt)


def _f64_to(v, dt):
    """static_cast<scalar_t>(double); Half/BFloat16 convert through float like c10 does."""
    if dt == _F64:
        return v
    if dt == _F32:
        return v.astype(_F32)
    if dt in _REDUCED:
        return v.astype(_F32).astype(dt)
    if dt == _BOOL:
        return v != 0
    with _np.errstate(invalid="ignore"):
        t = _np.trunc(v)
        if dt in (_I64, _U64):  # cvttsd2si (64 bit): out of range / NaN -> INT64_MIN
            ok = (t >= -9.223372036854775808e18) & (t < 9.223372036854775808e18)
            r = _np.where(ok, t, 0.0).astype(_I64)
            r[~ok] = _INT64_MIN
            return r if dt == _I64 else r.view(_U64)
        ok = (t >= -2147483648.0) & (t < 2147483648.0)  # cvttsd2si (32 bit), then narrowed
        r = _np.where(ok, t, 0.0).astype(_I64)
        r[~ok] = -2147483648
        return r.astype(_I32).astype(dt)


def _i64_to(v, dt):
    """static_cast<scalar_t>(int64_t)."""
    if dt == _BOOL:
        return v != 0
    if dt == _U64:
        return v.view(_U64)
    if dt in _REDUCED:
        return v.astype(_F32).astype(dt)
    return v.astype(dt)


# ----------------------------------------------------------------------------------------------------------
# ATen's AVX2 Box-Muller block (NormalFill16<float> with avx_mathfun log256_ps / sincos256_ps), as compiled
# (constants: the float32 bit patterns of avx_mathfun.h, identical to the ones in torch 2.13's binary; the
# operation order, including which mul/add pairs GCC fused into vfmadd, follows the shipped machine code)
# ----------------------------------------------------------------------------------------------------------
_LOG_P = [_f32(b) for b in (0x3d9021bb, 0xbdebd1b8, 0x3def251a, 0xbdfe5d4f, 0x3e11e9bf, 0xbe2aae50,
                            0x3e4cceac, 0xbe7ffffc, 0x3eaaaaaa)]
_LOG_Q1, _LOG_Q2, _SQRTHF = _f32(0xb95e8083), _f32(0x3f318000), _f32(0x3f3504f3)
_TWO_PI_F, _FOPI = _f32(0x40c90fdb), _f32(0x3fa2f983)
_DP1, _DP2, _DP3 = _f32(0xbf490000), _f32(0xb97da000), _f32(0xb3222169)
_COS_P = [_f32(b) for b in (0x37ccf5ce, 0xbab6061a, 0x3d2aaaa5)]
_SIN_P = [_f32(b) for b in (0xb94ca1f9, 0x3c08839e, 0xbe2aaaa3)]
_ONE_F, _HALF_F, _M2_F = _np.float32(1.0), _np.float32(0.5), _np.float32(-2.0)


# The float64 evaluation of every fused step below is either exact or never lands on a float32 midpoint
# for any of the 2**24 possible inputs (checked exhaustively against torch), so one float64 operation
# followed by a cast to float32 *is* the float32 fma.
_LOG_P64 = [_np.float64(c) for c in _LOG_P]
_COS_P64 = [_np.float64(c) for c in _COS_P]
_SIN_P64 = [_np.float64(c) for c in _SIN_P]
_DPSUM_64 = _np.float64(_DP1) + _np.float64(_DP2) + _np.float64(_DP3)  # exact in float64


_SQRTHF_BITS = _np.int32(0x3f3504f3)
_I32_ = _np.int32


class _Workspace:
    """Preallocated float32/float64/int32 buffers for one chunk of Box-Muller blocks (per thread)."""

    def __init__(self, m):
        self.m = m
        self.f = [_np.empty(m, _F32) for _ in range(8)]
        self.d = [_np.empty(m, _F64) for _ in range(3)]
        self.i = [_np.empty(m, _np.int32) for _ in range(3)]
        self.b = _np.empty(m, bool)
        self.k = _np.empty(2 * m, _U32)
        self.kf = _np.empty(2 * m, _F32)


_TLS = _threading.local()


def _workspace(m):
    ws = getattr(_TLS, "ws", None)
    if ws is None or ws.m < m:
        ws = _TLS.ws = _Workspace(m)
    return ws


def _avx2_radius_sincos(u1, theta, W):
    """radius = sqrt(-2 log256_ps(u1)), (sin, cos) = sincos256_ps(theta), as torch's AVX2 build computes them.

    Every float64 product followed by an add/subtract stored into a float32 array is one fused
    multiply-add of the original (vfmadd*ps); see the exhaustive-check note above.  Returns float32
    views into the workspace: (radius, sin, cos).
    """
    m = u1.size
    f0, f1, f2, f3, f4, f5, f6, f7 = (a[:m] for a in W.f)
    x64, t, z64 = (a[:m] for a in W.d)
    i0, i1, i2 = (a[:m] for a in W.i)
    # ---- log256_ps(u1) --------------------------------------------------------------------------------
    bits = u1.view(_np.int32)
    ei = i0
    _np.right_shift(bits, 23, ei)
    ei -= _I32_(126)  # exponent + 1
    xb = i1
    _np.bitwise_and(bits, _I32_(-0x7f800001), out=xb)
    xb |= _I32_(0x3f000000)  # mantissa in [0.5, 1)
    mi = i2
    _np.less(xb, _SQRTHF_BITS, mi)  # 1 where the mantissa < sqrt(0.5) (positive floats compare like ints)
    ei -= mi
    e = f0
    _np.copyto(e, ei, casting="unsafe")
    mi <<= 23
    xb += mi  # doubles the mantissa where it is below sqrt(0.5) (exact)
    x = f2
    _np.subtract(xb.view(_F32), _ONE_F, out=x)
    _np.copyto(x64, x)
    y = f3
    _np.multiply(x64, _LOG_P64[0], t)
    _np.add(t, _LOG_P64[1], y)
    for c in _LOG_P64[2:]:  # y = fma(y, x, p_k)
        _np.multiply(y, x64, t)
        _np.add(t, c, y)
    z = f4
    _np.multiply(x, x, z)
    y *= x
    tq = f5
    _np.multiply(e, _LOG_Q1, tq)
    _np.copyto(z64, z)
    _np.multiply(y, z64, t)  # y = fma(y, z, e*q1)
    _np.add(t, tq, y)
    z *= _HALF_F  # y = fnmadd(z, 0.5, y): z*0.5 is exact
    y -= z
    x += y
    e *= _LOG_Q2  # fma(e, q2, x): e*q2 is exact
    e += x
    e *= _M2_F
    radius = e
    _np.sqrt(radius, out=radius)
    # ---- sincos256_ps(theta) ----------------------------------------------------------------------------
    j = i0
    _np.multiply(theta, _FOPI, f2)
    _np.copyto(j, f2, casting="unsafe")  # cvttps2dq (theta >= 0)
    j += _I32_(1)
    j &= _I32_(-2)  # octant j in {0, 2, 4, 6, 8}
    # x = fma(y, DP3, fma(DP2, y, fma(y, DP1, theta))): the first two steps are exact in float32 and the
    # whole sum is exact in float64, so x = RN32(theta + y * (DP1 + DP2 + DP3)) with a float64 sum
    _np.copyto(x64, j)
    x64 *= _DPSUM_64
    _np.copyto(t, theta)
    x64 += t
    xr = f3
    _np.copyto(xr, x64, casting="same_kind")
    _np.copyto(x64, xr)
    z = f4
    _np.multiply(xr, xr, z)
    _np.copyto(z64, z)
    yc = f5  # cosine polynomial
    _np.multiply(z64, _COS_P64[0], t)
    _np.add(t, _COS_P64[1], yc)
    _np.multiply(yc, z64, t)
    _np.add(t, _COS_P64[2], yc)
    yc *= z
    _np.multiply(yc, z64, t)  # vfmsub: z*y - z*0.5
    _np.multiply(z, _HALF_F, f6)
    _np.subtract(t, f6, yc)
    yc += _ONE_F
    ys = f6  # sine polynomial
    _np.multiply(z64, _SIN_P64[0], t)
    _np.add(t, _SIN_P64[1], ys)
    _np.multiply(ys, z64, t)
    _np.add(t, _SIN_P64[2], ys)
    ys *= z
    _np.multiply(ys, x64, t)  # fma(x, y2, x)
    _np.add(t, x64, ys)
    # select the polynomials (bitwise blend: sin = ys, cos = yc where (j & 2) == 0, swapped elsewhere)
    ycb, ysb = yc.view(_np.int32), ys.view(_np.int32)
    sel, d = i1, i2
    _np.left_shift(j, 30, sel)
    sel >>= 31  # -1 where (j & 2) != 0
    _np.bitwise_xor(ycb, ysb, d)
    d &= sel
    ysb ^= d  # ys now holds sin (before its sign)
    ycb ^= d  # yc now holds cos
    _np.left_shift(j, 29, sel)
    sel &= _I32_(-2**31)
    ysb ^= sel  # sin sign: (j & 4) << 29
    j += _I32_(2)
    j <<= 29
    j &= _I32_(-2**31)
    ycb ^= j  # cos sign: (~(j - 2) & 4) << 29 == ((j + 2) & 4) << 29 for j in {0, 2, 4, 6, 8}
    return radius, ys, yc


_BM_CHUNK = 4096  # 16-blocks per work item
_F32_2M24_NEG = _np.float32(-(2.0 ** -24))
_LOW24 = _np.uint32(0xFFFFFF)
_TWO_PI_2M24 = _np.float32(_TWO_PI_F * _np.float32(2.0 ** -24))  # exact power-of-two scaling


def _bm_chunk(w, o, mean32, std32):
    """One chunk of NormalFill16<float>: words ``w`` (c, 16) -> float32 normals written into ``o`` (c, 16)."""
    c = w.shape[0]
    m = 8 * c
    W = _workspace(8 * _BM_CHUNK)
    kw = W.k[:2 * m].reshape(c, 16)
    _np.bitwise_and(w, _LOW24, kw)
    kf = W.kf[:2 * m].reshape(c, 16)
    _np.copyto(kf, kw, casting="unsafe")  # exact: < 2**24
    u1 = W.f[6][:m]
    theta = W.f[7][:m]
    _np.multiply(kf[:, :8], _F32_2M24_NEG, u1.reshape(c, 8))
    u1 += _ONE_F  # 1 - u (exact)
    if _CAPABILITY == "avx2":
        _np.multiply(kf[:, 8:], _TWO_PI_2M24, theta.reshape(c, 8))  # == 2pi_f * (k * 2**-24), k * 2**-24 exact
        radius, sin, cos = _avx2_radius_sincos(u1, theta, W)
    else:  # scalar kernel (no AVX2): sqrt(-2 * logf(u1)), theta = float(2pi * (double)u2), sincosf, fmaf
        _np.multiply(kf[:, 8:], _F32_2M24, theta.reshape(c, 8))  # u2
        radius = _np.sqrt(_M2_F * _libmf("logf")(u1))
        th = (_TWO_PI * theta.astype(_F64)).astype(_F32)
        sin, cos = _libmf("sinf")(th), _libmf("cosf")(th)
    if std32 == 1 and mean32 == 0:  # fma(n, 1, 0) == n + 0: only the sign of zero can change
        r2 = radius.reshape(c, 8)
        _np.multiply(cos.reshape(c, 8), r2, o[:, :8])
        _np.multiply(sin.reshape(c, 8), r2, o[:, 8:])
        if not r2.all():  # radius is 0 only for u1 == 1; sin/cos are never -0 (checked for all inputs)
            o[:, :8] += _np.float32(0.0)
            o[:, 8:] += _np.float32(0.0)
    else:
        cos *= radius
        sin *= radius
        o[:, :8] = _fma32(cos, std32, mean32).reshape(c, 8)
        o[:, 8:] = _fma32(sin, std32, mean32).reshape(c, 8)


def _box_muller16_f32(w, mean, std, out=None):
    """NormalFill16<float> on 16-word blocks.

    ``w`` is either a (m, 16) uint32 array or ``(draw, m)`` with ``draw(k)`` returning the next k words
    (then words are drawn chunk by chunk while worker threads transform the previous chunks).
    """
    if isinstance(w, tuple):
        draw, nblk = w
    else:
        nblk = w.shape[0]
        draw = None
    if out is None:
        out = _np.empty((nblk, 16), _F32)
    mean32, std32 = _np.float32(mean), _np.float32(std)
    parallel = nblk >= 4 * _BM_CHUNK and _POOL_WORKERS > 1
    pending = []
    for lo in range(0, nblk, _BM_CHUNK):
        c = min(_BM_CHUNK, nblk - lo)
        blk = draw(16 * c).reshape(c, 16) if draw is not None else w[lo:lo + c]
        if parallel:
            pending.append(_pool().submit(_bm_chunk, blk, out[lo:lo + c], mean32, std32))
        else:
            _bm_chunk(blk, out[lo:lo + c], mean32, std32)
    for f in pending:
        f.result()
    return out


def _pool_workers():
    env = _os.environ.get("TORCHJAX_RNG_THREADS", "").strip()
    if env.isdigit():
        return max(1, int(env))
    return max(2, min(8, _os.cpu_count() or 1))


_POOL_WORKERS = _pool_workers()  # worker threads for large randn fills (TORCHJAX_RNG_THREADS=1: none)
_POOL = None
_POOL_LOCK = _threading.Lock()


def _pool():
    """Threads for the elementwise Box-Muller math (numpy releases the GIL)."""
    global _POOL
    if _POOL is None:
        with _POOL_LOCK:
            if _POOL is None:
                from concurrent.futures import ThreadPoolExecutor

                _POOL = ThreadPoolExecutor(max_workers=_POOL_WORKERS, thread_name_prefix="torchjax-rng")
    return _POOL


def _after_fork_in_child():
    """A forked child (e.g. a DataLoader worker) has none of the parent's threads: start a fresh pool."""
    global _POOL, _POOL_LOCK, _TLS
    _POOL = None
    _POOL_LOCK = _threading.Lock()
    _TLS = _threading.local()
    for g in list(_GENERATORS):  # a lock held by another parent thread at fork time would never be released
        g._lock = _threading.RLock()


if hasattr(_os, "register_at_fork"):
    _os.register_at_fork(after_in_child=_after_fork_in_child)


def _box_muller16_f64(u, mean, std):
    """NormalFill16<double> (scalar kernel, explicit std::fma) on blocks of 16 float64 uniforms."""
    u1 = 1.0 - u[:, :8]
    radius = _np.sqrt(-2.0 * _libm("log")(u1))
    theta = _TWO_PI * u[:, 8:]
    out = _np.empty(u.shape, _F64)
    n1 = radius * _libm("cos")(theta)
    n2 = radius * _libm("sin")(theta)
    if std == 1.0:
        out[:, :8] = n1 + mean
        out[:, 8:] = n2 + mean
    elif mean == 0.0:
        out[:, :8] = n1 * std + 0.0
        out[:, 8:] = n2 * std + 0.0
    else:
        out[:, :8] = _fma64(n1, std, mean)
        out[:, 8:] = _fma64(n2, std, mean)
    return out


# ----------------------------------------------------------------------------------------------------------
# libstdc++ partial_sort / nth_element / sort (used by torch's CPU topk) -- only needed when values tie
# ----------------------------------------------------------------------------------------------------------
class _StdAlgo:
    def __init__(self, arr, comp):
        self.a = arr
        self.comp = comp

    def _c(self, i, j):
        return self.comp(self.a[i], self.a[j])

    def swap(self, i, j):
        a = self.a
        a[i], a[j] = a[j], a[i]

    # heap ----------------------------------------------------------------------------------------------
    def push_heap(self, first, hole, top, value):
        a, comp = self.a, self.comp
        parent = (hole - 1) // 2
        while hole > top and comp(a[first + parent], value):
            a[first + hole] = a[first + parent]
            hole = parent
            parent = (hole - 1) // 2
        a[first + hole] = value

    def adjust_heap(self, first, hole, length, value):
        a, comp = self.a, self.comp
        top = hole
        second = hole
        while second < (length - 1) // 2:
            second = 2 * (second + 1)
            if comp(a[first + second], a[first + second - 1]):
                second -= 1
            a[first + hole] = a[first + second]
            hole = second
        if (length & 1) == 0 and second == (length - 2) // 2:
            second = 2 * (second + 1)
            a[first + hole] = a[first + second - 1]
            hole = second - 1
        self.push_heap(first, hole, top, value)

    def make_heap(self, first, last):
        length = last - first
        if length < 2:
            return
        parent = (length - 2) // 2
        while True:
            self.adjust_heap(first, parent, length, self.a[first + parent])
            if parent == 0:
                return
            parent -= 1

    def pop_heap(self, first, last, result):
        value = self.a[result]
        self.a[result] = self.a[first]
        self.adjust_heap(first, 0, last - first, value)

    def heap_select(self, first, middle, last):
        self.make_heap(first, middle)
        for i in range(middle, last):
            if self._c(i, first):
                self.pop_heap(first, middle, i)

    def sort_heap(self, first, last):
        while last - first > 1:
            last -= 1
            self.pop_heap(first, last, last)

    def partial_sort(self, first, middle, last):
        self.heap_select(first, middle, last)
        self.sort_heap(first, middle)

    # quicksort pieces ------------------------------------------------------------------------------------
    def move_median_to_first(self, result, a, b, c):
        if self._c(a, b):
            if self._c(b, c):
                self.swap(result, b)
            elif self._c(a, c):
                self.swap(result, c)
            else:
                self.swap(result, a)
        elif self._c(a, c):
            self.swap(result, a)
        elif self._c(b, c):
            self.swap(result, c)
        else:
            self.swap(result, b)

    def unguarded_partition(self, first, last, pivot):
        while True:
            while self._c(first, pivot):
                first += 1
            last -= 1
            while self._c(pivot, last):
                last -= 1
            if not first < last:
                return first
            self.swap(first, last)
            first += 1

    def unguarded_partition_pivot(self, first, last):
        mid = first + (last - first) // 2
        self.move_median_to_first(first, first + 1, mid, last - 1)
        return self.unguarded_partition(first + 1, last, first)

    def unguarded_linear_insert(self, last):
        a, comp = self.a, self.comp
        val = a[last]
        nxt = last - 1
        while comp(val, a[nxt]):
            a[last] = a[nxt]
            last = nxt
            nxt -= 1
        a[last] = val

    def insertion_sort(self, first, last):
        if first == last:
            return
        a = self.a
        for i in range(first + 1, last):
            if self.comp(a[i], a[first]):
                val = a[i]
                a[first + 1:i + 1] = a[first:i]
                a[first] = val
            else:
                self.unguarded_linear_insert(i)

    def introsort_loop(self, first, last, depth):
        while last - first > 16:
            if depth == 0:
                self.partial_sort(first, last, last)
                return
            depth -= 1
            cut = self.unguarded_partition_pivot(first, last)
            self.introsort_loop(cut, last, depth)
            last = cut

    def sort(self, first, last):
        if first != last:
            self.introsort_loop(first, last, ((last - first).bit_length() - 1) * 2)
            if last - first > 16:
                self.insertion_sort(first, first + 16)
                for i in range(first + 16, last):
                    self.unguarded_linear_insert(i)
            else:
                self.insertion_sort(first, last)

    def nth_element(self, first, nth, last):
        if first == last or nth == last:
            return
        depth = ((last - first).bit_length() - 1) * 2
        while last - first > 3:
            if depth == 0:
                self.heap_select(first, nth + 1, last)
                self.swap(first, nth)
                return
            depth -= 1
            cut = self.unguarded_partition_pivot(first, last)
            if cut <= nth:
                first = cut
            else:
                last = cut
        self.insertion_sort(first, last)


def _topk_largest_indices(vals, k):
    """Indices torch's CPU ``topk(vals, k, largest=True, sorted=True)`` returns for a 1-d row."""
    n = vals.shape[0]
    v64 = vals.astype(_F64)
    isn = _np.isnan(v64)
    key = _np.where(isn, _np.inf, v64)
    order = _np.argsort(-key, kind="stable")
    if isn.any():  # NaNs first (they compare equal to each other)
        order = _np.concatenate([_np.nonzero(isn)[0], order[~isn[order]]])
    top = v64[order[:min(k + 1, n)]]
    tnan = _np.isnan(top)
    ties = bool(_np.any((top[1:] == top[:-1]) | (tnan[1:] & tnan[:-1])))
    if not ties:
        return order[:k]
    # values tie inside the selection: replay libstdc++ exactly
    elems = [(float(x), i) for i, x in enumerate(v64.tolist())]

    def comp(x, y, _isnan=_math.isnan):
        return (_isnan(x[0]) and not _isnan(y[0])) or (x[0] > y[0])

    algo = _StdAlgo(elems, comp)
    if k * 64 <= n:
        algo.partial_sort(0, k, n)
    else:
        algo.nth_element(0, k - 1, n)
        algo.sort(0, k - 1)
    return _np.array([e[1] for e in elems[:k]], dtype=_I64)


# ----------------------------------------------------------------------------------------------------------
# randperm: Fisher-Yates resolved without a Python loop
# ----------------------------------------------------------------------------------------------------------
def _pointer_roots(ptr):
    """Follow ``ptr`` (every chain ends in an element pointing to itself) to the root of every element."""
    roots = ptr.copy()
    active = _np.nonzero(roots != _np.arange(roots.shape[0], dtype=roots.dtype))[0]
    while active.size:
        p = roots[active]
        pp = roots[p]
        roots[active] = pp
        active = active[pp != p]  # pointer doubling on the elements that have not reached their root
    return roots


def _umod(r, span):
    """``r % span`` for unsigned integers below 2**32 (vectorised via float64, exact)."""
    r64 = r.astype(_F64)
    s64 = span.astype(_F64)
    q = _np.floor(r64 / s64)
    r64 -= q * s64  # exact: all values < 2**33
    r64 += _np.where(r64 < 0, s64, 0.0)  # the rounded quotient can be one too large
    return r64


def _group_by_target(target, it):
    """Group steps by target, stable by step index.

    Returns (sorted targets, step order, previous step of the same group or -1, last-of-group mask), all
    in sorted order.
    """
    m = target.shape[0]
    if m < (1 << 32):  # pack (target, step) into one key: a plain value sort is much faster than argsort
        key = target.astype(_U64)
        key <<= _np.uint64(32)
        key |= _np.arange(m, dtype=_U64)
        key.sort()
        order = (key & _np.uint64(0xFFFFFFFF)).astype(it)
        key >>= _np.uint64(32)
        ts = key.astype(it)
    else:  # pragma: no cover - beyond any realistic tensor size
        order = _np.argsort(target, kind="stable").astype(it)
        ts = target[order]
    same = _np.empty(m, dtype=bool)
    same[0] = False
    _np.equal(ts[1:], ts[:-1], out=same[1:])
    prev = _np.empty(m, dtype=it)
    prev[0] = -1
    prev[1:] = _np.where(same[1:], order[:-1], -1)
    last = _np.ones(m, dtype=bool)
    _np.logical_not(same[1:], out=last[:-1])
    return ts, order, prev, last


def _fisher_yates(r, n):
    """Result of ``for i in range(n-1): swap(a[i], a[i + r[i] % (n - i)])`` on ``a = arange(n)``.

    Step i ends position i with the value that position j = i + r[i] % (n - i) holds at time i: the value
    the previous step with the same target j left there (the value its own position held then), or j
    itself.  "Value a position holds just before its own step" follows chains of such writes, which are
    resolved by pointer doubling.
    """
    it = _I32 if n < (1 << 31) else _I64
    a = _np.arange(n, dtype=it)
    if n < 2:
        return a.astype(_I64)
    if n <= 0xFFFFFFFF:
        j = _umod(r, _np.arange(n, 1, -1, dtype=_F64)).astype(it)
    else:  # pragma: no cover
        j = (r.astype(_U64) % _np.arange(n, 1, -1, dtype=_U64)).astype(it)
    j += a[:-1]
    js, order, prev, last = _group_by_target(j, it)
    tg, kl = js[last], order[last]
    W = a.copy()  # position t -> the last step k < t that wrote it (unwritten positions point to themselves)
    W[tg] = _np.where(kl == tg, prev[last], kl)
    _np.copyto(W, a, where=W < 0)
    W = _pointer_roots(W)  # W[t]: value held by position t just before step t
    out = _np.empty(n, dtype=_I64)
    out[order] = _np.where(prev >= 0, W[prev], js)  # prev == -1 reads W[-1]: discarded
    out[-1] = W[-1]
    return out


def _inside_out(r, n):
    """Result of ``for i in range(n): z = r[i] % (i + 1); a[i] = a[z]; a[z] = i`` (ATen's large-n shuffle).

    ``r`` (uint64) is overwritten to save memory.
    """
    it = _I32 if n < (1 << 31) else _I64
    r %= _np.arange(1, n + 1, dtype=_U64)
    z = r.astype(it)
    del r
    zs, order, prev, last = _group_by_target(z, it)
    tail_pos, tail_val = zs[last], order[last]
    del zs, last
    pred = _np.empty(n, dtype=it)
    pred[order] = prev
    del order, prev
    # V(p): the value step p copies into a[p]: p itself, the latest earlier writer of z[p], or V(z[p])
    idx = _np.arange(n, dtype=it)
    selfw = z == idx
    ptr = _np.where(selfw | (pred >= 0), idx, z)
    del z
    const = _np.where(selfw, idx, pred)
    del pred, selfw, idx
    V = const[_pointer_roots(ptr)]
    V[tail_pos] = tail_val  # a later step wrote its own index there (max of the group)
    return V.astype(_I64)


# ----------------------------------------------------------------------------------------------------------
# Generator
# ----------------------------------------------------------------------------------------------------------
