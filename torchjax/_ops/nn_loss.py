"""Loss functions (torch.nn.functional.*_loss), each with every reduction. Fused kernels are named after the
grad_fn torch prints for that reduction (e.g. NllLossBackward0, MeanBackward0 for l1_loss(reduction='mean'))."""
import functools
import math
import warnings

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from .. import _dtype as D
from .._size import Size
from .._tensor import Tensor
from ._common import broadcast_shapes2, cast, concrete, float_type, np_dtype, result_type
from .kernel import Kernel, call
from .nn_reduction import _Reduction
from .registry import function

F = "torch.nn.functional"


def _reduce(loss, red):
    if red == "mean":
        return jnp.mean(loss)
    if red == "sum":
        return jnp.sum(loss)
    return loss


def _red_name(red, none_name):
    return {"mean": "MeanBackward0", "sum": "SumBackward0"}.get(red, none_name)


def _reduction(reduction, size_average, reduce):
    if size_average is not None or reduce is not None:
        return _Reduction.legacy_get_string(size_average, reduce)
    _Reduction.get_enum(reduction)  # validates
    return "mean" if reduction == "elementwise_mean" else reduction


def _warn_size(input, target):
    if target.size() != input.size():
        warnings.warn(f"Using a target size ({target.size()}) that is different to the input size ({input.size()}). "
                      f"This will likely lead to incorrect results due to broadcasting. Please ensure they have the "
                      f"same size.", stacklevel=3)


def _elementwise(name, fn, fused=None):
    """A pointwise loss fn(input, target, *params) followed by the reduction."""
    def kfn(st, x, t, *p):
        red, dt = st
        return _reduce(fn(cast(x, dt), cast(t, dt), *p), red)
    k = Kernel(name, kfn, fused or "MeanBackward0")

    def run(input, target, red, params=(), none_name=None):
        dt = float_type(result_type(input, target))
        broadcast_shapes2(tuple(input.shape), tuple(target.shape))
        nm = fused if fused else _red_name(red, none_name)
        return call(k, [input, target, *params], (red, np_dtype(dt)), name=nm)
    return run


_mse = _elementwise("mse_loss", lambda x, t: jnp.square(x - t), "MseLossBackward0")
def tabs(x):
    """|x| with torch's derivative sgn(x) (0 at 0; jnp.abs has 1 there)."""
    return x * lax.stop_gradient(jnp.sign(x)) + lax.stop_gradient(jnp.abs(x) - x * jnp.sign(x))


_l1 = _elementwise("l1_loss", lambda x, t: tabs(x - t))


def _smooth_l1(x, t, beta):
    z = jnp.abs(x - t)
    return jnp.where(z < beta, 0.5 * z * z / beta, z - 0.5 * beta)


def _huber(x, t, delta):
    z = jnp.abs(x - t)
    return jnp.where(z < delta, 0.5 * z * z, delta * (z - 0.5 * delta))


_smooth = _elementwise("smooth_l1_loss", _smooth_l1, "SmoothL1LossBackward0")
_hub = _elementwise("huber_loss", _huber, "HuberLossBackward0")
_soft_margin = _elementwise("soft_margin_loss", lambda x, t: jnp.log1p(jnp.exp(-t * x)), "SoftMarginLossBackward0")


def _weighted(loss_fn, input, target, reduction, weight):
    if weight.size() != input.size():
        raise ValueError("Weights and input must have the same size.")
    w = loss_fn(input, target, "none") * weight
    if reduction == "none":
        return w
    if reduction == "sum":
        return w.sum()
    if reduction == "mean":
        return w.sum() / weight.sum()
    raise ValueError(f"Invalid reduction mode: {reduction}. Expected one of 'none', 'mean', 'sum'.")


@function(namespace=F)
def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    _warn_size(input, target)
    if size_average is not None or reduce is not None:
        reduction = _Reduction.legacy_get_string(size_average, reduce)
    if weight is not None:
        return _weighted(lambda a, b, r: _mse(a, b, r), input, target, reduction, weight)
    _Reduction.get_enum(reduction)
    return _mse(input, target, reduction)


@function(namespace=F)
def l1_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    _warn_size(input, target)
    if size_average is not None or reduce is not None:
        reduction = _Reduction.legacy_get_string(size_average, reduce)
    if weight is not None:
        return _weighted(lambda a, b, r: _l1(a, b, r, none_name="AbsBackward0"), input, target, reduction, weight)
    _Reduction.get_enum(reduction)
    return _l1(input, target, reduction, none_name="AbsBackward0")


@function(namespace=F)
def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    _warn_size(input, target)
    reduction = _reduction(reduction, size_average, reduce)
    if beta == 0.0:
        return _l1(input, target, reduction, none_name="AbsBackward0")
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    return _smooth(input, target, reduction, (beta,))


