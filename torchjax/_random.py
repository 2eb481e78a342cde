"""Torch-identical CPU random streams for torchjax (``torch.Generator`` and the CPU sampling kernels).

With the same ``manual_seed`` a torchjax program draws bit-for-bit the numbers real PyTorch (2.x, CPU)
draws: initial weights, data order and dropout masks line up.  This module only produces **numpy
arrays**; the core wraps them into Tensors.  It depends on numpy/ml_dtypes (and jax only inside
``Generator._jax_key``).

Engine
------
PyTorch's CPU generator is a Mersenne twister (``at::mt19937``, the MT19937 reference algorithm).
``manual_seed(s)`` keeps the full 64-bit ``s`` as ``initial_seed()`` but seeds the twister with
``init_genrand(s & 0xffffffff)`` -- only the low 32 bits matter for the stream (negative seeds are taken
as two's complement, values outside [-2**63, 2**64) are rejected).  The first draw after seeding
regenerates the 624-word block.  numpy's ``MT19937`` produces the same tempered 32-bit words once its key
and position are set that way, so the words come from numpy's C code.  ``random()`` in ATen is one word,
``random64()`` is two words ``(first << 32) | second``.

How the kernels turn words into numbers (torch 2.13, x86-64 wheel: AVX2 kernels on any AVX2+FMA CPU)
-----------------------------------------------------------------------------------------------------
* uniform float32/float16/bfloat16 (``rand``, ``uniform_``): one word each, ``x = (w & 0xffffff) * 2**-24``
  in float32, ``v = fma(x, to - from, from)`` (float32, fused), cast to the dtype; a value that rounds to
  ``to`` becomes ``from``.  float64: one ``random64`` each, ``x = (w & (2**53-1)) * 2**-53``, fused in
  float64.  Complex dtypes fill the real view (2 numbers per element).
* normal (``randn``, ``normal_``): tensors with **< 16 elements** (or non-contiguous ones) use
  ``normal_distribution<double>`` per element: two ``random64`` uniforms u1, u2,
  ``r = sqrt(-2 log1p(-u2))``, ``theta = 2 pi u1``, returns ``r cos(theta)`` and **caches**
  ``r sin(theta)`` in the generator (the cache is used by the next small normal/log_normal call, reset by
  ``manual_seed``, and saved in the state bytes); result ``fma(v, std, mean)`` cast to the dtype.
  Contiguous tensors with **>= 16 elements** use the Box-Muller "fill": float32 draws n float32 uniforms
  (then 16 more if n % 16 != 0 to recompute the last 16 outputs); float16/bfloat16 draw 16 uniforms per
  16-block (and 16 for the tail, so they consume 16*ceil(n/16), not n+16); float64 uses random64
  uniforms.  The float path evaluates ``log``/``sincos`` with ATen's AVX2 ``avx_mathfun`` polynomials (as
  compiled by GCC, i.e. with the FMA contractions found in the shipped binary); this module emulates
  those float32 operations exactly.  float64 uses libm ``log``/``sin``/``cos``.
* randint / ``random_(from, to)``: range < 2**28 uses one word, otherwise ``random64``;
  ``value = from + w % range`` (int64 wrap) cast to the dtype (float dtypes adjust from/to first).
  ``random_()`` without bounds: per-dtype ``w % (max+1)`` (float: ``% (2**mantissa_digits + 1)``),
  int64/float64 use ``random64``, bool ``w & 1``.
* randperm: n < 2**32 // 20: Fisher-Yates, step i swaps i with ``i + random() % (n - i)``
  (n-1 words); larger n: "inside-out" shuffle with ``random64() % (i + 1)`` (n draws).  Both are
  evaluated here with a vectorised dependency-chain resolution, not a Python loop.
* bernoulli_(p float) / ``torch.bernoulli(x, p=..)`` / dropout: one ``random64`` double uniform per
  element, ``u < p``.  bernoulli with a probability *tensor*: float64 p -> random64 double uniform,
  float32/float16/bfloat16 p -> one word float32 uniform (24 bits) compared in float32.
* exponential / geometric / cauchy / log_normal: one random64 double uniform each (log_normal: the
  cached double normal above), math in float64 (libm), cast double -> float -> (half/bfloat16).
* multinomial: without replacement (or ``num_samples == 1``): ``q = exponential_(1)`` on a tensor like
  the probabilities, ``p / q``, then argmax / topk (ties are resolved exactly like libstdc++'s
  ``partial_sort``/``nth_element``+``sort`` as torch's CPU topk does).  With replacement: per row a
  sequential cumulative sum (float32 for half/bf16/float inputs, float64 for double), normalised,
  one random64 uniform per sample and a binary search (first bucket with ``cum >= u``).

Dropout (``torch.nn.functional``) on the CPU
--------------------------------------------
``F.dropout(x, p, training=True)`` -> ``at::dropout`` -> (the fused ``native_dropout`` kernel is only
used on CUDA/XPU/lazy) ``_dropout_impl``: ``noise = empty_like(x).bernoulli_(1 - p)`` (one random64
per element of x, element order = C order of a contiguous x), ``noise.div_(1 - p)``, ``x * noise``.
``p == 0`` or ``training=False`` returns x, ``p == 1`` returns ``x * 0``: neither consumes the stream.
``F.dropout1d/2d/3d`` use ``feature_dropout``: the noise has shape ``(N, C, 1, ..., 1)`` (dropout1d and
dropout3d add a batch dim to unbatched input first; dropout2d treats 3-D input as (N, C, L)).
``F.alpha_dropout`` / ``F.feature_alpha_dropout`` draw the same bernoulli(1-p) noise (full shape /
(N, C, 1..)) and then use ``a = 1/sqrt((alpha^2 p + 1)(1 - p))``, ``b = (noise - 1) * alpha*a + alpha*a*p``,
``out = x * (noise * a) + b`` with alpha = 1.7580993408473766.  ``Generator._dropout_noise`` returns
exactly torch's ``noise`` (and ``b``); ``_dropout_mask`` just the keep mask.

Random numbers consumed by torch.utils.data (for the DataLoader/sampler port)
--------------------------------------------------------------------------
* ``RandomSampler(generator=None)``: each ``__iter__`` (lazily, on the first ``next``) draws
  ``seed = torch.empty((), dtype=torch.int64).random_()`` from the **default** generator
  (= one random64 & (2**63-1)), builds ``torch.Generator().manual_seed(seed)`` and samples from that.
  With an explicit generator it samples from it directly.  Without replacement:
  ``num_samples // n`` times ``randperm(n)`` then ``randperm(n)[:num_samples % n]`` (so the default
  ``num_samples = n`` draws **two** randperms: the second one is sliced to nothing but still consumed).
  With replacement: ``randint(0, n, (32,), int64)`` per 32 samples, then ``randint(0, n, (num_samples % 32,))``.
* ``SubsetRandomSampler``: ``randperm(len(indices), generator=self.generator)`` per epoch (default
  generator when None, no intermediate seed).
* ``WeightedRandomSampler``: ``torch.multinomial(torch.as_tensor(weights, dtype=torch.double),
  num_samples, replacement, generator)`` per epoch.
* ``random_split(dataset, lengths, generator=default_generator)``: one ``randperm(sum(lengths))``.
* ``DataLoader``: ``_BaseDataLoaderIter.__init__`` first creates the sampler iterator (lazy, draws
  nothing yet) and then draws ``_base_seed = torch.empty((), dtype=torch.int64).random_(generator=
  loader.generator)`` (one random64 & (2**63-1) from the loader's generator, default one if None) --
  **before** the sampler's draws.  Workers use ``torch.manual_seed(base_seed + worker_id)``; with
  ``persistent_workers`` the base seed is drawn once per iterator object, not per epoch.  A shuffled
  DataLoader passes its ``generator`` to ``RandomSampler``.  IterDataPipe datasets additionally draw a
  shared seed the same way (``_share_dist_seed``) before the base seed.

Verification and speed
----------------------
tests/test_random_streams.py compares every draw bytewise with torch (and the generator state after it).
The float32 Box-Muller emulation was additionally checked for all 2**24 possible u1 and all 2**24
possible u2 values by injecting words into torch through crafted MT states.  The Box-Muller math runs in
preallocated per-thread workspaces, chunk by chunk, on a small thread pool (numpy releases the GIL;
``TORCHJAX_RNG_THREADS`` sets its size, 1 disables it) while the main thread keeps drawing words;
everything else is plain vectorised numpy.  The inherently serial
Fisher-Yates shuffle is resolved as chains of "who wrote this position last" (sort + pointer doubling).

Limits (documented, not emulated)
---------------------------------
Exactness is for x86-64 CPUs with AVX2+FMA (the kernels torch's x86 wheel runs there).  On CPUs without
AVX2 (``ATEN_CPU_CAPABILITY=default``, detected here too) torch runs its scalar kernels without fused
multiply-adds: this module follows (checked against torch with ``ATEN_CPU_CAPABILITY=default``); the
float32 ``randn`` fill then calls the C library's ``logf``/``sinf``/``cosf`` per element (slow, but exact
with the same libm).  Non-x86 machines (other compilers, libms, kernels) are best effort.  float64 transcendental results
must match the process's libm; numpy's float64 ``sin``/``cos``/``log``/``log1p``/``exp``/``tan`` are used
only if a self-test shows they equal ``math.*`` (libm), otherwise the exact (slower) scalar path is used.
Draws fill a **C-contiguous** result in row-major order (torch's TensorIterator fills non-contiguous
in-place targets in memory order; ``_normal(..., contiguous=False)`` selects torch's serial normal path
for them).  A state whose ``left + next != 625`` (impossible from torch itself, only by crafting bytes)
is rejected.  ``_jax_key`` (compiled code) does not reproduce torch's values.
"""
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
_GENERATORS = _weakref.WeakSet()


