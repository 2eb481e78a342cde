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
from ._random_kernels import (  # noqa: F401
    DEFAULT_RNG_SEED,
    _ALL_TYPES,
    _BF16,
    _BOOL,
    _C128,
    _C64,
    _DIGITS,
    _F16,
    _F32,
    _F32_2M24,
    _F64,
    _FLOATS,
    _I64,
    _INT64_MAX,
    _INT64_MIN,
    _INTEGRAL,
    _M64,
    _MT_N,
    _RANDPERM_SMALL,
    _REDUCED,
    _STATE_SIZE,
    _TWO_PI,
    _U16,
    _U32,
    _U64,
    _as_dtype,
    _as_shape,
    _axpy32,
    _axpy64,
    _box_muller16_f32,
    _box_muller16_f64,
    _dtype_name,
    _f32_to,
    _f64_to,
    _finfo,
    _fisher_yates,
    _i64_to,
    _inside_out,
    _libm,
    _not_impl,
    _numel,
    _topk_largest_indices,
)


_GENERATORS = _weakref.WeakSet()

# Set by torchjax._compile while code is being traced for compilation: fn(generator, typed) -> a JAX key for one
# draw (derived from a key that is an input of the compiled computation, drawn from the generator at every call).
_trace_keys = [None]


def _no_host_draw_in_trace():
    raise NotImplementedError("torchjax: this random function draws from the CPU generator on the host, which is not "
                              "supported inside compiled code (torch.compile / torchjax.compile); rand, randn, "
                              "randint, dropout, bernoulli_, uniform_, normal_ and exponential_ are")


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
        """torch's state bytes as a uint8 tensor."""
        from ._ops.creation import from_numpy
        return from_numpy(self._state_bytes())

    def set_state(self, new_state):
        if hasattr(new_state, "_host_values"):
            if str(new_state.dtype) != "torch.uint8":
                raise TypeError(f"expected a torch.ByteTensor, but got {new_state.type()}")
            new_state = _np.asarray(new_state._host_values())
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
        return f"<torch._C.Generator object at {hex(id(self))}>"

    # ------------------------------------------------------------------------------------------ raw words
    def _u32(self, n):
        """The next n 32-bit words (``CPUGeneratorImpl::random()``)."""
        if _trace_keys[0] is not None:
            _no_host_draw_in_trace()
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

        if _trace_keys[0] is not None:
            return _trace_keys[0](self, typed)
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