@function(namespace=F)
def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
    _warn_size(input, target)
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    if weight is not None:
        return _weighted(lambda a, b, r: _hub(a, b, r, (delta,)), input, target, reduction, weight)
    _Reduction.get_enum(reduction)
    return _hub(input, target, reduction, (delta,))


@function(namespace=F)
def soft_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    reduction = _reduction(reduction, size_average, reduce)
    return _soft_margin(input, target, reduction)


# ---- nll / cross entropy ------------------------------------------------------------------------------------------

def _nll_core(logp, t, w, ignore_index, red):
    """logp (N, C, ...) or (C,), t (N, ...) or ()."""
    cdim = 0 if logp.ndim == 1 else 1
    C = logp.shape[cdim]
    valid = t != ignore_index
    tc = jnp.where(valid, t, 0)
    picked = jnp.take_along_axis(logp, jnp.expand_dims(tc, cdim), axis=cdim).squeeze(cdim)
    ww = jnp.ones((C,), logp.dtype) if w is None else w.astype(logp.dtype)
    wt = jnp.where(valid, ww[tc], jnp.zeros((), logp.dtype))
    loss = -picked * wt
    if red == "none":
        return loss
    if red == "sum":
        return jnp.sum(loss)
    return _safe_mean_div(jnp.sum(loss), jnp.sum(wt))


def _safe_mean_div(num, den):
    """num / den, NaN when den == 0 (as torch), but with zero gradients there (torch leaves ignored entries' gradients
    at zero instead of 0 * inf)."""
    zero = den == 0
    return jnp.where(zero, jnp.asarray(jnp.nan, num.dtype), num / jnp.where(zero, 1, den))


def _nll_fn(st, x, t, w):
    red, ignore, dt, logsm = st
    x = cast(x, dt)
    if logsm:
        x = jax.nn.log_softmax(x, axis=0 if x.ndim == 1 else 1)
    return _nll_core(x, t, w, ignore, red)


_NLL = Kernel("nll_loss", _nll_fn, "NllLossBackward0")


def _check_nll(input, target, weight, cdim, fname="nll_loss"):
    if target.dtype not in (D.int64, D.uint8):
        raise RuntimeError(f"expected target dtype to be Long or Byte, but got {D._scalar_name(target.dtype)}"
                           if target.dtype.is_floating_point else
                           f"expected scalar type Long but found {D._scalar_name(target.dtype)}")
    if input.ndim < 1:
        raise ValueError(f"Expected 1 or more dimensions (got {input.ndim})")
    if input.ndim != 1 and input.shape[0] != target.shape[0] if target.ndim else input.ndim > 1 and False:
        raise ValueError(f"Expected input batch_size ({input.shape[0]}) to match target batch_size "
                         f"({target.shape[0]}).")
    C = input.shape[cdim]
    if weight is not None and weight.numel() != C:
        raise RuntimeError(f"weight tensor should be defined either for all {C} classes or no classes but got weight "
                           f"tensor of shape: {list(weight.shape)}")
    if input.ndim > 2:
        expect = (input.shape[0],) + tuple(input.shape[2:])
        if tuple(target.shape) != expect:
            raise RuntimeError(f"Expected target size {list(expect)}, got {list(target.shape)}")
    elif input.ndim == 2 and target.ndim != 1:
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    elif input.ndim == 1 and target.ndim > 1:
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")


def _check_targets(target, C, ignore_index):
    v = concrete(target)
    if v is None or not v.size:
        return
    vv = v[v != ignore_index]
    if vv.size and (vv.min() < 0 or vv.max() >= C):
        bad = int(vv.max()) if vv.max() >= C else int(vv.min())
        raise IndexError(f"Target {bad} is out of bounds.")


def _nll_name(input, red):
    if input.ndim <= 2:
        return "NllLossBackward0"
    if input.ndim == 4:
        return "NllLoss2DBackward0"
    return "ViewBackward0" if red == "none" else "NllLoss2DBackward0"


def _nll(input, target, weight, ignore_index, red, log_softmax):
    cdim = 0 if input.ndim == 1 else 1
    if input.ndim >= 2 and target.ndim >= 1 and input.shape[0] != target.shape[0]:
        raise ValueError(f"Expected input batch_size ({input.shape[0]}) to match target batch_size "
                         f"({target.shape[0]}).")
    _check_nll(input, target, weight, cdim)
    _check_targets(target, input.shape[cdim], ignore_index)
    return call(_NLL, [input, target, weight], (red, int(ignore_index), np_dtype(input.dtype), log_softmax),
                name=_nll_name(input, red))


@function(namespace=F)
def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean"):
    reduction = _reduction(reduction, size_average, reduce)
    return _nll(input, target, weight, ignore_index, reduction, False)