def _locked(fn):
    @_functools.wraps(fn)
    def wrapper(self, *args, **kwargs):
        with self._lock:
            return fn(self, *args, **kwargs)
    return wrapper


def _unpack_seed(seed):
    if isinstance(seed, bool) or not isinstance(seed, _numbers.Integral):
        raise TypeError(f"manual_seed expected a long, but got {type(seed).__name__}")
    seed = int(seed)
    if seed < _INT64_MIN or seed > _M64:
        raise ValueError("Overflow when unpacking long long")
    return seed & _M64


def _nondeterministic_seed():
    return int.from_bytes(_os.urandom(8), "little")


class Generator:
    """``torch.Generator`` for the CPU: MT19937 stream and state bytes identical to PyTorch's.

    Draw methods (``_uniform``, ``_normal``, ...) return numpy arrays and advance the stream exactly as
    the corresponding torch CPU kernel does; see the module docstring for the per-op details.
    """

    def __init__(self, device="cpu"):
        dev = str(device) if device is not None else "cpu"
        if dev.split(":")[0] != "cpu":
            raise RuntimeError(f"torchjax.Generator only supports the cpu device, got {dev!r}")
        self.device = "cpu"
        self._lock = _threading.RLock()
        _GENERATORS.add(self)
        self._bg = _np.random.MT19937()
        self._gen = _np.random.Generator(self._bg)
        self._set_seed(DEFAULT_RNG_SEED)

    # ---------------------------------------------------------------------------------------------- seeding
    def _set_seed(self, seed):
        key = _np.random.RandomState(seed & 0xFFFFFFFF).get_state(legacy=False)["state"]["key"]
        self._bg.state = {"bit_generator": "MT19937", "state": {"key": key, "pos": _MT_N}}
        self._seed = seed
        self._exhausted_next = 0  # value of mt19937 'next' reported while pos == 624 (0 right after seeding)
        self._next_double = None  # cached Box-Muller sample (normal_distribution<double>)
        self._next_float = None  # float cache: stored/restored only (no CPU kernel uses it)

    @_locked
    def manual_seed(self, seed):
        self._set_seed(_unpack_seed(seed))
        return self

    @_locked
    def seed(self):
        s = _nondeterministic_seed()
        self._set_seed(s)
        return s

    def initial_seed(self):
        return self._seed

    def get_offset(self):
        raise RuntimeError("CPU Generator does not use offset")

    def set_offset(self, offset):
        raise RuntimeError("CPU Generator does not use offset")

    # ------------------------------------------------------------------------------------------------ state
    @_locked
    def _state_bytes(self):
        """The exact bytes of torch's ``get_rng_state()`` / ``Generator.get_state()`` (uint8, 5056)."""
        st = self._bg.state["state"]
        key = _np.asarray(st["key"], dtype=_np.uint64)
        pos = int(st["pos"])
        if pos >= _MT_N:
            left, nxt = 1, self._exhausted_next
        else:
            left, nxt = _MT_N + 1 - pos, pos
        buf = bytearray(_STATE_SIZE)
        _struct.pack_into("<QiiQ", buf, 0, self._seed, left, 1, nxt)
        buf[24:24 + 8 * _MT_N] = key.astype("<u8").tobytes()
        if self._next_double is not None:
            _struct.pack_into("<d", buf, 5024, float(self._next_double))
            _struct.pack_into("<i", buf, 5040, 1)
        if self._next_float is not None:
            _struct.pack_into("<f", buf, 5048, float(self._next_float))
            buf[5052] = 1
        return _np.frombuffer(bytes(buf), dtype=_np.uint8).copy()

    @_locked
    def _load_state_bytes(self, state):
        """Load bytes in torch's format (from ``torch.get_rng_state()`` or ``_state_bytes``)."""
        arr = _np.asarray(state)
        if arr.dtype != _np.uint8:
            raise RuntimeError(f"expected a torch.ByteTensor, but got {arr.dtype}")
        raw = arr.reshape(-1).tobytes()
        if len(raw) != _STATE_SIZE:
            raise RuntimeError(f"Expected a CPUGeneratorImplState of size {_STATE_SIZE} but found the input "
                               f"RNG state size to be {len(raw)}")
        seed, left, seeded, nxt = _struct.unpack_from("<QiiQ", raw, 0)
        key = _np.frombuffer(raw, dtype="<u8", count=_MT_N, offset=24).astype(_np.uint32)  # uint64 -> uint32
        nxt &= 0xFFFFFFFF
        if not (seeded != 0 and 0 < left <= _MT_N and nxt <= _MT_N):
            raise RuntimeError("Invalid mt19937 state")
        if left == 1:
            pos, exhausted = _MT_N, nxt
        elif left + nxt == _MT_N + 1:
            pos, exhausted = nxt, _MT_N
        else:
            raise RuntimeError(f"unsupported mt19937 state: left={left} and next={nxt} are inconsistent")
        normal_y = _struct.unpack_from("<d", raw, 5024)[0]
        normal_valid = _struct.unpack_from("<i", raw, 5040)[0]
        float_sample = _struct.unpack_from("<f", raw, 5048)[0]
        float_valid = raw[5052]
        self._bg.state = {"bit_generator": "MT19937", "state": {"key": key, "pos": pos}}
        self._seed = seed
        self._exhausted_next = exhausted
        self._next_double = normal_y if normal_valid else None
        self._next_float = _np.float32(float_sample) if float_valid else None

    def get_state(self):
        """State bytes as a numpy uint8 array (the core wraps this into a ByteTensor)."""
        return self._state_bytes()

    def set_state(self, new_state):
        self._load_state_bytes(new_state)
        return self

    @_locked
    def clone_state(self):
        """A new Generator holding a copy of this generator's state (``torch.Generator.clone_state``)."""
        g = type(self)(self.device)
        g._load_state_bytes(self._state_bytes())
        return g

    def __reduce__(self):  # pickling / copy.copy / copy.deepcopy, like torch: (seed, offset, state)
        return (type(self), (self.device,), (self.initial_seed(), None, self._state_bytes()))

    def __setstate__(self, state):
        seed, _offset, st = state
        self.manual_seed(seed)
        self._load_state_bytes(st)

    def __repr__(self):
        return f"<torchjax.Generator device={self.device} initial_seed={self._seed}>"

    # ------------------------------------------------------------------------------------------ raw words
    def _u32(self, n):
        """The next n 32-bit words (``CPUGeneratorImpl::random()``)."""
        if n <= 0:
            return _np.empty(0, _U32)
        self._exhausted_next = _MT_N
        return self._gen.integers(0, 4294967296, size=n, dtype=_np.uint32)

    def _u64(self, n):
        """The next n ``random64()`` values: (w[2i] << 32) | w[2i+1]."""
        w = self._u32(2 * n)
        out = w[0::2].astype(_U64)
        out <<= _np.uint64(32)
        out |= w[1::2]
        return out

    def _uniform24(self, n):
        """n float32 ``uniform_real_distribution<float>(0, 1)`` samples (one word each)."""
        w = self._u32(n)
        _np.bitwise_and(w, _np.uint32(0xFFFFFF), out=w)
        x = w.astype(_F32)
        x *= _F32_2M24
        return x

    def _uniform53(self, n):
        """n float64 ``uniform_real_distribution<double>(0, 1)`` samples (one random64 each)."""
        return (self._u64(n) & _np.uint64((1 << 53) - 1)).astype(_F64) * 2.0 ** -53

    def _std_normal_f64(self, k):
        """k samples of ``normal_distribution<double>(0, 1)`` incl. the generator's cached sample."""
        out = _np.empty(k, _F64)
        if k == 0:
            return out
        start = 0
        if self._next_double is not None:
            out[0] = self._next_double
            self._next_double = None
            start = 1
        need = k - start
        if need > 0:
            m = (need + 1) // 2
            u = self._uniform53(2 * m)
            u1, u2 = u[0::2], u[1::2]
            r = _np.sqrt(-2.0 * _libm("log1p")(-u2))
            theta = _TWO_PI * u1
            pairs = _np.empty((m, 2), _F64)
            pairs[:, 0] = r * _libm("cos")(theta)
            pairs[:, 1] = r * _libm("sin")(theta)
            flat = pairs.reshape(-1)
            out[start:] = flat[:need]
            if need % 2:
                self._next_double = float(flat[-1])
        return out

    # ---------------------------------------------------------------------------------------------- draws
    @_locked
    def _uniform(self, shape, dtype=None, low=0.0, high=1.0):
        """``torch.rand`` / ``Tensor.uniform_(low, high)``."""
        shape, dt = _as_shape(shape), _as_dtype(dtype)
        if dt in (_C64, _C128):
            real = self._uniform(shape + (2,), _F32 if dt == _C64 else _F64, low, high)
            return _np.ascontiguousarray(real).view(dt).reshape(shape)
        if dt not in _FLOATS:
            raise _not_impl("check_uniform_bounds", dt)
        low, high = float(low), float(high)
        fi = _finfo(dt)
        lo_lim, hi_lim = float(fi.min), float(fi.max)
        if not lo_lim <= low <= hi_lim:
            raise RuntimeError(f"from is out of bounds for {_dtype_name(dt)}")
        if not lo_lim <= high <= hi_lim:
            raise RuntimeError(f"to is out of bounds for {_dtype_name(dt)}")
        if not low <= high:
            raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found from={low} > to={high}")
        if not high - low <= hi_lim:
            raise RuntimeError(f"uniform_ expects to-from <= std::numeric_limits<{_dtype_name(dt)}>::max(), but "
                               f"found to={high} and from={low} which result in to-from to exceed the limit")
        n = _numel(shape)
        if n == 0:
            return _np.empty(shape, dt)
        std01 = low == 0.0 and high == 1.0
        if dt == _F64:
            v = self._uniform53(n)
            if not std01:
                v = _axpy64(v, high - low, low)
                v[v == high] = low
            return v.reshape(shape)
        f, t = _np.float32(low), _np.float32(high)
        v = self._uniform24(n)
        rng = _np.float32(t - f)
        if not std01:
            v = _axpy32(v, rng, f)
        out = _f32_to(v, dt)
        to_s, from_s = _np.asarray(t).astype(dt), _np.asarray(f).astype(dt)
        # values are monotone in the uniform: only check for `to` if the largest possible draw reaches it
        top = _f32_to(_axpy32(_np.array([1.0 - 2.0 ** -24], _F32), rng, f), dt)[0]
        if top >= to_s:
            out[out == to_s] = from_s
        return out.reshape(shape)

    @_locked
    def _normal(self, shape, dtype=None, mean=0.0, std=1.0, contiguous=True):
        """``torch.randn`` / ``Tensor.normal_(mean, std)`` / ``torch.normal(mean, std, size)``.

        ``contiguous=False`` reproduces torch's serial per-element path used for non-contiguous targets
        (values in the target's memory order).
        """
        shape, dt = _as_shape(shape), _as_dtype(dtype)
        mean, std = float(mean), float(std)
        if not std >= 0.0:
            raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")
        if dt in (_C64, _C128):
            real = self._normal(shape + (2,), _F32 if dt == _C64 else _F64, mean, std / _math.sqrt(2), contiguous)
            return _np.ascontiguousarray(real).view(dt).reshape(shape)
        if dt not in _FLOATS:
            raise _not_impl("normal_kernel_cpu", dt)
        n = _numel(shape)
        if n == 0:
            return _np.empty(shape, dt)
        if n < 16 or not contiguous:
            v = _axpy64(self._std_normal_f64(n), std, mean)
            return _f64_to(v, dt).reshape(shape)
        nb, tail = divmod(n, 16)
        if dt == _F64:
            u = self._uniform53(n + (16 if tail else 0))
            out = _np.empty(n, _F64)
            out[:16 * nb] = _box_muller16_f64(u[:16 * nb].reshape(nb, 16), mean, std).reshape(-1)
            if tail:
                out[n - 16:] = _box_muller16_f64(u[n:].reshape(1, 16), mean, std).reshape(-1)
            return out.reshape(shape)
        if dt == _F32:  # n uniforms (those of a partial last block are overwritten), then 16 for the tail
            out = _np.empty(n, _F32)
            _box_muller16_f32((self._u32, nb), mean, std, out[:16 * nb].reshape(nb, 16))
            if tail:
                self._u32(tail)
                out[n - 16:] = _box_muller16_f32(self._u32(16).reshape(1, 16), mean, std).reshape(-1)
            return out.reshape(shape)
        # float16 / bfloat16: 16 uniforms per block, 16 more for the tail, float32 math then cast
        blocks = nb + (1 if tail else 0)
        vals = _box_muller16_f32((self._u32, blocks), mean, std).astype(dt)
        out = _np.empty(n, dt)
        out[:16 * nb] = vals[:nb].reshape(-1)
        if tail:
            out[n - 16:] = vals[nb]
        return out.reshape(shape)

    @_locked
    def _normal_tensor(self, mean, std, shape=None, dtype=None):
        """``torch.normal(mean, std)`` with tensor (numpy array) and/or float mean/std."""
        m_is_t = isinstance(mean, _np.ndarray) or (hasattr(mean, "shape") and hasattr(mean, "dtype"))
        s_is_t = isinstance(std, _np.ndarray) or (hasattr(std, "shape") and hasattr(std, "dtype"))
        if not m_is_t and not s_is_t:
            return self._normal(shape, dtype, mean, std)
        if s_is_t:
            std = _np.asarray(std)
            if std.dtype.kind == "c":
                raise RuntimeError("normal expects standard deviation to be non-complex")
            if std.size and not bool(_np.all(std.astype(_F64) >= 0)):
                raise RuntimeError("normal expects all elements of std >= 0.0")
        if m_is_t and not s_is_t:  # normal(Tensor mean, double std)
            mean = _np.asarray(mean)
            std = float(std)
            if not std >= 0.0:
                raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")
            dt = mean.dtype
            out = self._normal(mean.shape, dt, 0.0, std)
            return _binop(out, mean, "add", dt)
        if s_is_t and not m_is_t:  # normal(double mean, Tensor std)
            dt = std.dtype
            out = self._normal(std.shape, dt, 0.0, 1.0)
            out = _binop(out, std, "mul", dt)
            return _binop(out, _np.asarray(float(mean)).astype(dt) if dt not in _REDUCED
                          else _np.asarray(float(mean)).astype(_F32).astype(dt), "add", dt)
        mean = _np.asarray(mean)
        dt = mean.dtype
        shp = _np.broadcast_shapes(mean.shape, std.shape)
        out = self._normal(shp, dt, 0.0, 1.0)
        out = _binop(out, std, "mul", dt)
        return _binop(out, mean, "add", dt)

    @_locked
    def _randint(self, shape, dtype=None, low=0, high=None):
        """``torch.randint(low, high, shape)`` / ``Tensor.random_(from, to)`` (``high=None``: ``random_(from)``)."""
        shape, dt = _as_shape(shape), _as_dtype(dtype, _I64)
        low = int(low)
        if dt.kind == "c":
            raise _not_impl("random_from_to_range_calc", dt)
        n = _numel(shape)
        if high is not None:
            high = int(high)
            if not low < high:
                raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}")
            if dt in _FLOATS:
                low, high = _update_from(low, dt), _update_to(high, dt)
                if not low < high:
                    raise RuntimeError("random_ expects 'from' casted to dtype to be less than 'to' casted to dtype, "
                                       f"but got from={low} >= to={high}")
            _check_from_to_in_range(low, high - 1, dt)
            if n == 0:
                return _np.empty(shape, dt)
            return self._random_from_to(n, dt, (high - low) & _M64, low).reshape(shape)
        if low != _INT64_MIN:
            if dt in _FLOATS:
                to_inc = min(1 << _DIGITS[dt], _INT64_MAX)
                low = _update_from(low, dt)
                if not low < to_inc:
                    raise RuntimeError("random_ expects 'from' casted to dtype to be less than or equal to 'to_inc' "
                                       f"casted to dtype, but got from={low} > to_inc={to_inc}")
            elif dt == _BOOL:
                to_inc = 1
            elif dt in _INTEGRAL:
                mx = int(_np.iinfo(dt).max)
                to_inc = mx if mx <= _INT64_MAX else mx - (1 << 64)  # static_cast<int64_t>
            else:
                raise RuntimeError("random_from_to_impl handles only integral, floating-point and boolean types")
            _check_from_to_in_range(low, to_inc, dt)
            if n == 0:
                return _np.empty(shape, dt)
            return self._random_from_to(n, dt, (to_inc - low + 1) & _M64, low).reshape(shape)
        if n == 0:
            return _np.empty(shape, dt)
        if dt not in (_I64, _F64, _F32, _BF16):
            raise RuntimeError("random_full_64_bits_range_kernel_cpu handles only int64, double, float and bfloat16")
        return _i64_to(self._u64(n).view(_I64), dt).reshape(shape)

    def _random_from_to(self, n, dt, rng, base):
        if dt not in _ALL_TYPES + (_BOOL, _F16, _BF16, _U16, _U32, _U64):
            raise _not_impl("random_from_to_kernel_cpu", dt)
        if rng >= 1 << 28:
            v = (self._u64(n) % _np.uint64(rng)).view(_I64)
        else:
            v = (self._u32(n) % _np.uint32(rng)).astype(_I64)
        with _np.errstate(over="ignore"):
            v = v + _np.int64(base)  # wraps like the uint64 arithmetic in ATen
        return _i64_to(v, dt)

    @_locked
    def _random(self, shape, dtype=None):
        """``Tensor.random_()`` without bounds: [0, max] for integers, [0, 2**digits] for floats."""
        shape, dt = _as_shape(shape), _as_dtype(dtype, _I64)
        if dt not in _ALL_TYPES + (_BOOL, _F16, _BF16):
            raise _not_impl("random_kernel_cpu", dt)
        n = _numel(shape)
        if n == 0:
            return _np.empty(shape, dt)
        if dt == _I64:
            out = (self._u64(n) & _np.uint64(_INT64_MAX)).view(_I64)
        elif dt == _F64:
            out = (self._u64(n) % _np.uint64((1 << 53) + 1)).astype(_F64)
        elif dt == _BOOL:
            out = (self._u32(n) & _np.uint32(1)).astype(_BOOL)
        else:
            w = self._u32(n)
            if dt in _FLOATS:
                out = (w % _np.uint32((1 << _DIGITS[dt]) + 1)).astype(_F32).astype(dt)
            else:
                out = (w % _np.uint32(int(_np.iinfo(dt).max) + 1)).astype(dt)
        return out.reshape(shape)

    @_locked
    def _randperm(self, n, dtype=None):
        """``torch.randperm(n)``."""
        dt = _as_dtype(dtype, _I64)
        n = int(n)
        if n < 0:
            raise RuntimeError(f"n must be non-negative, got{n}")
        if dt not in _ALL_TYPES + (_F16, _BF16):
            raise _not_impl("randperm", dt)
        limits = {_F16: (1 << 11) + 1, _F32: (1 << 24) + 1, _F64: (1 << 53) + 1}
        if dt in limits and n > limits[dt]:
            raise RuntimeError(f"n cannot be greater than {limits[dt]} for {_dtype_name(dt)} type.")
        if dt in _INTEGRAL and n > 0 and n - 1 > int(_np.iinfo(dt).max):
            raise RuntimeError(f"n is too large for result tensor type: '{_dtype_name(dt)}'")
        if n < _RANDPERM_SMALL:
            perm = _fisher_yates(self._u32(n - 1), n) if n > 1 else _np.arange(n, dtype=_I64)
        else:
            perm = _inside_out(self._u64(n), n)
        return _i64_to(perm, dt)

    @_locked
    def _bernoulli_scalar(self, shape, dtype=None, p=0.5):
        """``Tensor.bernoulli_(p)`` / ``torch.bernoulli(x, p=p)`` for a float p."""
        shape, dt = _as_shape(shape), _as_dtype(dtype)
        p = float(p)
        if not 0 <= p <= 1:
            raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={p}")
        if dt not in _ALL_TYPES + (_BOOL, _F16, _BF16):
            raise _not_impl("bernoulli_scalar_cpu_", dt)
        n = _numel(shape)
        if n == 0:
            return _np.empty(shape, dt)
        return (self._uniform53(n) < p).astype(dt).reshape(shape)

    @_locked
    def _bernoulli_tensor(self, p, dtype=None, shape=None):
        """``torch.bernoulli(p)`` (dtype/shape of p) or ``x.bernoulli_(p)`` (dtype/shape of x, p broadcast)."""
        p = _np.asarray(p)
        dt = _as_dtype(dtype, p.dtype)
        shape = p.shape if shape is None else _as_shape(shape)
        if p.dtype not in _FLOATS:
            raise _not_impl("bernoulli_tensor_cpu_p_", p.dtype)
        if dt not in _ALL_TYPES + (_BOOL, _F16, _BF16):
            raise _not_impl("bernoulli_tensor_cpu_self_", dt)
        n = _numel(shape)
        if n == 0:
            return _np.empty(shape, dt)
        pb = _np.broadcast_to(p, shape).reshape(-1)
        pf = pb.astype(_F64)
        if not bool(_np.all((pf >= 0) & (pf <= 1))):
            raise RuntimeError("Expected p_in >= 0 && p_in <= 1 to be true, but got false.")
        if p.dtype == _F64:
            m = self._uniform53(n) < pf
        else:
            m = self._uniform24(n) < pb.astype(_F32)
        return m.astype(dt).reshape(shape)

    def _dropout_mask(self, shape, dtype=None, p=0.5):
        """Keep-mask (bool) of ``F.dropout(x, p, training=True)`` on the CPU: ``bernoulli_(1 - p)``.

        For ``dropout1d/2d/3d`` (feature dropout) pass ``shape = (N, C, 1, ..., 1)``.
        p == 0 and p == 1 consume nothing (torch does not draw then).
        """
        shape = _as_shape(shape)
        p = float(p)
        if not 0 <= p <= 1:
            raise RuntimeError(f"dropout probability has to be between 0 and 1, but got {p}")
        if p == 0:
            return _np.ones(shape, bool)
        if p == 1:
            return _np.zeros(shape, bool)
        return self._bernoulli_scalar(shape, _BOOL, 1.0 - p)

    def _dropout_noise(self, shape, dtype=None, p=0.5, alpha=False):
        """torch's ``noise`` (and ``b`` for alpha dropout): ``out = x * noise`` (``+ b``), exact in dtype.

        Returns ``(noise, b)``; ``b`` is None unless ``alpha``.  p == 0 returns (None, None): torch
        returns the input unchanged; p == 1 returns zeros (``x * 0``) without drawing.
        """
        shape, dt = _as_shape(shape), _as_dtype(dtype)
        p = float(p)
        if not 0 <= p <= 1:
            raise RuntimeError(f"dropout probability has to be between 0 and 1, but got {p}")
        if p == 0:
            return None, None
        if p == 1:
            return _np.zeros(shape, dt), None
        noise = self._bernoulli_scalar(shape, dt, 1.0 - p)
        if not alpha:
            return _binop(noise, _scalar_operand(1.0 - p, dt), "div", dt), None
        alpha_c = 1.7580993408473766
        a = 1.0 / _math.sqrt((alpha_c * alpha_c * p + 1) * (1 - p))
        b = _binop(noise, _scalar_operand(-1.0, dt), "add", dt)
        b = _binop(b, _scalar_operand(alpha_c * a, dt), "mul", dt)
        b = _binop(b, _scalar_operand(alpha_c * a * p, dt), "add", dt)
        noise = _binop(noise, _scalar_operand(a, dt), "mul", dt)
        return noise, b

    @_locked
    def _multinomial(self, probs, num_samples, replacement=False):
        """``torch.multinomial(probs, num_samples, replacement)`` for 1-d / 2-d probs (int64 result)."""
        probs = _np.asarray(probs)
        dt = probs.dtype
        if dt not in _FLOATS:
            raise RuntimeError("multinomial only supports floating-point dtypes for input, got: " + _dtype_name(dt))
        if probs.ndim not in (1, 2):
            raise RuntimeError("prob_dist must be 1 or 2 dim")
        num_samples = int(num_samples)
        if num_samples <= 0:
            raise RuntimeError("cannot sample n_sample <= 0 samples")
        n_cat = probs.shape[-1]
        if not (replacement or num_samples <= n_cat):
            raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without replacement")
        if n_cat > (1 << 24):
            raise RuntimeError("number of categories cannot exceed 2^24")
        rows = probs.reshape(-1, n_cat) if probs.ndim == 2 else probs.reshape(1, n_cat)
        out_shape = (num_samples,) if probs.ndim == 1 else (probs.shape[0], num_samples)
        if rows.size == 0 or _numel(out_shape) == 0:
            return _np.empty(out_shape, _I64)
        if not replacement or num_samples == 1:
            r64 = rows.astype(_F64)
            if not bool(_np.all(r64 < _np.inf) and _np.all(r64 >= 0)):
                raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
            if bool(_np.any(rows.astype(_F64).sum(axis=1) == 0)):
                raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
            q = self._exponential_impl(rows.size, dt, 1.0).reshape(rows.shape)
            q = _binop(rows, q, "div", dt)
            res = _np.empty((rows.shape[0], num_samples), _I64)
            for i in range(rows.shape[0]):
                row = q[i]
                if num_samples == 1:
                    isn = _np.isnan(row.astype(_F64))
                    res[i, 0] = int(_np.argmax(isn)) if isn.any() else int(_np.argmax(row))
                else:
                    res[i] = _topk_largest_indices(row, num_samples)
            return res.reshape(out_shape)
        acc = _F64 if dt == _F64 else _F32
        res = _np.empty((rows.shape[0], num_samples), _I64)
        for i in range(rows.shape[0]):
            vals = rows[i].astype(acc)
            if not bool(_np.all(vals >= 0)):
                raise RuntimeError("invalid multinomial distribution (encountering probability entry < 0)")
            if not bool(_np.all(_np.isfinite(vals))):
                raise RuntimeError("invalid multinomial distribution (encountering probability entry = infinity or NaN)")
            cum = _np.add.accumulate(vals, dtype=acc)  # sequential, like the C++ loop
            total = cum[-1]
            if not total > 0:
                raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
            cum = cum / total
            cum[-1] = 1
            u = self._uniform53(num_samples)
            res[i] = _np.searchsorted(cum.astype(_F64), u, side="left")
        return res.reshape(out_shape)

    def _exponential_impl(self, n, dt, lambd):
        u = self._uniform53(n)
        v = (-1.0 / lambd) * _libm("log1p")(-u)
        return _f64_to(v, dt)

    @_locked
    def _exponential(self, shape, dtype=None, lambd=1.0):
        """``Tensor.exponential_(lambd)``."""
        shape, dt = _as_shape(shape), _as_dtype(dtype)
        lambd = float(lambd)
        if not lambd > 0.0:
            raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={lambd}")
        if dt not in _FLOATS:
            raise RuntimeError("Exponential distribution is a continuous probability distribution. dtype must be a "
                               f"floating point but you specified {_dtype_name(dt)}")
        n = _numel(shape)
        if n == 0:
            return _np.empty(shape, dt)
        return self._exponential_impl(n, dt, lambd).reshape(shape)

    @_locked
    def _geometric(self, shape, dtype=None, p=0.5):
        """``Tensor.geometric_(p)``."""
        shape, dt = _as_shape(shape), _as_dtype(dtype)
        p = float(p)
        if not 0 < p < 1:
            raise RuntimeError(f"geometric_ expects p to be in (0, 1), but got p={p}")
        if dt not in _ALL_TYPES + (_F16, _BF16):
            raise _not_impl("geometric_cpu", dt)
        n = _numel(shape)
        if n == 0:
            return _np.empty(shape, dt)
        u = self._uniform53(n)
        with _np.errstate(divide="ignore", invalid="ignore"):
            v = _np.ceil(_libm("log")(u) / _libm("log1p")(_np.float64(-p)))
        return _f64_to(v, dt).reshape(shape)

    @_locked
    def _cauchy(self, shape, dtype=None, median=0.0, sigma=1.0):
        """``Tensor.cauchy_(median, sigma)``."""
        shape, dt = _as_shape(shape), _as_dtype(dtype)
        median, sigma = float(median), float(sigma)
        if not sigma > 0.0:
            raise RuntimeError(f"cauchy_ expects sigma > 0.0, but found sigma={sigma}")
        if dt not in _FLOATS:
            raise RuntimeError("Cauchy distribution is a continuous probability distribution. dtype must be a "
                               f"floating point but you specified {_dtype_name(dt)}")
        n = _numel(shape)
        if n == 0:
            return _np.empty(shape, dt)
        t = _libm("tan")(_np.pi * (self._uniform53(n) - 0.5))
        return _f64_to(_axpy64(t, sigma, median), dt).reshape(shape)

    @_locked
    def _log_normal(self, shape, dtype=None, mean=1.0, std=2.0):
        """``Tensor.log_normal_(mean, std)`` (uses the cached double normal like torch)."""
        shape, dt = _as_shape(shape), _as_dtype(dtype)
        mean, std = float(mean), float(std)
        if not std > 0.0:
            raise RuntimeError(f"log_normal_ expects std > 0.0, but found std={std}")
        if dt not in _FLOATS:
            raise _not_impl("log_normal_cpu", dt)
        n = _numel(shape)
        if n == 0:
            return _np.empty(shape, dt)
        v = _libm("exp")(_axpy64(self._std_normal_f64(n), std, mean))
        return _f64_to(v, dt).reshape(shape)

    # ------------------------------------------------------------------------------------------------- jax
    @_locked
    def _jax_key(self, typed=True):
        """A ``jax.random`` key for compiled code, derived from (and advancing) this generator.

        Consumes exactly two 32-bit words (like one ``random64``) and uses them as the threefry2x32 key
        data, so a program that seeds with ``manual_seed`` gets reproducible keys run after run.  Values
        drawn from these keys come from JAX's counter-based generator and therefore differ from torch's.
        """
        import jax  # local: the rest of the module does not need jax

        data = self._u32(2)
        if typed:
            return jax.random.wrap_key_data(jax.numpy.asarray(data, dtype=jax.numpy.uint32), impl="threefry2x32")
        return jax.numpy.asarray(data, dtype=jax.numpy.uint32)


