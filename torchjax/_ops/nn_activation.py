"""torch.nn.functional activations (and their torch.* / Tensor.* aliases). One kernel per activation, named after
the grad_fn torch prints."""
import math
import warnings

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from .. import _dtype as D
from .._tensor import Tensor, _wrap_dim
from ._common import cast, check_tensor, float_type, np_dtype
from .kernel import Kernel, call
from .registry import function, method

F = "torch.nn.functional"


def _act(name, fn, grad_fn):
    """A kernel `fn(x, *params)` computed in x's dtype; params are dynamic (traced) scalars."""
    return Kernel(name, lambda dt, x, *p: fn(cast(x, dt), *p), grad_fn)


def _float_check(input, kname):
    if not (input._dtype.is_floating_point or input._dtype.is_complex):
        raise RuntimeError(f'"{kname}" not implemented for \'{D._scalar_name(input._dtype)}\'')


def _run(k, input, params=(), name=None, kname=None):
    if not isinstance(input, Tensor):
        raise TypeError(f"{k.name}(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    if kname is not None:
        _float_check(input, kname)
    return call(k, [input, *params], np_dtype(input._dtype), name=name)


def _maybe_inplace(input, out, inplace):
    if inplace:
        return input._assign(out)
    return out


# ---- kernels ------------------------------------------------------------------------------------------------------

def _hardtanh(x, lo, hi):
    return jnp.clip(x, cast(lo, x.dtype), cast(hi, x.dtype))


def _elu(x, alpha, scale, input_scale):
    a, s, i = (cast(v, x.dtype) for v in (alpha, scale, input_scale))
    return jnp.where(x > 0, x * s, a * s * jnp.expm1(jnp.minimum(x, 0) * i))


def _leaky(x, slope):
    return jnp.where(x > 0, x, x * cast(slope, x.dtype))


def _gelu(approx):
    def f(x):
        if approx == "tanh":
            c = math.sqrt(2 / math.pi)
            return 0.5 * x * (1 + jnp.tanh(c * (x + 0.044715 * x ** 3)))
        return 0.5 * x * (1 + jax.scipy.special.erf(x / math.sqrt(2)))
    return f


def _softplus(x, beta, threshold):
    b = cast(beta, x.dtype)
    bx = x * b
    return jnp.where(bx > threshold, x, jnp.log1p(jnp.exp(jnp.minimum(bx, threshold))) / b)


def _threshold(x, th, value):
    return jnp.where(x > cast(th, x.dtype), x, cast(value, x.dtype))


def _softshrink(x, lambd):
    lam = cast(lambd, x.dtype)
    return jnp.where(x > lam, x - lam, jnp.where(x < -lam, x + lam, jnp.zeros_like(x)))


def _hardshrink(x, lambd):
    lam = cast(lambd, x.dtype)
    return jnp.where((x > lam) | (x < -lam), x, jnp.zeros_like(x))


def _mish(x):
    return x * jnp.tanh(jax.nn.softplus(x))


def _hardswish(x):
    return x * jnp.clip(x + 3, 0, 6) / 6


def _hardsigmoid(x):
    return jnp.clip(x + 3, 0, 6) / 6


def _logsigmoid(x):
    return -jax.nn.softplus(-x)


_RELU = _act("relu", lambda x: jnp.maximum(x, 0), "ReluBackward0")
_HARDTANH = _act("hardtanh", _hardtanh, "HardtanhBackward0")
_ELU = _act("elu", _elu, "EluBackward0")
_LEAKY = _act("leaky_relu", _leaky, "LeakyReluBackward0")
_SILU = _act("silu", jax.nn.silu, "SiluBackward0")
_MISH = _act("mish", _mish, "MishBackward0")
_HARDSWISH = _act("hardswish", _hardswish, "HardswishBackward0")
_HARDSIGMOID = _act("hardsigmoid", _hardsigmoid, "HardsigmoidBackward0")
_SOFTPLUS = _act("softplus", _softplus, "SoftplusBackward0")
_SOFTSIGN = _act("softsign", lambda x: x / (1 + jnp.abs(x)), "DivBackward0")
_SOFTSHRINK = _act("softshrink", _softshrink, "SoftshrinkBackward0")
_HARDSHRINK = _act("hardshrink", _hardshrink, "HardshrinkBackward0")
_TANHSHRINK = _act("tanhshrink", lambda x: x - jnp.tanh(x), "SubBackward0")
_THRESHOLD = _act("threshold", _threshold, "ThresholdBackward0")
_LOGSIGMOID = _act("log_sigmoid", _logsigmoid, "LogSigmoidBackward0")
_GELU = {a: _act("gelu", _gelu(a), "GeluBackward0") for a in ("none", "tanh")}
_CELU = _act("celu", lambda x, a: _elu(x, a, 1.0, 1.0 / a), "CeluBackward0")


# ---- frontends ----------------------------------------------------------------------------------------------------

@function(namespace=F)
def relu(input, inplace=False):
    if inplace:
        return input.relu_()
    return input.relu()


@function(namespace=F)
def relu_(input):
    return input.relu_()


@function(namespace=F)
def relu6(input, inplace=False):
    return hardtanh(input, 0.0, 6.0, inplace)


@function(namespace=F)
def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    out = _run(_HARDTANH, input, (min_val, max_val))
    return _maybe_inplace(input, out, inplace)


@function(namespace=F)
def hardtanh_(input, min_val=-1.0, max_val=1.0):
    return hardtanh(input, min_val, max_val, True)


@function(namespace=F)
def elu(input, alpha=1.0, inplace=False):
    out = _run(_ELU, input, (alpha, 1.0, 1.0), kname="elu_cpu")
    return _maybe_inplace(input, out, inplace)


@function(namespace=F)
def elu_(input, alpha=1.0):
    return elu(input, alpha, True)


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


@function(namespace=F)
def selu(input, inplace=False):
    out = _run(_ELU, input, (_SELU_ALPHA, _SELU_SCALE, 1.0), kname="elu_cpu")
    return _maybe_inplace(input, out, inplace)


@function(namespace=F)
def selu_(input):
    return selu(input, True)


@function(namespace=F)
def celu(input, alpha=1.0, inplace=False):
    if alpha == 0:
        raise RuntimeError("ZeroDivisionError")
    out = _run(_CELU, input, (alpha,), kname="elu_cpu")
    return _maybe_inplace(input, out, inplace)


@function(namespace=F)
def celu_(input, alpha=1.0):
    return celu(input, alpha, True)


@function(namespace=F)
def leaky_relu(input, negative_slope=0.01, inplace=False):
    out = _run(_LEAKY, input, (negative_slope,))
    if inplace:
        input._assign(out)
        return input
    return out


@function(namespace=F)
def leaky_relu_(input, negative_slope=0.01):
    return leaky_relu(input, negative_slope, True)


@function(namespace=F)
def gelu(input, approximate="none"):
    if approximate not in _GELU:
        raise RuntimeError(f"approximate argument must be either none or tanh.")
    return _run(_GELU[approximate], input, kname="GeluKernelImpl")


@function(namespace=F)
def silu(input, inplace=False):
    return _maybe_inplace(input, _run(_SILU, input, kname="silu"), inplace)


@function(namespace=F)
def mish(input, inplace=False):
    return _maybe_inplace(input, _run(_MISH, input, kname="mish"), inplace)


@function(namespace=F)
def hardswish(input, inplace=False):
    return _maybe_inplace(input, _run(_HARDSWISH, input), inplace)


@function(namespace=F)
def hardsigmoid(input, inplace=False):
    return _maybe_inplace(input, _run(_HARDSIGMOID, input), inplace)


@function(namespace=F)
def softplus(input, beta=1.0, threshold=20.0):
    return _run(_SOFTPLUS, input, (beta, threshold))


@function(namespace=F)
def softsign(input):
    return _run(_SOFTSIGN, input)


@function(namespace=F)
def softshrink(input, lambd=0.5):
    if lambd < 0:
        raise RuntimeError(f"lambda must be greater or equal to 0, but found to be {lambd}.")
    return _run(_SOFTSHRINK, input, (lambd,))


@function(namespace=F)
def hardshrink(input, lambd=0.5):
    return _run(_HARDSHRINK, input, (lambd,))


method("hardshrink")(hardshrink)
function("hardshrink")(hardshrink)


@function(namespace=F)
def tanhshrink(input):
    return _run(_TANHSHRINK, input)


@function(namespace=F)
def threshold(input, threshold, value, inplace=False):
    out = _run(_THRESHOLD, input, (threshold, value))
    return _maybe_inplace(input, out, inplace)


@function(namespace=F)
def threshold_(input, threshold, value):
    return _maybe_inplace(input, _run(_THRESHOLD, input, (threshold, value)), True)


@function(namespace=F)
def logsigmoid(input):
    return _run(_LOGSIGMOID, input, kname="log_sigmoid_forward")


@function(namespace=F)
def tanh(input):
    return input.tanh()


@function(namespace=F)
def sigmoid(input):
    return input.sigmoid()


_PRELU = Kernel("prelu", lambda dt, x, w: _prelu(cast(x, dt), cast(w, dt)), "PreluKernelBackward0")


def _prelu(x, w):
    if x.ndim >= 2 and w.size > 1:
        shape = [1] * x.ndim
        shape[1] = w.size
        w = w.reshape(shape)
    elif w.ndim:
        w = w.reshape(()) if w.size == 1 else w
    return jnp.where(x > 0, x, w * x)


@function(namespace=F)
def prelu(input, weight):
    check_tensor(input, "prelu")
    if not isinstance(weight, Tensor):
        raise TypeError(f"prelu(): argument 'weight' (position 2) must be Tensor, not {type(weight).__name__}")
    n = weight.numel()
    if weight.ndim > 1:
        raise RuntimeError(f"prelu: Expected `weight` to be a scalar or 1D tensor, but got: ndim = {weight.ndim}")
    if n != 1:
        if input.ndim == 0:
            raise RuntimeError("Not allow zero-dim input tensor.")
        ch = input.shape[1] if input.ndim >= 2 else 1
        if n != ch:
            raise RuntimeError(f"Mismatch of parameter numbers and input channel size. Found parameter numbers = {n} "
                               f"and channel size = {ch}.")
    return call(_PRELU, [input, weight], np_dtype(input._dtype))


function("prelu")(prelu)


@function(namespace=F)
def rrelu(input, lower=1.0 / 8, upper=1.0 / 3, training=False, inplace=False):
    if lower > upper:
        raise RuntimeError("Lower bound should be less than or equal to the upper bound")
    if not training:
        out = call(_LEAKY, [input, (lower + upper) / 2], np_dtype(input._dtype), name="RreluWithNoiseBackward0")
        return _maybe_inplace(input, out, inplace)
    from .. import _random
    from ._common import concrete
    v = concrete(input)
    if v is None:
        raise NotImplementedError("torchjax: F.rrelu(training=True) inside compiled code")
    neg = np.asarray(v) <= 0
    g = _random.default_generator
    noise = np.ones(v.shape, np_dtype(input._dtype))
    k = int(neg.sum())
    if k:
        noise[neg] = g._uniform((k,), np.float64, lower, upper).astype(noise.dtype)
    from .creation import _put
    nz = _put(noise, input.device)
    out = call(_MUL_NOISE, [input, nz], np_dtype(input._dtype), name="RreluWithNoiseBackward0")
    return _maybe_inplace(input, out, inplace)


_MUL_NOISE = Kernel("rrelu", lambda dt, x, n: cast(x, dt) * n, "RreluWithNoiseBackward0")


@function(namespace=F)
def rrelu_(input, lower=1.0 / 8, upper=1.0 / 3, training=False):
    return rrelu(input, lower, upper, training, True)


_GLU = Kernel("glu", lambda d, x: _glu(x, d), "GluBackward0")


def _glu(x, d):
    a, b = jnp.split(x, 2, axis=d)
    return a * jax.nn.sigmoid(b)


@function(namespace=F)
def glu(input, dim=-1):
    if input.ndim == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    d = _wrap_dim(dim, input.ndim)
    if input.shape[d] % 2:
        raise RuntimeError(f"Halving dimension must be even, but dimension {d} is size {input.shape[d]}")
    return call(_GLU, [input], d)


def _softmax_dim(name, ndim, stacklevel):
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call to include dim=X as an "
                  f"argument.", stacklevel=stacklevel)
    return 0 if ndim in (0, 1, 3) else 1