def _ce_prob_fn(st, x, t, w):
    red, dt, ls = st
    x, t = cast(x, dt), cast(t, dt)
    cdim = 0 if x.ndim == 1 else 1
    C = x.shape[cdim]
    logp = jax.nn.log_softmax(x, axis=cdim)
    if ls > 0:
        t = t * (1 - ls) + ls / C
    prod = logp * t
    if w is not None:
        shape = [1] * x.ndim
        shape[cdim] = C
        prod = prod * w.astype(dt).reshape(shape)
    if red == "none":
        return -jnp.sum(prod, axis=cdim)
    if red == "sum":
        return -jnp.sum(prod)
    return -jnp.sum(prod) / (x.size / C)


_CE_PROB = Kernel("cross_entropy_prob", _ce_prob_fn, "DivBackward1")


def _ce_ls_fn(st, x, t, w):
    red, ignore, dt, ls = st
    x = cast(x, dt)
    cdim = 0 if x.ndim == 1 else 1
    C = x.shape[cdim]
    logp = jax.nn.log_softmax(x, axis=cdim)
    nll = _nll_core(logp, t, w, ignore, red)
    ignore_mask = t == ignore
    if w is not None:
        shape = [1] * x.ndim
        shape[cdim] = C
        smooth = -jnp.sum(logp * w.astype(dt).reshape(shape), axis=cdim)
    else:
        smooth = -jnp.sum(logp, axis=cdim)
    smooth = jnp.where(ignore_mask, jnp.zeros((), dt), smooth)
    if red == "mean":
        if w is not None:
            tc = jnp.where(ignore_mask, 0, t)
            denom = jnp.sum(jnp.where(ignore_mask, 0, w.astype(dt)[tc]))
        else:
            denom = jnp.sum(~ignore_mask).astype(dt)
        ret = _safe_mean_div(jnp.sum(smooth), denom)
    elif red == "sum":
        ret = jnp.sum(smooth)
    else:
        ret = smooth
    return (1 - ls) * nll + ret * (ls / C)


_CE_LS = Kernel("cross_entropy_ls", _ce_ls_fn, "AddBackward0")


@function(namespace=F)
def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean",
                  label_smoothing=0.0):
    reduction = _reduction(reduction, size_average, reduce)
    if not 0.0 <= label_smoothing <= 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    cdim = 0 if input.ndim == 1 else 1
    if target.dtype.is_floating_point:
        if tuple(target.shape) != tuple(input.shape):
            if input.ndim == 2 and target.ndim != 1:
                raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
            raise RuntimeError(f"Expected target size {list(input.shape)}, got {list(target.shape)}")
        if weight is not None and weight.numel() != input.shape[cdim]:
            raise RuntimeError(f"weight tensor should be defined either for all {input.shape[cdim]} classes or no "
                               f"classes but got weight tensor of shape: {list(weight.shape)}")
        name = {"mean": "DivBackward1", "sum": "NegBackward0", "none": "NegBackward0"}[reduction]
        return call(_CE_PROB, [input, target, weight], (reduction, np_dtype(input.dtype), float(label_smoothing)),
                    name=name)
    if label_smoothing > 0:
        if input.ndim >= 2 and target.ndim >= 1 and input.shape[0] != target.shape[0]:
            raise ValueError(f"Expected input batch_size ({input.shape[0]}) to match target batch_size "
                             f"({target.shape[0]}).")
        _check_nll(input, target, weight, cdim)
        _check_targets(target, input.shape[cdim], ignore_index)
        return call(_CE_LS, [input, target, weight], (reduction, int(ignore_index), np_dtype(input.dtype),
                                                      float(label_smoothing)))
    return _nll(input, target, weight, ignore_index, reduction, True)


# ---- binary cross entropy -----------------------------------------------------------------------------------------

def _bce_fn(st, x, t, w):
    red, dt = st
    x, t = cast(x, dt), cast(t, dt)
    lx = jnp.maximum(jnp.log(x), -100)
    l1x = jnp.maximum(jnp.log1p(-x), -100)
    loss = -(t * lx + (1 - t) * l1x)
    if w is not None:
        loss = loss * w.astype(dt)
    return _reduce(loss, red)


_BCE = Kernel("binary_cross_entropy", _bce_fn, "BinaryCrossEntropyBackward0")


@function(namespace=F)
def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):
    reduction = _reduction(reduction, size_average, reduce)
    if target.size() != input.size():
        raise ValueError(f"Using a target size ({target.size()}) that is different to the input size "
                         f"({input.size()}) is deprecated. Please ensure they have the same size.")
    if weight is not None:
        weight = weight.expand(tuple(broadcast_shapes2(tuple(target.shape), tuple(weight.shape))))
    v = concrete(input)
    if v is not None and v.size and ((v < 0) | (v > 1)).any():
        raise RuntimeError("all elements of input should be between 0 and 1")
    return call(_BCE, [input, target, weight], (reduction, np_dtype(float_type(input.dtype))))