# ----------------------------------------------------------------------------------------------------------
# helpers for torch's elementwise arithmetic on the draws (normal(mean_t, std_t), dropout noise)
# ----------------------------------------------------------------------------------------------------------
def _scalar_operand(x, dt):
    """A Python number as ATen uses it in a tensor-scalar op on a ``dt`` tensor (opmath precision)."""
    return _ScalarOperand(x)


class _ScalarOperand:
    __slots__ = ("value",)

    def __init__(self, value):
        self.value = float(value)


def _binop(a, b, op, dt):
    """``a op b`` stored as ``dt`` the way ATen's CPU kernels compute it.

    Tensor-tensor: computed in the promoted dtype (float32 for float16/bfloat16).  Tensor-scalar
    (``_ScalarOperand``): the scalar does not promote; it is used as float64 for double tensors and as
    float32 otherwise (reduced floats compute in float32; for ``add`` the scalar is rounded to the
    reduced dtype first, for ``mul``/``div`` it is not -- both checked against torch).
    """
    a = _np.asarray(a)
    if isinstance(b, _ScalarOperand):
        comp = _F64 if a.dtype == _F64 else _F32
        if op == "add" and a.dtype in _REDUCED:  # add: the scalar is first cast to the tensor's dtype
            cb = _np.float32(_np.float32(b.value).astype(a.dtype))
        else:  # mul/div: float32 "opmath" scalar (ATen's reduced-float scalar fast path)
            cb = comp.type(b.value)
    else:
        b = _np.asarray(b)
        if b.ndim == 0 and a.ndim > 0:  # a 0-dim tensor does not promote a dimensioned one
            common = a.dtype
        elif a.dtype in _REDUCED and b.dtype in _REDUCED and a.dtype != b.dtype:
            common = _F32
        else:
            common = _np.result_type(a.dtype, b.dtype)
        comp = _F32 if (common in _REDUCED or common.itemsize < 4) else common
        cb = b.astype(comp)
    fn = {"add": _np.add, "mul": _np.multiply, "div": _np.true_divide}[op]
    with _np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        r = fn(a.astype(comp), cb)
    return _np.asarray(r).astype(dt)