@function(namespace=F)
def softmax(input, dim=None, _stacklevel=3, dtype=None):
    if dim is None:
        dim = _softmax_dim("softmax", input.ndim, _stacklevel)
    return input.softmax(dim, dtype=dtype)


@function(namespace=F)
def softmin(input, dim=None, _stacklevel=3, dtype=None):
    if dim is None:
        dim = _softmax_dim("softmin", input.ndim, _stacklevel)
    return (-input).softmax(dim, dtype=dtype)


@function(namespace=F)
def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    if dim is None:
        dim = _softmax_dim("log_softmax", input.ndim, _stacklevel)
    return input.log_softmax(dim, dtype=dtype)


@function(namespace=F)
def gumbel_softmax(logits, tau=1.0, hard=False, eps=1e-10, dim=-1):
    if eps != 1e-10:
        warnings.warn("`eps` parameter is deprecated and has no effect.", stacklevel=2)
    from .creation import empty_like, zeros_like
    gumbels = -empty_like(logits).exponential_().log()
    gumbels = (logits + gumbels) / tau
    y_soft = gumbels.softmax(dim)
    if hard:
        index = y_soft.max(dim, keepdim=True)[1]
        y_hard = zeros_like(logits).scatter_(dim, index, 1.0)
        return y_hard - y_soft.detach() + y_soft
    return y_soft


# torch.* level names with torch's signatures
function("selu")(lambda input: selu(input))
function("selu_")(lambda input: selu(input, True))
function("celu")(lambda input, alpha=1.0: celu(input, alpha))
function("celu_")(lambda input, alpha=1.0: celu(input, alpha, True))
function("threshold")(lambda input, threshold, value: globals()["threshold"](input, threshold, value))
function("threshold_")(lambda input, threshold, value: threshold_(input, threshold, value))
function("rrelu")(lambda input, lower=1.0 / 8, upper=1.0 / 3, training=False, generator=None:
                  rrelu(input, lower, upper, training))
function("rrelu_")(lambda input, lower=1.0 / 8, upper=1.0 / 3, training=False, generator=None:
                   rrelu(input, lower, upper, training, True))
