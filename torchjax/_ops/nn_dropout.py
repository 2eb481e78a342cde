"""Dropout family: dropout, dropout1d/2d/3d (feature dropout), alpha_dropout, feature_alpha_dropout.

Eager draws use the tensor's generator exactly as torch's CPU kernels do (bernoulli_(1 - p) on a noise tensor of
the input's shape, or (N, C, 1, ...) for feature dropout), so a seeded run drops the same elements."""
import warnings

from .creation import empty, zeros
from .registry import function

F = "torch.nn.functional"
_ALPHA = 1.7580993408473766


def _check_p(p):
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _dropout_impl(input, p, train, feature, alpha, inplace):
    if p < 0 or p > 1:
        raise RuntimeError(f"dropout probability has to be between 0 and 1, but got {p}")
    if p == 0 or not train or input.numel() == 0:
        return input
    if p == 1:
        z = zeros((), dtype=input.dtype, device=input.device)
        return input.mul_(z) if inplace else input * z
    if feature:
        if input.ndim < 2:
            raise RuntimeError("Feature dropout requires at least 2 dimensions in the input")
        shape = tuple(input.shape[:2]) + (1,) * (input.ndim - 2)
    else:
        shape = tuple(input.shape)
    noise = empty(shape, dtype=input.dtype, device=input.device)
    noise.bernoulli_(1 - p)
    if alpha:
        a = 1.0 / ((_ALPHA * _ALPHA * p + 1) * (1 - p)) ** 0.5
        b = noise.add(-1).mul_(_ALPHA * a).add_(_ALPHA * a * p)
        noise.mul_(a)
        out = input.mul_(noise) if inplace else input * noise
        return out.add_(b)
    noise.div_(1 - p)
    return input.mul_(noise) if inplace else input * noise


@function(namespace=F)
def dropout(input, p=0.5, training=True, inplace=False):
    _check_p(p)
    return _dropout_impl(input, p, training, False, False, inplace)


@function(namespace=F)
def alpha_dropout(input, p=0.5, training=False, inplace=False):
    _check_p(p)
    return _dropout_impl(input, p, training, False, True, inplace)


@function(namespace=F)
def feature_alpha_dropout(input, p=0.5, training=False, inplace=False):
    _check_p(p)
    return _dropout_impl(input, p, training, True, True, inplace)


def _unbatched(input, inplace):
    return input.unsqueeze_(0) if inplace else input.unsqueeze(0)


@function(namespace=F)
def dropout1d(input, p=0.5, training=True, inplace=False):
    _check_p(p)
    d = input.dim()
    if d not in (2, 3):
        raise RuntimeError(f"dropout1d: Expected 2D or 3D input, but received a {d}D input. Note that dropout1d exists "
                           f"to provide channel-wise dropout on inputs with 1 spatial dimension, a channel dimension, "
                           f"and an optional batch dimension (i.e. 2D or 3D inputs).")
    batched = d == 3
    if not batched:
        input = _unbatched(input, inplace)
    r = _dropout_impl(input, p, training, True, False, inplace)
    if not batched:
        r = r.squeeze_(0) if inplace else r.squeeze(0)
    return r


@function(namespace=F)
def dropout2d(input, p=0.5, training=True, inplace=False):
    _check_p(p)
    d = input.dim()
    if d not in (3, 4):
        warnings.warn(f"dropout2d: Received a {d}-D input to dropout2d, which is deprecated and will result in an error "
                      f"in a future release. To retain the behavior and silence this warning, please use dropout "
                      f"instead. Note that dropout2d exists to provide channel-wise dropout on inputs with 2 spatial "
                      f"dimensions, a channel dimension, and an optional batch dimension (i.e. 3D or 4D inputs).",
                      stacklevel=2)
    if d == 3:
        warnings.warn("dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D dropout behavior "
                      "is desired - input is interpreted as shape (N, C, L), where C is the channel dim. This behavior "
                      "will change in a future release to interpret the input as one without a batch dimension, i.e. "
                      "shape (C, H, W). To maintain the 1D channel-wise dropout behavior, please switch to using "
                      "dropout1d instead.", stacklevel=2)
    return _dropout_impl(input, p, training, True, False, inplace)


@function(namespace=F)
def dropout3d(input, p=0.5, training=True, inplace=False):
    _check_p(p)
    d = input.dim()
    if d not in (4, 5):
        warnings.warn(f"dropout3d: Received a {d}-D input to dropout3d, which is deprecated and will result in an error "
                      f"in a future release. To retain the behavior and silence this warning, please use dropout "
                      f"instead. Note that dropout3d exists to provide channel-wise dropout on inputs with 3 spatial "
                      f"dimensions, a channel dimension, and an optional batch dimension (i.e. 4D or 5D inputs).",
                      stacklevel=2)
    batched = d == 5
    if not batched:
        input = _unbatched(input, inplace)
    r = _dropout_impl(input, p, training, True, False, inplace)
    if not batched:
        r = r.squeeze_(0) if inplace else r.squeeze(0)
    return r


for _n, _feat, _alpha in (("dropout", False, False), ("feature_dropout", True, False),
                          ("alpha_dropout", False, True), ("feature_alpha_dropout", True, True)):
    function(_n)(lambda input, p, train, _f=_feat, _a=_alpha: _dropout_impl(input, p, train, _f, _a, False))
    function(_n + "_")(lambda input, p, train, _f=_feat, _a=_alpha: _dropout_impl(input, p, train, _f, _a, True))
