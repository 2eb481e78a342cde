"""The op registry: each op is written once as a torch-facing function; its variants are derived here.

`@op(...)` registers `fn(input, ...)` as `torch.<name>` (or another namespace), `Tensor.<name>`, the in-place
`Tensor.<name>_` (computes out of place, then assigns into self through every view), and `out=`.
"""
import functools
import warnings

from .._tensor import Tensor

FUNCTIONS = {}  # namespace -> {name: callable}


def _add_function(namespace, name, f):
    FUNCTIONS.setdefault(namespace, {})[name] = f


def op(name=None, *, method=True, function=True, inplace=False, out=False, namespace="torch", aliases=(),
       method_only_aliases=(), out_alias_ok=True, out_exact_dtype=False):
    """out_alias_ok=False: out= may not share memory with an input or overlap itself (torch's index/cat ops);
    out_exact_dtype=True: out= must already have the result's dtype (no casting)."""
    def deco(fn):
        n = name or fn.__name__
        public = _with_out(fn, n, out_alias_ok, out_exact_dtype) if out else fn
        public.__name__ = n
        public.__qualname__ = n
        if function:
            for a in (n,) + tuple(aliases):
                _add_function(namespace, a, public)
        if method:
            for a in (n,) + tuple(aliases) + tuple(method_only_aliases):
                setattr(Tensor, a, fn)
        if inplace:
            ip = _make_inplace(fn, n)
            for a in (n,) + tuple(aliases) + tuple(method_only_aliases):
                setattr(Tensor, a + "_", ip)
            if function and namespace == "torch":
                _add_function(namespace, n + "_", ip)
        return fn
    return deco


def method(name=None):
    """Register a Tensor method that is not also a torch function."""
    def deco(fn):
        setattr(Tensor, name or fn.__name__, fn)
        return fn
    return deco


def function(name=None, namespace="torch", aliases=()):
    def deco(fn):
        for a in (name or fn.__name__,) + tuple(aliases):
            _add_function(namespace, a, fn)
        return fn
    return deco


def _make_inplace(fn, name):
    def inplace(self, *args, **kwargs):
        return self._assign(fn(self, *args, **kwargs))
    inplace.__name__ = name + "_"
    return inplace


def _with_out(fn, name, alias_ok=True, exact_dtype=False):
    @functools.wraps(fn)
    def with_out(*args, out=None, **kwargs):
        if out is not None and not alias_ok:
            check_out_alias(out, (args, kwargs))
        r = fn(*args, **kwargs)
        if out is None:
            return r
        if exact_dtype:
            for o, x in zip(out if isinstance(out, (tuple, list)) else (out,),
                            r if isinstance(r, tuple) else (r,)):
                if isinstance(o, Tensor) and isinstance(x, Tensor) and o._dtype is not x._dtype:
                    from .. import _dtype as D
                    raise RuntimeError(f"Expected out tensor to have dtype {D._scalar_name(x._dtype).lower()}, but "
                                       f"got {D._scalar_name(o._dtype).lower()} instead")
        return copy_out(out, r, name)
    return with_out


def _tensors_in(x, acc):
    if isinstance(x, Tensor):
        acc.append(x)
    elif isinstance(x, (tuple, list)):
        for v in x:
            _tensors_in(v, acc)
    elif isinstance(x, dict):
        for v in x.values():
            _tensors_in(v, acc)
    return acc


def check_out_alias(out, inputs):
    """torch's assert_no_internal_overlap / assert_no_overlap for ops whose out= may not alias an input."""
    outs = _tensors_in(out, [])
    ins = _tensors_in(inputs, [])
    for o in outs:
        if o._has_overlap():
            raise RuntimeError("unsupported operation: more than one element of the written-to tensor refers to a "
                               "single memory location. Please clone() the tensor before performing the operation.")
        for t in ins:
            if t._storage is o._storage:
                raise RuntimeError("unsupported operation: some elements of the input tensor and the written-to "
                                   "tensor refer to a single memory location. Please clone() the tensor before "
                                   "performing the operation.")


def copy_out(out, r, name):
    from ..autograd import grad_mode
    if isinstance(r, tuple):
        if not isinstance(out, (tuple, list)) or len(out) != len(r):
            raise TypeError(f"{name}(): argument 'out' must be tuple of Tensors")
        for o, x in zip(out, r):
            copy_out(o, x, name)
        return out if type(r) is tuple else type(r)(*out)
    if not isinstance(out, Tensor):
        raise TypeError(f"{name}(): argument 'out' must be Tensor, not {type(out).__name__}")
    if grad_mode.state.enabled and (r.requires_grad or out.requires_grad):
        raise RuntimeError(f"{name}(): functions with out=... arguments don't support automatic differentiation, "
                           f"but one of the arguments requires grad.")
    from .. import _dtype as D
    if r.dtype is not out.dtype and not D.can_cast(r.dtype, out.dtype):
        raise RuntimeError(f"result type {D._scalar_name(r.dtype)} can't be cast to the desired output type "
                           f"{D._scalar_name(out.dtype)}")
    if r.device != out.device:
        raise RuntimeError(f"Expected out tensor to have device {r.device}, but got {out.device} instead")
    if tuple(out.shape) != tuple(r.shape):
        if out.numel() != 0:
            warnings.warn(f"An output with one or more elements was resized since it had shape {list(out.shape)}, "
                          f"which does not match the required output shape {list(r.shape)}. This behavior is "
                          f"deprecated, and in a future PyTorch release outputs will not be resized unless they "
                          f"have zero elements. You can explicitly reuse an out tensor t by resizing it, inplace, to "
                          f"zero elements with t.resize_(0).", UserWarning, stacklevel=3)
        out._set_value(r.to(out.dtype)._value())
    else:
        out._write(r.to(out.dtype)._value())
    return out
