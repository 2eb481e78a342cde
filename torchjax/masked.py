"""torch.masked (strided tensors): reductions and normalizations that ignore masked-out elements.

Each function replaces masked-out elements with the identity of its reduction (0 for sums, 1 for products,
-inf for maxima and softmax, ...) and then runs the ordinary op, which is what torch.masked defines for strided
inputs. Sparse layouts and MaskedTensor are not supported."""
import math

from . import _dtype as D
from ._tensor import Tensor, _wrap_dim

__all__ = ["amax", "amin", "argmax", "argmin", "cumprod", "cumsum", "log_softmax", "logaddexp", "logsumexp", "mean",
           "median", "norm", "normalize", "prod", "softmax", "softmin", "std", "sum", "var"]

_PROMOTE_INT = (D.uint8, D.bool, D.int8, D.int16, D.int32)


def _t():
    import torchjax
    return torchjax


def _dims(dim, ndim):
    if dim is None or (isinstance(dim, (tuple, list)) and len(dim) == 0):
        return tuple(range(ndim))
    if isinstance(dim, int):
        dim = (dim,)
    out = []
    for d in dim:
        w = _wrap_dim(d, ndim)
        if w in out:
            raise RuntimeError(f"dim={w} appears multiple times in the list of dims")
        out.append(w)
    return tuple(sorted(out))


def _mask(input, mask):
    if mask is None:
        return _t().ones(tuple(input.shape), dtype=D.bool, device=input.device)
    if not isinstance(mask, Tensor):
        raise TypeError(f"mask must be a Tensor, got {type(mask).__name__}")
    return mask.expand(tuple(input.shape)).to(D.bool) if tuple(mask.shape) != tuple(input.shape) else \
        mask.to(D.bool)


def _extreme(input, largest):
    dt = input.dtype
    if dt.is_floating_point or dt.is_complex:
        return -math.inf if largest else math.inf
    info = D.iinfo(dt) if dt is not D.bool else None
    if info is None:
        return False if largest else True
    return info.min if largest else info.max


def _fill(input, mask, value):
    return _t().where(_mask(input, mask), input, _t().tensor(value, dtype=input.dtype, device=input.device))


def _sum_dtype(input, dtype):
    if dtype is not None:
        return dtype
    return D.int64 if input.dtype in _PROMOTE_INT else input.dtype


def sum(input, dim=None, *, keepdim=False, dtype=None, mask=None):  # noqa: A001
    return _t().sum(_fill(input, mask, 0), _dims(dim, input.ndim), bool(keepdim), dtype=_sum_dtype(input, dtype))


def prod(input, dim=None, *, keepdim=False, dtype=None, mask=None):
    r = _fill(input, mask, 1).to(_sum_dtype(input, dtype))
    for d in reversed(_dims(dim, input.ndim)):
        r = r.prod(dim=d, keepdim=bool(keepdim))
    return r


def cumsum(input, dim, *, dtype=None, mask=None):
    dtype = dtype or input.dtype
    return _t().cumsum(_fill(input, mask, 0), _dims(dim, input.ndim)[0], dtype=dtype).to(dtype)


def cumprod(input, dim, *, dtype=None, mask=None):
    dtype = dtype or input.dtype
    return _t().cumprod(_fill(input, mask, 1), _dims(dim, input.ndim)[0], dtype=dtype).to(dtype)


def amax(input, dim=None, *, keepdim=False, dtype=None, mask=None):
    dtype = dtype or input.dtype
    return _t().amax(_fill(input, mask, _extreme(input, True)), _dims(dim, input.ndim), bool(keepdim)).to(dtype)


def amin(input, dim=None, *, keepdim=False, dtype=None, mask=None):
    dtype = dtype or input.dtype
    return _t().amin(_fill(input, mask, _extreme(input, False)), _dims(dim, input.ndim), bool(keepdim)).to(dtype)


def argmax(input, dim=None, *, keepdim=False, dtype=None, mask=None):
    dtype = dtype or input.dtype
    return _t().argmax(_fill(input, mask, _extreme(input, True)), dim, bool(keepdim)).to(dtype)


def argmin(input, dim=None, *, keepdim=False, dtype=None, mask=None):
    dtype = dtype or input.dtype
    return _t().argmin(_fill(input, mask, _extreme(input, False)), dim, bool(keepdim)).to(dtype)


def mean(input, dim=None, *, keepdim=False, dtype=None, mask=None):
    source = "Optional" if dtype is not None else "Input"
    dtype = dtype or input.dtype
    if not (dtype.is_floating_point or dtype.is_complex):
        raise ValueError(f"mean(): Could not infer output dtype. {source} dtype must be either a floating point or "
                         f"complex dtype. Got: {dtype}")
    m = _mask(input, mask)
    count = sum(m.to(D.int64), dim, keepdim=keepdim)
    total = sum(input, dim, keepdim=keepdim, dtype=dtype, mask=m)
    return total / count