def _bcel_fn(st, x, t, w, pw):
    red, dt = st
    x, t = cast(x, dt), cast(t, dt)
    ls = -jax.nn.softplus(-x)
    if pw is not None:
        ls = ls * ((pw.astype(dt) - 1) * t + 1)
    loss = (1 - t) * x - ls
    if w is not None:
        loss = loss * w.astype(dt)
    return _reduce(loss, red)


_BCEL = Kernel("binary_cross_entropy_with_logits", _bcel_fn, "BinaryCrossEntropyWithLogitsBackward0")


@function(namespace=F)
def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None, reduction="mean",
                                     pos_weight=None):
    reduction = _reduction(reduction, size_average, reduce)
    if not target.size() == input.size():
        raise ValueError(f"Target size ({target.size()}) must be the same as input size ({input.size()})")
    return call(_BCEL, [input, target, weight, pos_weight], (reduction, np_dtype(float_type(input.dtype))))


function("binary_cross_entropy_with_logits")(
    lambda input, target, weight=None, pos_weight=None, reduction=1:
    binary_cross_entropy_with_logits(input, target, weight, reduction=["none", "mean", "sum"][reduction],
                                     pos_weight=pos_weight))


# ---- kl_div / poisson / gaussian ------------------------------------------------------------------------------------

def _kl_fn(st, x, t):
    red, dt, log_target = st
    x, t = cast(x, dt), cast(t, dt)
    if log_target:
        loss = jnp.exp(t) * (t - x)
    else:
        loss = jax.scipy.special.xlogy(t, t) - t * x
    return _reduce(loss, "sum" if red == "batchmean" else red) / (x.shape[0] if red == "batchmean" and x.ndim
                                                                  else 1)


_KL = Kernel("kl_div", _kl_fn, "SubBackward0")


@function(namespace=F)
def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    if size_average is not None or reduce is not None:
        red = _Reduction.legacy_get_string(size_average, reduce)
    else:
        if reduction == "mean":
            warnings.warn("reduction: 'mean' divides the total loss by both the batch size and the support size."
                          "'batchmean' divides only by the batch size, and aligns with the KL div math definition."
                          "'mean' will be changed to behave the same as 'batchmean' in the next major release.",
                          stacklevel=2)
        if reduction != "batchmean":
            _Reduction.get_enum(reduction)
        red = reduction
    dt = float_type(result_type(input, target))
    if red == "batchmean":
        name = "DivBackward0" if input.ndim else "SumBackward0"
    else:
        name = _red_name(red, "MulBackward0" if log_target else "SubBackward0")
    return call(_KL, [input, target], (red, np_dtype(dt), bool(log_target)), name=name)


def _poisson_fn(st, x, t, eps):
    red, dt, log_input, full = st
    x, t = cast(x, dt), cast(t, dt)
    if log_input:
        loss = jnp.exp(x) - t * x
    else:
        loss = x - t * jnp.log(x + eps)
    if full:
        safe = jnp.where(t > 1, t, 1)
        stir = safe * jnp.log(safe) - safe + 0.5 * jnp.log(2 * math.pi * safe)
        loss = loss + jnp.where(t > 1, stir, 0)
    return _reduce(loss, red)


_POISSON = Kernel("poisson_nll_loss", _poisson_fn, "SubBackward0")


@function(namespace=F)
def poisson_nll_loss(input, target, log_input=True, full=False, size_average=None, eps=1e-08, reduce=None,
                     reduction="mean"):
    if size_average is not None or reduce is not None:
        reduction = _Reduction.legacy_get_string(size_average, reduce)
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(reduction + " is not a valid value for reduction")
    broadcast_shapes2(tuple(input.shape), tuple(target.shape))
    dt = float_type(result_type(input, target))
    return call(_POISSON, [input, target, eps], (reduction, np_dtype(dt), bool(log_input), bool(full)),
                name=_red_name(reduction, "AddBackward0" if full else "SubBackward0"))


@function(namespace=F)
def gaussian_nll_loss(input, target, var, full=False, eps=1e-06, reduction="mean"):
    from .creation import ones_like
    from ..autograd.grad_mode import no_grad
    if isinstance(var, float):
        if var < 0:
            raise ValueError("var has negative entry/entries")
        var = var * ones_like(input)
    elif bool((var < 0).any()):
        raise ValueError("var has negative entry/entries")
    if var.size() != input.size():
        if input.size()[:-1] == var.size():
            var = var.unsqueeze(-1)
        elif input.ndim == var.ndim and sum(y for x, y in zip(input.size(), var.size()) if x != y) == 1:
            pass
        else:
            raise ValueError("var is of incorrect size")
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(reduction + " is not valid")
    var = var.clone()
    with no_grad():
        var.clamp_(min=eps)
    loss = 0.5 * (var.log() + (input - target) ** 2 / var)
    if full:
        loss += 0.5 * math.log(2 * math.pi)
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


# ---- margin losses --------------------------------------------------------------------------------------------------

