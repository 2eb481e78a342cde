"""Native CPU kernels, registered with XLA as FFI custom calls.

The C++ sources in this folder are compiled on first use with the machine's C++ compiler (``$CXX``, else ``c++``
or ``g++``) for the CPU it runs on, and cached under ``$TORCHJAX_CACHE_DIR`` (default ``~/.cache/torchjax``).
Where no compiler works, ``library()`` returns None and callers keep their pure-JAX lowering, so nothing but
speed depends on this. ``TORCHJAX_NATIVE=0`` turns the native kernels off.
"""
import ctypes
import functools
import hashlib
import os
import platform
import shutil
import subprocess
import tempfile
import threading

import jax
import jaxlib
import numpy as np
from jax._src import dispatch
from jax.extend.core import Primitive
from jax.interpreters import batching, mlir

_SOURCES = ("conv2d.cc", "max_pool2x2.cc")
_HEADERS = ("parallel.h", "vec8.h")
_FLAGS = ("-O3", "-march=native", "-std=c++17", "-shared", "-fPIC", "-w")
_lock = threading.Lock()
_state = {}


def _compiler():
    for name in (os.environ.get("CXX"), "c++", "g++", "clang++"):
        if name and shutil.which(name):
            return shutil.which(name)
    return None


def _cpu_signature():
    try:
        with open("/proc/cpuinfo") as f:
            return next((line for line in f if line.startswith(("flags", "Features"))), "")
    except OSError:
        return platform.processor()


def _cache_dir():
    root = os.environ.get("TORCHJAX_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "torchjax")
    return os.path.join(root, "csrc")


def _build(cxx):
    here = os.path.dirname(__file__)
    key = hashlib.sha256()
    for part in (cxx, *_FLAGS, jaxlib.__version__, platform.machine(), _cpu_signature()):
        key.update(part.encode())
    for name in _SOURCES + _HEADERS:
        with open(os.path.join(here, name), "rb") as f:
            key.update(f.read())
    out_dir = _cache_dir()
    os.makedirs(out_dir, exist_ok=True)
    target = os.path.join(out_dir, f"libtorchjax_cpu-{key.hexdigest()[:16]}.so")
    if not os.path.exists(target):
        fd, tmp = tempfile.mkstemp(suffix=".so", dir=out_dir)
        os.close(fd)
        try:
            sources = [os.path.join(here, s) for s in _SOURCES]
            cmd = [cxx, *_FLAGS, "-I", jax.ffi.include_dir(), "-I", here, *sources, "-o", tmp]
            subprocess.run(cmd, check=True, capture_output=True, text=True)
            os.replace(tmp, target)  # atomic: concurrent builders (test workers) each write their own file
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
    return target


def library():
    """The loaded native library, built if needed, or None where it cannot be built (the reason: ``error()``)."""
    with _lock:
        if "lib" not in _state:
            _state["lib"], _state["error"] = None, None
            if os.environ.get("TORCHJAX_NATIVE", "1") == "0":
                _state["error"] = "disabled by TORCHJAX_NATIVE=0"
            elif (cxx := _compiler()) is None:
                _state["error"] = "no C++ compiler found (set CXX)"
            else:
                try:
                    _state["lib"] = ctypes.cdll.LoadLibrary(_build(cxx))
                except (OSError, subprocess.CalledProcessError) as e:
                    _state["error"] = getattr(e, "stderr", None) or str(e)
        return _state["lib"]


def error():
    """Why ``library()`` returned None, or None."""
    library()
    return _state["error"]


@functools.cache
def _registered(target):
    lib = library()
    if lib is None:
        return False
    jax.ffi.register_ffi_target(target, jax.ffi.pycapsule(getattr(lib, target)), platform="cpu")
    return True


def _native_ok(ctx, target):
    if ctx.module_context.lowering_parameters.for_export:
        return False  # an exported computation must not name a handler that only this process has
    avals = (*ctx.avals_in, *ctx.avals_out)
    if not all(isinstance(d, int) for v in avals for d in v.shape):
        return False
    if any(np.issubdtype(v.dtype, np.floating) and v.dtype != np.float32 for v in avals):
        return False
    return _registered(target)


def primitive(name, target, reference, abstract_eval, attributes, multiple_results=False):
    """A JAX primitive that runs the native FFI handler `target` on the CPU, and `reference` (pure JAX, the same
    values) wherever it cannot: other platforms, inside ``jax.export``, dtypes other than float32, symbolic shapes,
    no compiler, and under ``vmap``. `attributes(**params)` gives the handler's integer attributes."""
    p = Primitive(name)
    p.multiple_results = multiple_results
    p.def_impl(functools.partial(dispatch.apply_primitive, p))
    p.def_abstract_eval(abstract_eval)
    portable = mlir.lower_fun(reference, multiple_results=multiple_results)
    native = jax.ffi.ffi_lowering(target)

    def cpu_lowering(ctx, *args, **params):
        if not _native_ok(ctx, target):
            return portable(ctx, *args, **params)
        return native(ctx, *args, **{k: np.int64(v) for k, v in attributes(**params).items()})

    def batch(args, dims, **params):
        out = jax.vmap(functools.partial(reference, **params), dims)(*args)
        return out, ([0] * len(out) if multiple_results else 0)

    mlir.register_lowering(p, portable)
    mlir.register_lowering(p, cpu_lowering, platform="cpu")
    batching.primitive_batchers[p] = batch
    return p


def available():
    """Whether the native kernels can run here (built, loaded and registered with XLA)."""
    return library() is not None