def _int_through(x, dt):
    """static_cast<int64_t>(static_cast<scalar_t>(x)) for a floating dtype."""
    v = _np.array(x, dtype=_I64)
    f = v.astype(_F32).astype(dt) if dt in _REDUCED else v.astype(dt)
    f = float(f)
    if not _math.isfinite(f) or not -9.223372036854775808e18 <= f < 9.223372036854775808e18:
        return _INT64_MIN
    return int(f)


def _update_from(frm, dt):
    fp1 = _int_through(frm + 1, dt)
    if fp1 < frm:
        f = abs(frm + 1)
        nbits = max(f.bit_length() - 1, 0)
        frm = fp1 + (1 << (nbits - _DIGITS[dt] + 1))
    return frm


def _update_to(to, dt):
    tm1 = _int_through(to - 1, dt)
    if tm1 >= to:
        t = abs(to - 1)
        nbits = max(t.bit_length() - 1, 0)
        to = tm1 - (1 << (nbits - _DIGITS[dt] + 1))
    return to


def _check_from_to_in_range(frm, to_inc, dt):
    name = _dtype_name(dt)
    if dt in _FLOATS:
        fi = _finfo(dt)
        lo, hi = float(fi.min), float(fi.max)
        if not lo <= frm <= hi:
            raise RuntimeError(f"from is out of bounds for {name}")
        if not lo <= to_inc <= hi:
            raise RuntimeError(f"to - 1 is out of bounds for {name}")
        digits = _DIGITS[dt]
        for var, what in ((frm, "from"), (to_inc, "to - 1")):
            if var < -(1 << digits) or var > (1 << digits):
                _warnings.warn(f"{what} is out of bounds [-(2^{digits}), 2^{digits}]. Due to precision limitations "
                               f"{name} can support discrete uniform distribution only within this range.",
                               stacklevel=3)
    elif dt == _U64:
        if not 0 <= frm <= _INT64_MAX:
            raise RuntimeError(f"from is out of bounds for {name}")
        if not 0 <= to_inc <= _INT64_MAX:
            raise RuntimeError(f"to - 1 is out of bounds for {name}")
    elif dt == _BOOL or dt in _INTEGRAL:
        lo, hi = (0, 1) if dt == _BOOL else (int(_np.iinfo(dt).min), int(_np.iinfo(dt).max))
        if not lo <= frm <= hi:
            raise RuntimeError(f"from is out of bounds for {name}")
        if not lo <= to_inc <= hi:
            raise RuntimeError(f"to - 1 is out of bounds for {name}")
    else:
        raise RuntimeError("check_random_bounds handles only integral, floating-point and boolean types")


# ----------------------------------------------------------------------------------------------------------
# module-level default generator
# ----------------------------------------------------------------------------------------------------------
default_generator = Generator()
default_generator.seed()  # torch seeds its default CPU generator non-deterministically at startup


def manual_seed(seed):
    """``torch.manual_seed``: seeds the default generator, returns it."""
    return default_generator.manual_seed(int(seed))


def seed():
    """``torch.seed``: non-deterministic reseed of the default generator; returns the seed."""
    return default_generator.seed()


def initial_seed():
    """``torch.initial_seed``: the seed the default generator was last seeded with."""
    return default_generator.initial_seed()