def _mrl_fn(st, a, b, t, margin):
    red, dt = st
    return _reduce(jnp.maximum(-cast(t, dt) * (cast(a, dt) - cast(b, dt)) + margin, 0), red)


_MRL = Kernel("margin_ranking_loss", _mrl_fn, "ClampMinBackward0")


@function(namespace=F)
def margin_ranking_loss(input1, input2, target, margin=0, size_average=None, reduce=None, reduction="mean"):
    reduction = _reduction(reduction, size_average, reduce)
    if input1.dim() != input2.dim() or input1.dim() != target.dim():
        raise RuntimeError(f"margin_ranking_loss : All input tensors should have same dimension but got sizes: input1: "
                           f"{input1.size()}, input2: {input2.size()}, target: {target.size()} ")
    dt = float_type(result_type(input1, input2, target))
    return call(_MRL, [input1, input2, target, margin], (reduction, np_dtype(dt)),
                name=_red_name(reduction, "ClampMinBackward0"))


def _hinge_fn(st, x, t, margin):
    red, dt = st
    x, t = cast(x, dt), cast(t, dt)
    z = jnp.zeros((), dt)
    out = jnp.where(t != 1, jnp.maximum(margin - x, 0), z) + jnp.where(t != -1, x, z)
    return _reduce(out, red)


_HINGE = Kernel("hinge_embedding_loss", _hinge_fn, "AddBackward0")


@function(namespace=F)
def hinge_embedding_loss(input, target, margin=1.0, size_average=None, reduce=None, reduction="mean"):
    reduction = _reduction(reduction, size_average, reduce)
    dt = float_type(result_type(input, target))
    return call(_HINGE, [input, target, margin], (reduction, np_dtype(dt)), name=_red_name(reduction, "AddBackward0"))


def _cos_emb_fn(st, a, b, t, margin):
    red, dt = st
    a, b = cast(a, dt), cast(b, dt)
    d = a.ndim - 1
    prod = jnp.sum(a * b, axis=d)
    m1 = jnp.sum(a * a, axis=d) + 1e-12
    m2 = jnp.sum(b * b, axis=d) + 1e-12
    cos = prod / jnp.sqrt(m1 * m2)
    z = jnp.zeros((), dt)
    out = jnp.where(t == 1, 1 - cos, z) + jnp.where(t == -1, jnp.maximum(cos - margin, 0), z)
    return _reduce(out, red)


_COS_EMB = Kernel("cosine_embedding_loss", _cos_emb_fn, "AddBackward0")


@function(namespace=F)
def cosine_embedding_loss(input1, input2, target, margin=0, size_average=None, reduce=None, reduction="mean"):
    reduction = _reduction(reduction, size_average, reduce)
    if input1.ndim != input2.ndim:
        raise RuntimeError(f"cosine_embedding_loss : All input tensors should have same dimension but got sizes: "
                           f"input1: {input1.size()}, input2: {input2.size()}, target: {target.size()} ")
    if target.ndim != input1.ndim - 1:
        raise RuntimeError(f"{input1.ndim}D target tensor expects {input1.ndim - 1}D input tensors, but found inputs "
                           f"with sizes {list(input1.shape)} and {list(input2.shape)}." if input1.ndim != 0 else
                           "cosine_embedding_loss: 0D input tensors are not supported")
    dt = float_type(result_type(input1, input2))
    return call(_COS_EMB, [input1, input2, target, margin], (reduction, np_dtype(dt)),
                name=_red_name(reduction, "AddBackward0"))


def _mm_fn(st, x, t, w, margin):
    red, dt, p = st
    x = cast(x, dt)
    one = x.ndim == 1
    if one:
        x = x[None]
        t = t.reshape(1)
    C = x.shape[1]
    xy = jnp.take_along_axis(x, t[:, None], 1)
    z = jnp.maximum(margin - xy + x, 0)
    if p == 2:
        z = z * z
    if w is not None:
        z = z * w.astype(dt)[t][:, None]
    z = jnp.where(jnp.arange(C)[None, :] == t[:, None], jnp.zeros((), dt), z)
    loss = jnp.sum(z, axis=1) / C
    if one and red == "none":
        loss = loss[0]
    return _reduce(loss, red)


_MM = Kernel("multi_margin_loss", _mm_fn, "MultiMarginLossBackward0")


@function(namespace=F)
def multi_margin_loss(input, target, p=1, margin=1.0, weight=None, size_average=None, reduce=None, reduction="mean"):
    reduction = _reduction(reduction, size_average, reduce)
    if p != 1 and p != 2:
        raise ValueError("only p == 1 and p == 2 supported")
    if weight is not None and weight.dim() != 1:
        raise ValueError("weight must be one-dimensional")
    if input.ndim == 0:  # a single class: the same as a 1-element vector
        input = input.reshape(1)
    C = input.shape[-1] if input.ndim else 1
    if input.ndim > 2 or (input.ndim == 2 and target.shape != (input.shape[0],)):
        raise RuntimeError(f"inconsistent target size, expected {input.shape[0] if input.ndim else 1} but got "
                           f"{list(target.shape)}")
    v = concrete(target)
    if v is not None and v.size and (v.min() < 0 or v.max() >= C):
        raise RuntimeError("target out of range")
    return call(_MM, [input, target, weight, margin], (reduction, np_dtype(input.dtype), int(p)))