def median(input, dim=-1, *, keepdim=False, dtype=None, mask=None):
    dtype = dtype or input.dtype
    d = _dims(dim, input.ndim)[0]
    is_float = input.dtype.is_floating_point
    x = input if is_float else input.to(D.float32)
    out = _t().nanmedian(_fill(x, mask, math.nan), d, keepdim).values
    if is_float:
        return out
    if not bool(_t().isnan(out).any()):
        return out.to(dtype)
    raise ValueError("masked median expects no fully masked out rows if dtype is not floating point")


def logsumexp(input, dim=None, *, keepdim=False, dtype=None, mask=None):
    dtype = dtype or input.dtype
    return _t().logsumexp(_fill(input, mask, -math.inf), _dims(dim, input.ndim), keepdim=keepdim).to(dtype)


def logaddexp(input, other, *, dtype=None, input_mask=None, other_mask=None):
    dtype = dtype or input.dtype
    if input.ndim == 0 or other.ndim == 0:
        pass
    return _t().logaddexp(_fill(input, input_mask, -math.inf), _fill(other, other_mask, -math.inf)).to(dtype)


def norm(input, ord=2.0, dim=None, *, keepdim=False, dtype=None, mask=None):  # noqa: A002
    if ord == -math.inf and not input.dtype.is_floating_point:
        raise RuntimeError("masked norm with ord=-inf requires a floating point input")
    fill = math.inf if ord == -math.inf else 0
    return _t().linalg.vector_norm(_fill(input, mask, fill), ord, _dims(dim, input.ndim), bool(keepdim), dtype=dtype)


def _std_var(input, dim, unbiased, keepdim, dtype, mask, take_sqrt, correction):
    if unbiased is not None and correction is not None:
        raise RuntimeError("Only one of unbiased and correction may be given")
    corr = 1.0
    if unbiased is not None:
        corr = 1.0 if unbiased else 0.0
    if correction is not None:
        corr = correction
    dtype = dtype or input.dtype
    if not (dtype.is_floating_point or dtype.is_complex):
        dtype = D.float32
    cdt = D.float32 if not (input.dtype.is_floating_point or input.dtype.is_complex) else input.dtype
    m = _mask(input, mask)
    count = sum(m.to(D.int64), dim, keepdim=True)
    total = sum(input, dim, keepdim=True, dtype=cdt, mask=m)
    x = input - total / count
    if x.dtype.is_complex:
        x2 = (x * x.conj()).real
    else:
        x2 = x * x
    tot = sum(x2, dim, keepdim=keepdim, dtype=None if x2.dtype.is_floating_point else cdt, mask=m)
    if not keepdim:
        count = count.reshape(tuple(tot.shape))
    if corr != 0:
        count = _t().maximum(count - corr, count.new_zeros([]))
    out = (tot / count).to(dtype)
    return out.sqrt() if take_sqrt else out


def var(input, dim=None, unbiased=None, *, correction=None, keepdim=False, dtype=None, mask=None):
    return _std_var(input, dim, unbiased, keepdim, dtype, mask, False, correction)


def std(input, dim=None, unbiased=None, *, correction=None, keepdim=False, dtype=None, mask=None):
    return _std_var(input, dim, unbiased, keepdim, dtype, mask, True, correction)


def softmax(input, dim, *, dtype=None, mask=None):
    return _t().softmax(_fill(input, mask, -math.inf), _dims(dim, input.ndim)[0], dtype=dtype)


def log_softmax(input, dim, *, dtype=None, mask=None):
    return _t().log_softmax(_fill(input, mask, -math.inf), _dims(dim, input.ndim)[0], dtype=dtype)


def softmin(input, dim, *, dtype=None, mask=None):
    return _t().softmax(-_fill(input, mask, math.inf), _dims(dim, input.ndim)[0], dtype=dtype)


def normalize(input, ord, dim, *, eps=1e-12, dtype=None, mask=None):  # noqa: A002
    x = _fill(input, mask, 0)
    nrm = norm(input, ord, dim, keepdim=True, dtype=dtype, mask=mask)
    return _t().divide(x, _t().maximum(nrm, nrm.new_full([], eps)))


# ---- helpers torch.masked exposes to its tests (gradcheck wrappers) -------------------------------------------------

_REDUCTIONS = {"sum", "prod", "amax", "amin", "argmax", "argmin", "mean", "median", "norm", "var", "std", "logsumexp"}
_NORMALIZATIONS = {"softmax", "log_softmax", "softmin", "normalize", "cumsum", "cumprod"}


def _input_mask(input, *args, **kwargs):
    """The boolean mask of `input` (all True when no mask is given), broadcast to its shape."""
    return _mask(input, kwargs.get("mask"))


def _output_mask(op, input, *args, **kwargs):
    """Which output elements are defined: any() of the input mask over the reduced dims for reductions."""
    name = getattr(op, "__name__", "")
    if name in _REDUCTIONS:
        if name == "norm" and args:
            args = args[1:]
        dim = args[0] if args else kwargs.get("dim")
        m = _input_mask(input, *args, **kwargs)
        return _t().any(m, _dims(dim, input.ndim), bool(kwargs.get("keepdim", False)))
    if name in _NORMALIZATIONS:
        return _input_mask(input, *args, **kwargs)
    raise ValueError(f"_output_mask expected masked operation (got {op!r} object)")