def _mlm_fn(st, x, t):
    red, dt = st
    x = cast(x, dt)
    one = x.ndim == 1
    if one:
        x, t = x[None], t[None]
    N, C = x.shape
    # targets are the leading entries before the first -1
    valid = jnp.cumprod((t >= 0).astype(jnp.int32), axis=1).astype(bool)
    tc = jnp.where(valid, t, 0)
    is_target = jnp.zeros((N, C), bool).at[jnp.arange(N)[:, None], tc].max(valid)
    xt = jnp.take_along_axis(x, tc, 1)  # (N, S)
    z = jnp.maximum(1 - (xt[:, :, None] - x[:, None, :]), 0)  # (N, S, C)
    z = jnp.where(valid[:, :, None] & ~is_target[:, None, :], z, jnp.zeros((), dt))
    loss = jnp.sum(z, axis=(1, 2)) / C
    if one and red == "none":
        loss = loss[0]
    return _reduce(loss, red)


_MLM = Kernel("multilabel_margin_loss", _mlm_fn, "MultilabelMarginLossBackward0")


@function(namespace=F)
def multilabel_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    reduction = _reduction(reduction, size_average, reduce)
    nd = input.ndim
    if not ((nd == 2 and input.shape[1] != 0) or (nd == 1 and input.shape[0] != 0) or nd == 0):
        raise RuntimeError(f"Expected non-empty vector or matrix with optional 0-dim batch size, but got: "
                           f"{list(input.shape)}")
    if tuple(target.shape) != tuple(input.shape):
        raise RuntimeError(f"inconsistent target size: {list(target.shape)} for input of size: {list(input.shape)}")
    if input.ndim == 0:  # a single class: the same as a 1-element vector
        input, target = input.reshape(1), target.reshape(1)
    C = input.shape[-1] if input.ndim else 1
    v = concrete(target)
    if v is not None and v.size and (v.min() < -1 or v.max() >= C):
        raise RuntimeError("argument #2 'target' is out of range")
    return call(_MLM, [input, target], (reduction, np_dtype(input.dtype)))


@function(namespace=F)
def multilabel_soft_margin_loss(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):
    from .nn_activation import logsigmoid
    if size_average is not None or reduce is not None:
        reduction = _Reduction.legacy_get_string(size_average, reduce)
    loss = -(target * logsigmoid(input) + (1 - target) * logsigmoid(-input))
    if weight is not None:
        loss = loss * weight
    class_dim = input.dim() - 1
    C = input.size(class_dim)
    loss = loss.sum(dim=class_dim) / C
    if reduction == "none":
        return loss
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    raise ValueError(reduction + " is not valid")


def _triplet_fn(st, a, p_, n, margin, eps):
    red, dt, p, swap = st
    from .nn_norm import pnorm
    a, p_, n = cast(a, dt), cast(p_, dt), cast(n, dt)
    ax = -1 if a.ndim else None

    def dist(u, v):
        return pnorm(u - v + eps, p, ax)
    dp = dist(a, p_)
    dn = dist(a, n)
    if swap:
        dn = jnp.minimum(dn, dist(p_, n))
    return _reduce(jnp.maximum(margin + dp - dn, 0), red)


_TRIPLET = Kernel("triplet_margin_loss", _triplet_fn, "ClampMinBackward0")


@function(namespace=F)
def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-06, swap=False, size_average=None,
                        reduce=None, reduction="mean"):
    reduction = _reduction(reduction, size_average, reduce)
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    a, b, c = anchor.ndim, positive.ndim, negative.ndim
    if not (a == b == c):
        raise RuntimeError(f"The anchor, positive, and negative tensors are expected to have the same number of "
                           f"dimensions, but got: anchor {a}D, positive {b}D, and negative {c}D inputs")
    broadcast_shapes2(tuple(anchor.shape), tuple(positive.shape))
    broadcast_shapes2(tuple(anchor.shape), tuple(negative.shape))
    if swap:
        broadcast_shapes2(tuple(positive.shape), tuple(negative.shape))
    dt = float_type(result_type(anchor, positive, negative))
    return call(_TRIPLET, [anchor, positive, negative, margin, eps], (reduction, np_dtype(dt), float(p), bool(swap)),
                name=_red_name(reduction, "ClampMinBackward0"))


@function(namespace=F)
def triplet_margin_with_distance_loss(anchor, positive, negative, *, distance_function=None, margin=1.0, swap=False,
                                      reduction="mean"):
    from .nn_distance import pairwise_distance
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    a, b, c = anchor.ndim, positive.ndim, negative.ndim
    if not (a == b == c):
        raise RuntimeError(f"The anchor, positive, and negative tensors are expected to have the same number of "
                           f"dimensions, but got: anchor {a}D, positive {b}D, and negative {c}D inputs")
    if distance_function is None:
        distance_function = pairwise_distance
    dp = distance_function(anchor, positive)
    dn = distance_function(anchor, negative)
    if swap:
        dn = dn.minimum(distance_function(positive, negative))
    loss = (margin + dp - dn).clamp_min(0)
    if reduction == "sum":
        return loss.sum()
    if reduction == "mean":
        return loss.mean()
    return loss


# ---- CTC ------------------------------------------------------------------------------------------------------------

def _lse2(a, b):
    """log(exp(a) + exp(b)) with finite gradients when both are -inf."""
    m = jnp.maximum(a, b)
    fin = jnp.isfinite(m)
    safe = jnp.where(fin, m, 0)
    ea = jnp.exp(jnp.where(fin, a - safe, 0))
    eb = jnp.exp(jnp.where(fin, b - safe, 0))
    return jnp.where(fin, safe + jnp.log(ea + eb), m)


def _ctc_fn(st, lp, targets, in_len, tg_len):
    red, blank, zero_inf, dt, S, batched = st
    lp = cast(lp, dt)
    if not batched:
        lp = lp[:, None]
        targets = targets[None]
        in_len = in_len.reshape(1)
        tg_len = tg_len.reshape(1)
    loss = _ctc_per_sample(blank, S, lp, targets, in_len, tg_len)
    if zero_inf:
        loss = jnp.where(jnp.isinf(loss), jnp.zeros((), dt), loss)
    if red == "mean":
        return jnp.mean(loss / jnp.maximum(tg_len, 1).astype(dt))
    if red == "sum":
        return jnp.sum(loss)
    return loss if batched else loss[0]


def _ctc_nll(blank, S, lp, targets, in_len, tg_len):
    """Per-sample negative log likelihood by the forward (alpha) recursion in log space."""
    T, N, C = lp.shape
    dt = lp.dtype
    L = 2 * S + 1
    ext = jnp.full((N, L), blank, targets.dtype)
    if S:
        ext = ext.at[:, 1::2].set(targets[:, :S])
    pos = jnp.arange(L)
    valid_len = 2 * tg_len[:, None] + 1
    ninf = jnp.asarray(-jnp.inf, dt)
    # a skip from s-2 to s is allowed for labels that differ from the label two before
    prev2 = jnp.concatenate([jnp.full((N, 2), blank, ext.dtype), ext[:, :-2]], 1)
    can_skip = (pos[None] % 2 == 1) & (ext != prev2) & (pos[None] >= 2)
    emit = jnp.take_along_axis(lp, jnp.broadcast_to(ext[None], (T, N, L)), 2)  # (T, N, L)
    alpha0 = jnp.where((pos[None] < 2) & (pos[None] < valid_len), emit[0], ninf)

    def step(alpha, t):
        a1 = jnp.concatenate([jnp.full((N, 1), ninf), alpha[:, :-1]], 1)
        a2 = jnp.concatenate([jnp.full((N, 2), ninf), alpha[:, :-2]], 1)
        new = _lse2(alpha, a1)
        new = jnp.where(can_skip, _lse2(new, a2), new)
        new = jnp.where(pos[None] < valid_len, new + emit[t], ninf)
        new = jnp.where((t < in_len)[:, None], new, alpha)
        return new, None

    alpha, _ = lax.scan(step, alpha0, jnp.arange(1, T))
    last = jnp.take_along_axis(alpha, (valid_len - 1), 1)[:, 0]
    last2 = jnp.where(tg_len > 0, jnp.take_along_axis(alpha, jnp.maximum(valid_len - 2, 0), 1)[:, 0], ninf)
    return -_lse2(last, last2)


@functools.partial(jax.custom_vjp, nondiff_argnums=(0, 1))
def _ctc_per_sample(blank, S, lp, targets, in_len, tg_len):
    return _ctc_nll(blank, S, lp, targets, in_len, tg_len)


def _ctc_ps_fwd(blank, S, lp, targets, in_len, tg_len):
    out, vjp = jax.vjp(lambda x: _ctc_nll(blank, S, x, targets, in_len, tg_len), lp)
    return out, (vjp, lp, in_len)


def _ctc_ps_bwd(blank, S, res, g):
    vjp, lp, in_len = res
    (grad,) = vjp(g)
    # torch's ctc_loss backward returns exp(log_probs) - (posterior occupation), i.e. the gradient with respect to
    # the logits of a log_softmax: it adds exp(log_probs) * grad_out on the valid time steps
    live = (jnp.arange(lp.shape[0])[:, None] < in_len[None, :])[:, :, None]
    grad = grad + jnp.where(live, jnp.exp(lp) * g[None, :, None], jnp.zeros((), lp.dtype))
    return grad, None, None, None


_ctc_per_sample.defvjp(_ctc_ps_fwd, _ctc_ps_bwd)


_CTC = Kernel("ctc_loss", _ctc_fn, "CtcLossBackward0")


@function(namespace=F)
def ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0, reduction="mean", zero_infinity=False):
    from .creation import tensor as _tensor
    _Reduction.get_enum(reduction)
    batched = log_probs.ndim == 3
    T = log_probs.shape[0]
    N = log_probs.shape[1] if batched else 1
    il = input_lengths if isinstance(input_lengths, Tensor) else _tensor(list(input_lengths), dtype=D.int64)
    tl = target_lengths if isinstance(target_lengths, Tensor) else _tensor(list(target_lengths), dtype=D.int64)
    ilv, tlv = concrete(il), concrete(tl)
    if ilv is not None and ilv.size and ilv.max() > T:
        raise RuntimeError(f"Expected input_lengths to have value at most {T}, but got value {int(ilv.max())} (while "
                           f"checking arguments for ctc_loss_allocate_outputs)")
    tv = concrete(targets)
    if (targets.ndim == 1 and batched) or (not batched and targets.ndim == 1 and tlv is not None
                                           and tlv.reshape(-1)[0] != targets.shape[0] and False):
        # concatenated targets: split them into a padded (N, S) matrix
        if tv is None or tlv is None:
            raise NotImplementedError("torchjax: ctc_loss with concatenated targets inside compiled code")
        S = int(tlv.max()) if tlv.size else 0
        mat = np.zeros((N, max(S, 1)), np.int64)
        off = 0
        for i, n in enumerate(tlv.reshape(-1)):
            mat[i, :n] = tv[off:off + n]
            off += int(n)
        from .creation import _put
        targets = _put(mat, log_probs.device)
    else:
        S = int(targets.shape[-1])
        if not batched and targets.ndim == 1:
            pass
    if tlv is not None and tlv.size and tlv.max() > S:
        raise RuntimeError(f"Expected tensor to have size at least {int(tlv.max())} at dimension 1, but got size {S} "
                           f"for argument #2 'targets' (while checking arguments for ctc_loss_cpu)")
    st = (reduction, int(blank), bool(zero_infinity), np_dtype(log_probs.dtype), S, batched)
    return call(_CTC, [log_probs, targets.long() if targets.dtype is not D.int64 else targets, il.long(), tl.long()],
                st, name=_red_name(reduction, "WhereBackward0" if zero_infinity else "CtcLossBackward0"))


@function(namespace=F)
def linear_cross_entropy(input, linear_weight, target, *, linear_bias=None, weight=None, reduction="mean",
                         ignore_index=None, label_smoothing=0.0, options=None):
    from .nn_linear import linear
    if input.dim() < 1 or input.dim() > 2:
        raise RuntimeError(f"expected input with dimensionality 1 or 2, got {input.dim()}")
    if linear_weight.dim() < 2:
        raise RuntimeError(f"expected linear_weight with dimensionality at least 2, got {linear_weight.dim()}")
    num_batches = tuple(input.shape[:-1])
    in_features = input.shape[-1]
    if in_features != linear_weight.shape[-1]:
        raise RuntimeError(f"expected equal input and linear_weight last dimensions (in_features), got "
                           f"{input.shape[-1]} and {linear_weight.shape[-1]}, respectively")
    num_classes = linear_weight.shape[0]
    out_features = tuple(linear_weight.shape[1:-1])
    if linear_bias is not None and tuple(linear_bias.shape) != (num_classes, *out_features):
        raise RuntimeError(f"expected linear_bias shape {(num_classes, *out_features)}, got "
                           f"{tuple(linear_bias.shape)}")
    if out_features and not num_batches:
        raise RuntimeError(f"K-dimensional loss defined by linear_weight shape {tuple(linear_weight.shape)} requires "
                           f"batched input, (N, {in_features}), got unbatched input with shape {tuple(input.shape)}")
    logits_shape = (*num_batches, num_classes, *out_features)
    probs = tuple(target.shape) == logits_shape
    if probs and ignore_index is not None:
        raise RuntimeError("ignore_index cannot be specified when target contains probabilities")
    ignore_index = ignore_index if ignore_index is not None else -100
    if out_features:
        linear_weight = linear_weight.reshape((math.prod(out_features, start=num_classes), in_features))
        if linear_bias is not None:
            linear_bias = linear_bias.reshape(math.prod(out_features, start=num_classes))
    logits = linear(input, linear_weight, linear_bias).reshape(logits_shape)
    return cross_entropy(logits, target, weight=weight, reduction=reduction, ignore_index=ignore_index,
                         label_smoothing=label_smoothing)
