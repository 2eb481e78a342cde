"""Pointwise ops: unary, binary (with torch's promotion and broadcasting errors), comparisons, ternaries."""
import jax
import jax.numpy as jnp
import jax.scipy.special as jss
import numpy as np
from jax import lax

from .. import _dtype as D
from .._tensor import Tensor
from ._common import (tabs, broadcast_shapes2, cast, check_tensor, concrete, float_type, is_scalar, np_dtype,
                      result_type)
from .kernel import Kernel, call
from .registry import op, method

_FAST_TYPES = {Tensor, int, float, bool, complex, type(None)}
ADD_GRADS = Kernel("add_grads", lambda _, a, b: a + b.astype(a.dtype), "AddBackward0", linear=True)


def _num(x):
    """numpy scalars behave as Python numbers; 0-d numpy arrays and other arrays become tensors."""
    if type(x) in _FAST_TYPES:
        return x
    if isinstance(x, (np.generic,)):
        return x.item()
    if isinstance(x, np.ndarray):
        from .creation import as_tensor
        return as_tensor(x)
    return x


def _check_operand(x, fname, pos, argname="other"):
    if not isinstance(x, Tensor) and not is_scalar(x):
        raise TypeError(f"{fname}(): argument '{argname}' (position {pos}) must be Tensor, not {type(x).__name__}")


def _bcast(a, b):
    if isinstance(a, Tensor) and isinstance(b, Tensor) and a._shape != b._shape:
        broadcast_shapes2(a._shape, b._shape)


# ---------------------------------------------------------------------------------------------------------------
# unary
# ---------------------------------------------------------------------------------------------------------------

def _unary(name, jfn, grad_fn=None, *, kind="float", aliases=(), inplace=True, saves=None, linear=False,
           method=True, namespace="torch", extra_names=(), no_bool=False):
    """kind: 'float' (ints promote to the default float), 'same' (keeps dtype), 'bool' (returns bool)."""
    k = Kernel(name, lambda dt, x: jfn(cast(x, dt)), grad_fn, saves=saves, linear=linear)

    def f(input):
        check_tensor(input, name)
        dt = input._dtype
        if no_bool and dt is D.bool:
            raise RuntimeError("Negation, the `-` operator, on a bool tensor is not supported. If you are trying to "
                               "invert a mask, use the `~` or `logical_not()` operator instead.")
        if kind == "float":
            dt = float_type(dt)
        out = call(k, [input], np_dtype(dt))
        return out
    f.__name__ = name
    op(name, inplace=inplace, out=True, aliases=aliases, method=method, namespace=namespace)(f)
    from .registry import FUNCTIONS, _add_function
    for ns, n in extra_names:
        _add_function(ns, n, FUNCTIONS[namespace][name])
    return f


def digamma_fn(x):
    """digamma with torch's conventions: reflection for negative arguments, -inf at 0, nan at negative integers."""
    xr = jnp.where(x < 0, 1 - x, x)
    r = jss.digamma(xr)
    refl = r - jnp.pi / jnp.tan(jnp.pi * x)
    out = jnp.where(x < 0, refl, r)
    out = jnp.where(x == 0, jnp.copysign(jnp.inf, -x), out)
    return jnp.where((x < 0) & (x == jnp.floor(x)), jnp.nan, out)


@jax.custom_jvp
def _i0(x):
    return jss.i0(x)


@_i0.defjvp
def _i0_jvp(primals, tangents):
    x, = primals
    t, = tangents
    return jss.i0(x), jss.i1(x) * t


@jax.custom_jvp
def _relu(x):
    return jnp.maximum(x, 0)


@_relu.defjvp
def _relu_jvp(primals, tangents):
    """torch's threshold_backward: the gradient passes where the output is not <= 0 (NaN included). The mask is a
    float residual: XLA's CPU select on a stored bool array runs ~4x slower than a multiply, and a compiled
    module's backward reads it from memory."""
    y = _relu(primals[0])
    return y, tangents[0] * jnp.where(y <= 0, 0, 1).astype(y.dtype)


def _sinc(x):
    return jnp.sinc(x)


_FLOAT_UNARY = [
    ("exp", jnp.exp, None, ()), ("exp2", jnp.exp2, None, ("special.exp2",)), ("expm1", jnp.expm1, None, ()),
    ("log", jnp.log, None, ()), ("log2", jnp.log2, None, ()), ("log10", jnp.log10, None, ()),
    ("log1p", jnp.log1p, None, ()), ("sqrt", jnp.sqrt, None, ()), ("rsqrt", lax.rsqrt, None, ()),
    ("sin", jnp.sin, None, ()), ("cos", jnp.cos, None, ()), ("tan", jnp.tan, None, ()),
    ("asin", jnp.arcsin, None, ("arcsin",)), ("acos", jnp.arccos, None, ("arccos",)),
    ("atan", jnp.arctan, None, ("arctan",)), ("sinh", jnp.sinh, None, ()), ("cosh", jnp.cosh, None, ()),
    ("tanh", jnp.tanh, None, ()), ("asinh", jnp.arcsinh, None, ("arcsinh",)),
    ("acosh", jnp.arccosh, None, ("arccosh",)), ("atanh", jnp.arctanh, None, ("arctanh",)),
    ("sigmoid", jax.nn.sigmoid, None, ()), ("erf", jss.erf, None, ()), ("erfc", jss.erfc, None, ()),
    ("erfinv", jss.erfinv, None, ()), ("lgamma", jss.gammaln, None, ()), ("digamma", digamma_fn, None, ()),
    ("reciprocal", lambda x: 1 / x, None, ()), ("i0", _i0, None, ()), ("sinc", _sinc, None, ()),
    ("deg2rad", jnp.deg2rad, None, ()), ("rad2deg", jnp.rad2deg, None, ()),
]
for _n, _f, _g, _al in _FLOAT_UNARY:
    _unary(_n, _f, _g, aliases=tuple(a for a in _al if "." not in a))


def _neg(x):
    return -x


def _abs(x):
    return tabs(x) if jnp.issubdtype(x.dtype, jnp.inexact) else jnp.abs(x)


def _keep_int(f):
    """floor/ceil/trunc of an integer (or bool) tensor is the tensor itself, as in torch."""
    return lambda x: x if not jnp.issubdtype(x.dtype, jnp.inexact) else f(x)


_SAME_UNARY = [
    ("neg", _neg, "NegBackward0", ("negative",), True), ("abs", _abs, None, ("absolute",), False),
    ("sign", jnp.sign, None, (), False), ("floor", _keep_int(jnp.floor), None, (), False),
    ("ceil", _keep_int(jnp.ceil), None, (), False), ("trunc", _keep_int(jnp.trunc), None, ("fix",), False),
    ("frac", lambda x: x - jnp.trunc(x), None, (), False),
    ("square", jnp.square, "PowBackward0", (), False), ("relu", _relu, None, (), False),
    ("positive", lambda x: x, "AliasBackward0", (), True), ("conj_physical", jnp.conj, None, (), True),
]
for _n, _f, _g, _al, _lin in _SAME_UNARY:
    _unary(_n, _f, _g, kind="same", aliases=_al, linear=_lin, no_bool=_n == "neg")


_ROUND = Kernel("round", lambda st, x: jnp.round(cast(x, st[0]), st[1]), "RoundBackward0")


@op(inplace=True, out=True)
def round(input, *, decimals=0):  # noqa: A001
    check_tensor(input, "round")
    if not (input._dtype.is_floating_point or input._dtype.is_complex):
        return input.clone() if decimals == 0 else input.clone()
    return call(_ROUND, [input], (np_dtype(input._dtype), int(decimals)),
                name="RoundBackward1" if decimals else "RoundBackward0")


_SGN = Kernel("sgn", lambda dt, x: jnp.where(x == 0, 0, x / jnp.abs(x)).astype(dt) if jnp.iscomplexobj(x)
              else jnp.sign(x), "SgnBackward0")


@op(inplace=True, out=True)
def sgn(input):
    return call(_SGN, [input], np_dtype(input._dtype))


@op(inplace=True, out=True)
def logical_not(input):
    return call(_LOGICAL_NOT, [input], None)


_LOGICAL_NOT = Kernel("logical_not", lambda _, x: jnp.logical_not(x), "LogicalNotBackward0")

_BITWISE_NOT = Kernel("bitwise_not", lambda _, x: jnp.logical_not(x) if x.dtype == jnp.bool_ else jnp.invert(x),
                      "BitwiseNotBackward0")


@op(inplace=True, out=True)
def bitwise_not(input):
    if input._dtype.is_floating_point or input._dtype.is_complex:
        raise RuntimeError(f'"bitwise_not_cpu" not implemented for \'{D._scalar_name(input._dtype)}\'')
    return call(_BITWISE_NOT, [input], None)


_ANGLE = Kernel("angle", lambda dt, x: jnp.angle(x).astype(dt) if jnp.iscomplexobj(x)
                else jnp.where(jnp.isnan(x), x, jnp.where(x < 0, jnp.pi, 0.0)).astype(dt), "AngleBackward0")


@op(out=True)
def angle(input):
    dt = input._dtype.to_real() if input._dtype.is_complex else float_type(input._dtype)
    return call(_ANGLE, [input], np_dtype(dt))


_CONJ = Kernel("conj", lambda _, x: jnp.conj(x), "ConjBackward0", linear=True)


@op()
def conj(input):
    if not input._dtype.is_complex:
        return input
    return call(_CONJ, [input], None)


@op()
def resolve_conj(input):
    return input


@op()
def resolve_neg(input):
    return input


@op()
def is_conj(input):
    return False


@op()
def is_neg(input):
    return False


_LOGIT = Kernel("logit", lambda st, x: _logit(cast(x, st[0]), st[1]), "LogitBackward0")


def _logit(x, eps):
    if eps is not None:
        x = jnp.clip(x, eps, 1 - eps)
    return jnp.log(x / (1 - x))


@op(inplace=True, out=True)
def logit(input, eps=None):
    return call(_LOGIT, [input], (np_dtype(float_type(input._dtype)), eps))


_NAN_TO_NUM = Kernel("nan_to_num", lambda st, x: jnp.nan_to_num(x, nan=st[0], posinf=st[1], neginf=st[2]),
                     "NanToNumBackward0")


@op(inplace=True, out=True)
def nan_to_num(input, nan=0.0, posinf=None, neginf=None):
    if not (input._dtype.is_floating_point or input._dtype.is_complex):
        return input.clone()
    return call(_NAN_TO_NUM, [input], (float(nan), posinf, neginf))


def _bool_unary(name, jfn):
    k = Kernel(name, lambda _, x: jfn(x), name.capitalize() + "Backward0")

    def f(input):
        check_tensor(input, name)
        return call(k, [input], None)
    f.__name__ = name
    op(name)(f)


_bool_unary("isnan", jnp.isnan)
_bool_unary("isinf", jnp.isinf)
_bool_unary("isfinite", jnp.isfinite)
_bool_unary("isposinf", jnp.isposinf)
_bool_unary("isneginf", jnp.isneginf)
_bool_unary("signbit", lambda x: jnp.signbit(x) if jnp.issubdtype(x.dtype, jnp.floating) else x < 0)
_bool_unary("isreal", lambda x: jnp.imag(x) == 0 if jnp.iscomplexobj(x) else jnp.ones(x.shape, bool))


# ---------------------------------------------------------------------------------------------------------------
# binary
# ---------------------------------------------------------------------------------------------------------------

def _shift(a, b, left):
    """torch's shifts: a shift by >= the bit width gives 0 (or -1 for negative values shifted right)."""
    bits = jnp.iinfo(a.dtype).bits if a.dtype != jnp.bool_ else 8
    big = (b >= bits) | (b < 0)
    bs = jnp.where(big, 0, b)
    if left:
        return jnp.where(big, jnp.zeros_like(a), jnp.left_shift(a, bs))
    return jnp.where(big, jnp.where(a < 0, -1, 0).astype(a.dtype), jnp.right_shift(a, bs))


def _binary_kernel(name, jfn, grad_fn=None, **kw):
    return Kernel(name, lambda dt, a, b: jfn(cast(a, dt), cast(b, dt)), grad_fn, **kw)


def _check_scalars(input, other, name, scalars):
    """torch's overloads: which operands may be Python numbers ('all', 'one', 'other', 'none')."""
    if scalars == "all":
        return
    si, so = not isinstance(input, Tensor), not isinstance(other, Tensor)
    if (si and so and scalars != "all") or (si and scalars in ("other", "none")) or (so and scalars == "none"):
        bad, pos, arg = (input, 1, "input") if si else (other, 2, "other")
        raise TypeError(f"{name}(): argument '{arg}' (position {pos}) must be Tensor, not {type(bad).__name__}")


def _binary(name, jfn, grad_fn=None, *, kind="promote", aliases=(), inplace=True, saves=None, linear=False,
            int_only=False, no_bool=False, scalars="one", method=True, extra_names=(), namespace="torch"):
    """kind: 'promote' (result_type), 'float' (ints -> default float), 'compare' (bool result).
    scalars: which operands may be Python numbers (see _check_scalars)."""
    k = _binary_kernel(name, jfn, grad_fn, saves=saves, linear=linear)

    def f(input, other):
        input, other = _num(input), _num(other)
        _check_operand(input, name, 1, "input")
        _check_operand(other, name, 2)
        _check_scalars(input, other, name, scalars)
        dt = result_type(input, other)
        if kind == "float":
            dt = float_type(dt)
        if int_only and (dt.is_floating_point or dt.is_complex):
            raise RuntimeError(f'"{name}_cpu" not implemented for \'{D._scalar_name(dt)}\'')
        _bcast(input, other)
        return call(k, [input, other], np_dtype(dt),
                    device=None if isinstance(input, Tensor) or isinstance(other, Tensor) else _default_dev())
    f.__name__ = name
    op(name, inplace=inplace, out=True, aliases=aliases, method=method, namespace=namespace)(f)
    from .registry import FUNCTIONS, _add_function
    for ns, n in extra_names:
        _add_function(ns, n, FUNCTIONS[namespace][name])
    return f


def _default_dev():
    from .._tensor import get_default_device
    return get_default_device()


atan2 = _binary("atan2", jnp.arctan2, kind="float", aliases=("arctan2",), scalars="none")
hypot = _binary("hypot", jnp.hypot, scalars="none")
copysign = _binary("copysign", jnp.copysign, kind="float", scalars="other")
def _nextafter(a, b):
    # torch's derivative: 1 w.r.t. a (nextafter is the identity up to one ulp), 0 w.r.t. b
    r = jnp.nextafter(lax.stop_gradient(a), lax.stop_gradient(b))
    return a + lax.stop_gradient(r - a)


nextafter = _binary("nextafter", _nextafter, scalars="none")
logaddexp = _binary("logaddexp", jnp.logaddexp, scalars="none")
logaddexp2 = _binary("logaddexp2", jnp.logaddexp2, scalars="none")
xlogy = _binary("xlogy", jss.xlogy, kind="float")
maximum = _binary("maximum", jnp.maximum, inplace=False, scalars="none")
minimum = _binary("minimum", jnp.minimum, inplace=False, scalars="none")
fmax = _binary("fmax", lambda a, b: jnp.where((a >= b) | jnp.isnan(b), a, b), inplace=False,  # ties -> a
               scalars="none")
fmin = _binary("fmin", lambda a, b: jnp.where((a <= b) | jnp.isnan(b), a, b), inplace=False,
               scalars="none")
fmod = _binary("fmod", lambda a, b: jnp.fmod(a, b) if jnp.issubdtype(a.dtype, jnp.inexact)
               else jnp.where(b == 0, 0, jnp.fmod(a, jnp.where(b == 0, 1, b))), scalars="other")
remainder = _binary("remainder", lambda a, b: jnp.remainder(a, b) if jnp.issubdtype(a.dtype, jnp.floating)
                    else jnp.where(b == 0, 0, jnp.remainder(a, jnp.where(b == 0, 1, b))))
bitwise_and = _binary("bitwise_and", lambda a, b: a & b, int_only=True, aliases=("__and__",))
bitwise_or = _binary("bitwise_or", lambda a, b: a | b, int_only=True, aliases=("__or__",))
bitwise_xor = _binary("bitwise_xor", lambda a, b: a ^ b, int_only=True, aliases=("__xor__",))
bitwise_left_shift = _binary("bitwise_left_shift", lambda a, b: _shift(a, b, True), int_only=True,
                             aliases=("__lshift__",))
bitwise_right_shift = _binary("bitwise_right_shift", lambda a, b: _shift(a, b, False), int_only=True,
                              aliases=("__rshift__",))
logical_and = _binary("logical_and", lambda a, b: jnp.logical_and(a, b), kind="compare", scalars="none")
logical_or = _binary("logical_or", lambda a, b: jnp.logical_or(a, b), kind="compare", scalars="none")
logical_xor = _binary("logical_xor", lambda a, b: jnp.logical_xor(a, b), kind="compare", scalars="none")


def _compare(name, jfn, aliases=()):
    k = _binary_kernel(name, jfn, name.capitalize() + "Backward0")

    def f(input, other):
        input, other = _num(input), _num(other)
        _check_operand(input, name, 1, "input")
        _check_operand(other, name, 2)
        _check_scalars(input, other, name, "other")
        dt = result_type(input, other)
        _bcast(input, other)
        return call(k, [input, other], np_dtype(dt))
    f.__name__ = name
    op(name, inplace=True, out=True, aliases=aliases)(f)
    return f


eq = _compare("eq", jnp.equal)
ne = _compare("ne", jnp.not_equal, aliases=("not_equal",))
lt = _compare("lt", jnp.less, aliases=("less",))
le = _compare("le", jnp.less_equal, aliases=("less_equal",))
gt = _compare("gt", jnp.greater, aliases=("greater",))
ge = _compare("ge", jnp.greater_equal, aliases=("greater_equal",))

_ADD = Kernel("add", lambda dt, a, b, alpha: cast(a, dt) + (cast(b, dt) if alpha is None else cast(b, dt) *
                                                             cast(alpha, dt)), "AddBackward0", linear=True)
_SUB = Kernel("sub", lambda dt, a, b, alpha: cast(a, dt) - (cast(b, dt) if alpha is None else cast(b, dt) *
                                                             cast(alpha, dt)), "SubBackward0", linear=True)


def _check_alpha(alpha, dt, fname):
    if alpha == 1 or alpha is None:
        return None
    if isinstance(alpha, Tensor):
        alpha = alpha.item()
    if not (dt.is_floating_point or dt.is_complex) and isinstance(alpha, float):
        raise RuntimeError("For integral input tensors, argument alpha must not be a floating point number.")
    if dt is D.bool and not isinstance(alpha, bool):
        raise RuntimeError("Boolean alpha only supported for Boolean results.")
    return alpha


@op(inplace=True, out=True)
def add(input, other, *deprecated, alpha=1):
    if deprecated:  # torch's deprecated add(Number alpha, Tensor other)
        other, alpha = _deprecated_alpha("add", "alpha", other, deprecated, "Tensor other, *, Number alpha = 1")
    input, other = _num(input), _num(other)
    _check_operand(input, "add", 1, "input")
    _check_operand(other, "add", 2)
    dt = result_type(input, other)
    alpha = _check_alpha(alpha, dt, "add")
    _bcast(input, other)
    return call(_ADD, [input, other, alpha], np_dtype(dt),
                name=None if isinstance(other, Tensor) and isinstance(input, Tensor) else "AddBackward0")


def _deprecated_alpha(name, scalar_name, scalar, rest, new_signature, n=1):
    """torch's deprecated overloads that take the scalar first: warn as torch does and reorder the arguments."""
    import warnings
    if len(rest) != n or not is_scalar(scalar) or not all(isinstance(t, Tensor) for t in rest):
        raise TypeError(f"{name}() received an invalid combination of arguments")
    import sys
    wrapper = sys._getframe(2).f_code.co_name  # the registry's in-place or out= wrapper, if any
    if wrapper == "inplace":
        name += "_"
    tensors = ", ".join(["Tensor other"] if n == 1 else ["Tensor tensor1", "Tensor tensor2"])
    warnings.warn(f"This overload of {name} is deprecated:\n\t{name}(Number {scalar_name}, {tensors})\nConsider "
                  f"using one of the following signatures instead:\n\t{name}({new_signature}) (Triggered "
                  "internally at /__w/pytorch/pytorch/torch/csrc/utils/python_arg_parser.cpp:1841.)", UserWarning,
                  stacklevel=4 if wrapper in ("inplace", "with_out") else 3)
    return (rest[0] if n == 1 else tuple(rest)), scalar


@op(inplace=True, out=True, aliases=("subtract",))
def sub(input, other, *deprecated, alpha=1):
    if deprecated:  # torch's deprecated sub(Number alpha, Tensor other)
        other, alpha = _deprecated_alpha("sub", "alpha", other, deprecated, "Tensor other, *, Number alpha = 1")
    input, other = _num(input), _num(other)
    _check_operand(input, "sub", 1, "input")
    _check_operand(other, "sub", 2)
    dt = result_type(input, other)
    _check_bool_sub(input, other)
    alpha = _check_alpha(alpha, dt, "sub")
    _bcast(input, other)
    return call(_SUB, [input, other, alpha], np_dtype(dt))


def _is_bool(x):
    return x._dtype is D.bool if isinstance(x, Tensor) else isinstance(x, (bool, np.bool_))


def _check_bool_sub(a, b):
    if _is_bool(a) and _is_bool(b):
        raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` or "
                           "`logical_xor()` operator instead.")
    if _is_bool(a) or _is_bool(b):
        raise RuntimeError("Subtraction, the `-` operator, with a bool tensor is not supported. If you are trying "
                           "to invert a mask, use the `~` or `logical_not()` operator instead.")


@op(method=True)
def rsub(input, other, *, alpha=1):
    input, other = _num(input), _num(other)
    _check_operand(input, "rsub", 1, "input")
    _check_operand(other, "rsub", 2)
    _check_scalars(input, other, "rsub", "other")
    _check_bool_sub(input, other)
    dt = result_type(input, other)
    alpha = _check_alpha(alpha, dt, "rsub")
    _bcast(input, other)
    return call(_SUB, [other, input, alpha], np_dtype(dt), name="RsubBackward1" if not isinstance(other, Tensor)
                else "RsubBackward0")


_MUL = _binary_kernel("mul", jnp.multiply, "MulBackward0")


@op(inplace=True, out=True, aliases=("multiply",))
def mul(input, other):
    input, other = _num(input), _num(other)
    _check_operand(input, "mul", 1, "input")
    _check_operand(other, "mul", 2)
    dt = result_type(input, other)
    _bcast(input, other)
    return call(_MUL, [input, other], np_dtype(dt))


def _trunc_div(a, b):
    if jnp.issubdtype(a.dtype, jnp.integer):
        return lax.div(a, jnp.where(b == 0, 1, b))
    return jnp.trunc(a / b)


def _floor_div(a, b):
    if jnp.issubdtype(a.dtype, jnp.integer):
        return jnp.floor_divide(a, jnp.where(b == 0, 1, b))
    q = jnp.floor_divide(a, b)
    return jnp.where(b == 0, a / b, q)


_DIV = _binary_kernel("div", jnp.true_divide, "DivBackward0")
_DIV_TRUNC = _binary_kernel("div_trunc", _trunc_div, "DivBackward2")
_DIV_FLOOR = _binary_kernel("div_floor", _floor_div, "DivBackward2")


def _check_int_zero_div(other, dt):
    if not (dt.is_floating_point or dt.is_complex):
        if isinstance(other, Tensor):
            v = concrete(other)
            if v is not None and (v == 0).any():
                raise RuntimeError("ZeroDivisionError")
        elif other == 0:
            raise RuntimeError("ZeroDivisionError")


@op(inplace=True, out=True, aliases=("divide",))
def div(input, other, *, rounding_mode=None):
    input, other = _num(input), _num(other)
    _check_operand(input, "div", 1, "input")
    _check_operand(other, "div", 2)
    dt = result_type(input, other)
    _bcast(input, other)
    if rounding_mode is None:
        return call(_DIV, [input, other], np_dtype(float_type(dt)))
    if rounding_mode == "trunc":
        _check_int_zero_div(other, dt)
        return call(_DIV_TRUNC, [input, other], np_dtype(dt))
    if rounding_mode == "floor":
        _check_int_zero_div(other, dt)
        return call(_DIV_FLOOR, [input, other], np_dtype(dt))
    raise RuntimeError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found "
                       f"'{rounding_mode}'")


@op(inplace=True, out=True)
def true_divide(input, other):
    return div(input, other)


@op(inplace=True, out=True)
def floor_divide(input, other):
    return div(input, other, rounding_mode="floor")


_POW = _binary_kernel("pow", jnp.power, "PowBackward1")
_POW_SCALAR_EXP = Kernel("pow", lambda dt, a, b: _pow_scalar(cast(a, dt), b), "PowBackward0")


def _pow_scalar(a, b):
    if isinstance(b, int) and not isinstance(b, bool) and -64 <= b <= 64 and b >= 0:
        return lax.integer_pow(a, b)
    if isinstance(b, float) and b == 2.0:
        return a * a
    if isinstance(b, float) and b == 0.5:
        return jnp.sqrt(a)
    return jnp.power(a, cast(b, a.dtype))


_POW_STATIC = Kernel("pow", lambda st, a: _pow_scalar(cast(a, st[0]), st[1]), "PowBackward0")


@op(inplace=True, out=True)
def pow(input, exponent):  # noqa: A001
    input, exponent = _num(input), _num(exponent)
    _check_operand(input, "pow", 1, "input")
    _check_operand(exponent, "pow", 2, "exponent")
    _check_scalars(input, exponent, "pow", "one")
    dt = result_type(input, exponent)
    if isinstance(input, Tensor) and not isinstance(exponent, Tensor):
        if not (dt.is_floating_point or dt.is_complex) and exponent < 0:
            raise RuntimeError("Integers to negative integer powers are not allowed.")
        if isinstance(exponent, (int, float)) and not isinstance(exponent, bool) and \
                float(exponent) in (0.0, 0.5, 1.0, 2.0, 3.0, -1.0, -2.0, -0.5):
            return call(_POW_STATIC, [input], (np_dtype(dt), exponent), name="PowBackward0")
        return call(_POW, [input, exponent], np_dtype(dt), name="PowBackward0")
    if not isinstance(input, Tensor):
        return call(_POW, [input, exponent], np_dtype(dt), name="PowBackward2")
    _bcast(input, exponent)
    if not (dt.is_floating_point or dt.is_complex):
        v = concrete(exponent)
        if v is not None and (v < 0).any():
            raise RuntimeError("Integers to negative integer powers are not allowed.")
    return call(_POW, [input, exponent], np_dtype(dt))


@op(out=True)
def float_power(input, exponent):
    input, exponent = _num(input), _num(exponent)
    _check_scalars(input, exponent, "float_power", "one")
    dt = D.complex128 if (isinstance(input, Tensor) and input._dtype.is_complex) or \
        (isinstance(exponent, Tensor) and exponent._dtype.is_complex) or isinstance(exponent, complex) else D.float64
    return call(_POW, [input, exponent], np_dtype(dt))


def _float_power_(self, exponent):
    if self._dtype is not D.float64 and self._dtype is not D.complex128:
        raise RuntimeError(f"the base given to float_power_ has dtype {D._scalar_name(self._dtype)} but the operation's "
                           f"result requires dtype Double")
    return self._assign(float_power(self, exponent))


Tensor.float_power_ = _float_power_

# ---------------------------------------------------------------------------------------------------------------
# ternary and clamp
# ---------------------------------------------------------------------------------------------------------------

_CLAMP = Kernel("clamp", lambda dt, x, lo, hi: _clamp(cast(x, dt), lo, hi, dt), "ClampBackward1")


def _clamp(x, lo, hi, dt):
    if lo is not None:
        x = jnp.maximum(x, cast(lo, dt))
    if hi is not None:
        x = jnp.minimum(x, cast(hi, dt))
    return x


@op(inplace=True, out=True, aliases=("clip",))
def clamp(input, min=None, max=None):  # noqa: A002
    check_tensor(input, "clamp")
    min, max = _num(min), _num(max)  # noqa: A001
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    dt = result_type(input, min, max)
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        for b in (min, max):
            if isinstance(b, Tensor):
                broadcast_shapes2(input._shape, b._shape)
        name = "ClampBackward0"
    else:
        name = "ClampMinBackward0" if max is None else ("ClampMaxBackward0" if min is None else "ClampBackward1")
    return call(_CLAMP, [input, min, max], np_dtype(dt), name=name)


@op(inplace=True, out=True)
def clamp_min(input, min):  # noqa: A002
    return clamp(input, min=min)


@op(inplace=True, out=True)
def clamp_max(input, max):  # noqa: A002
    return clamp(input, max=max)


_WHERE = Kernel("where", lambda dt, c, x, y: jnp.where(c, cast(x, dt), cast(y, dt)), "WhereBackward0")


@op(out=True)
def where(condition, input=None, other=None):
    if input is None and other is None:
        from .indexing import nonzero
        return nonzero(condition, as_tuple=True)
    input, other = _num(input), _num(other)
    if not isinstance(condition, Tensor):
        raise TypeError(f"where(): argument 'condition' (position 1) must be Tensor, not {type(condition).__name__}")
    if condition._dtype is not D.bool:
        raise RuntimeError(f"where expected condition to be a boolean tensor, but got a tensor with dtype "
                           f"{D._scalar_name(condition._dtype)}")
    dt = result_type(input, other)
    shape = condition._shape
    for t in (input, other):
        if isinstance(t, Tensor):
            shape = broadcast_shapes2(shape, t._shape)
    return call(_WHERE, [condition, input, other], np_dtype(dt))


def _where_method(self, condition, y):
    return where(condition, self, y)


Tensor.where = _where_method

_LERP = Kernel("lerp", lambda dt, a, b, w: cast(a, dt) + cast(w, dt) * (cast(b, dt) - cast(a, dt)), "LerpBackward0")


@op(inplace=True, out=True)
def lerp(input, end, weight):
    weight = _num(weight)
    dt = result_type(input, end)
    name = "LerpBackward1" if isinstance(weight, Tensor) else "LerpBackward0"
    return call(_LERP, [input, end, weight], np_dtype(dt), name=name)


_ADDCMUL = Kernel("addcmul", lambda dt, x, a, b, v: cast(x, dt) + cast(v, dt) * cast(a, dt) * cast(b, dt),
                  "AddcmulBackward0")
_ADDCDIV = Kernel("addcdiv", lambda dt, x, a, b, v: cast(x, dt) + cast(v, dt) * cast(a, dt) / cast(b, dt),
                  "AddcdivBackward0")


@op(inplace=True, out=True)
def addcmul(input, tensor1, tensor2=None, *deprecated, value=1):
    if deprecated or tensor2 is None:  # torch's deprecated addcmul(Number value, Tensor tensor1, Tensor tensor2)
        (tensor1, tensor2), value = _deprecated_alpha("addcmul", "value", tensor1, (tensor2,) + deprecated,
                                                      "Tensor tensor1, Tensor tensor2, *, Number value = 1", 2)
    dt = result_type(input, tensor1, tensor2)
    broadcast_shapes2(broadcast_shapes2(input._shape, tensor1._shape), tensor2._shape)
    return call(_ADDCMUL, [input, tensor1, tensor2, value], np_dtype(dt))


@op(inplace=True, out=True)
def addcdiv(input, tensor1, tensor2=None, *deprecated, value=1):
    if deprecated or tensor2 is None:  # torch's deprecated addcdiv(Number value, Tensor tensor1, Tensor tensor2)
        (tensor1, tensor2), value = _deprecated_alpha("addcdiv", "value", tensor1, (tensor2,) + deprecated,
                                                      "Tensor tensor1, Tensor tensor2, *, Number value = 1", 2)
    dt = result_type(input, tensor1, tensor2)
    if not (dt.is_floating_point or dt.is_complex):
        raise RuntimeError("Integer division with addcdiv is no longer supported, and in a future release addcdiv "
                           "will perform a true division of tensor1 and tensor2. The historic addcdiv behavior can "
                           "be implemented as (input + value * torch.trunc(tensor1 / tensor2)).to(input.dtype) for "
                           "integer inputs and as (input + value * tensor1 / tensor2) for float inputs. The future "
                           "addcdiv behavior is just the latter implementation: (input + value * tensor1 / tensor2), "
                           "for all dtypes.")
    broadcast_shapes2(broadcast_shapes2(input._shape, tensor1._shape), tensor2._shape)
    return call(_ADDCDIV, [input, tensor1, tensor2, value], np_dtype(dt))


_ISCLOSE = Kernel("isclose", lambda st, a, b: _isclose(a, b, *st), "IscloseBackward0")


def _isclose(a, b, rtol, atol, equal_nan, dt):
    a, b = cast(a, dt), cast(b, dt)
    close = a == b
    diff = jnp.abs(a - b)
    fin = jnp.isfinite(diff)
    close = close | (fin & (diff <= atol + rtol * jnp.abs(b)))
    if equal_nan:
        close = close | (jnp.isnan(a) & jnp.isnan(b))
    return close


@op()
def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    check_tensor(input, "isclose")
    check_tensor(other, "isclose", "other", 2)
    if isinstance(other, Tensor) and input._dtype is not other._dtype:
        raise RuntimeError(f"{input._dtype} did not match {other._dtype}")
    if rtol < 0:
        raise RuntimeError(f"rtol must be greater than or equal to zero, but got {rtol}")
    if atol < 0:
        raise RuntimeError(f"atol must be greater than or equal to zero, but got {atol}")
    dt = result_type(input, other)
    return call(_ISCLOSE, [input, other], (rtol, atol, equal_nan, np_dtype(dt)))


@op()
def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    return bool(isclose(input, other, rtol, atol, equal_nan).all().item())


@op()
def equal(input, other):
    if input._shape != other._shape:
        return False
    return bool(eq(input, other).all().item())


# ---------------------------------------------------------------------------------------------------------------
# Python operators
# ---------------------------------------------------------------------------------------------------------------

def _binop(f, reflected=False):
    def dunder(self, other):
        if not isinstance(self, Tensor):
            raise TypeError(f"descriptor requires a 'torch._C.TensorBase' object but received a "
                            f"'{type(self).__name__}'")
        if not isinstance(other, (Tensor, int, float, complex, bool, np.number, np.bool_, np.ndarray)):
            return NotImplemented
        return f(other, self) if reflected else f(self, other)
    return dunder


def _check_self(self):
    if not isinstance(self, Tensor):
        raise TypeError(f"descriptor requires a 'torch._C.TensorBase' object but received a '{type(self).__name__}'")


def _rtruediv(self, other):
    _check_self(self)
    if not isinstance(other, (Tensor, int, float, complex, bool, np.number, np.bool_)):
        return NotImplemented
    if isinstance(other, Tensor):
        return div(other, self)
    return mul(self.reciprocal(), other)


def _rpow(self, other):
    _check_self(self)
    if not isinstance(other, (Tensor, int, float, complex, bool, np.number, np.bool_)):
        return NotImplemented
    return pow(other, self)


def _inplace_binop(name):
    def dunder(self, other):
        if not isinstance(other, (Tensor, int, float, complex, bool, np.number, np.bool_, np.ndarray)):
            return NotImplemented
        return getattr(self, name)(other)
    return dunder


def _eq(self, other):
    if not isinstance(other, (Tensor, int, float, complex, bool, np.number, np.bool_, np.ndarray)):
        return False
    return eq(self, other)


def _ne(self, other):
    if not isinstance(other, (Tensor, int, float, complex, bool, np.number, np.bool_, np.ndarray)):
        return True
    return ne(self, other)


def _invert(self):
    if self._dtype is D.bool:
        return logical_not(self)
    return bitwise_not(self)


def _neg_dunder(self):
    if self._dtype is D.bool:
        raise RuntimeError("Negation, the `-` operator, on a bool tensor is not supported. If you are trying to "
                           "invert a mask, use the `~` or `logical_not()` operator instead.")
    return call(_NEG_KERNEL, [self], None)


_NEG_KERNEL = Kernel("neg", lambda _, x: -x, "NegBackward0", linear=True)


Tensor.__add__ = _binop(add)
Tensor.__radd__ = _binop(add, True)
Tensor.__iadd__ = _inplace_binop("add_")
Tensor.__sub__ = _binop(sub)
Tensor.__rsub__ = lambda self, other: _check_self(self) or rsub(self, other) if isinstance(
    other, (Tensor, int, float, complex, bool, np.number)) else NotImplemented
Tensor.__isub__ = _inplace_binop("sub_")
Tensor.__mul__ = _binop(mul)
Tensor.__rmul__ = _binop(mul, True)
Tensor.__imul__ = _inplace_binop("mul_")
Tensor.__truediv__ = _binop(div)
Tensor.__rtruediv__ = _rtruediv
Tensor.__rdiv__ = _rtruediv
Tensor.__itruediv__ = _inplace_binop("div_")
Tensor.__div__ = Tensor.__truediv__
Tensor.__floordiv__ = _binop(floor_divide)
Tensor.__rfloordiv__ = _binop(floor_divide, True)
Tensor.__ifloordiv__ = _inplace_binop("floor_divide_")
Tensor.__mod__ = _binop(Tensor.remainder)
Tensor.__rmod__ = _binop(Tensor.remainder, True)
Tensor.__imod__ = _inplace_binop("remainder_")
Tensor.__pow__ = _binop(pow)
Tensor.__rpow__ = _rpow
Tensor.__ipow__ = _inplace_binop("pow_")
Tensor.__neg__ = _neg_dunder
Tensor.__pos__ = lambda self: self
Tensor.__abs__ = lambda self: self.abs()
Tensor.__invert__ = _invert
for _n in ("and", "or", "xor"):
    _f = getattr(Tensor, f"bitwise_{_n}")
    setattr(Tensor, f"__{_n}__", _binop(_f))
    setattr(Tensor, f"__r{_n}__", _binop(_f, True))
    setattr(Tensor, f"__i{_n}__", _inplace_binop(f"bitwise_{_n}_"))
Tensor.__lshift__ = _binop(Tensor.bitwise_left_shift)
Tensor.__rlshift__ = _binop(Tensor.bitwise_left_shift, True)
Tensor.__ilshift__ = _inplace_binop("bitwise_left_shift_")
Tensor.__rshift__ = _binop(Tensor.bitwise_right_shift)
Tensor.__rrshift__ = _binop(Tensor.bitwise_right_shift, True)
Tensor.__irshift__ = _inplace_binop("bitwise_right_shift_")
Tensor.__eq__ = _eq
Tensor.__ne__ = _ne
Tensor.__lt__ = _binop(lt)
Tensor.__le__ = _binop(le)
Tensor.__gt__ = _binop(gt)
Tensor.__ge__ = _binop(ge)


# ---------------------------------------------------------------------------------------------------------------
# more binary and unary ops
# ---------------------------------------------------------------------------------------------------------------

def _heaviside(a, b):
    return jnp.where(a == 0, b, (a > 0).astype(a.dtype)).astype(a.dtype)


_HEAVISIDE = _binary("heaviside", _heaviside, scalars="none")


def _check_same_dtype_heaviside(f):
    def g(input, values):
        if isinstance(input, Tensor) and isinstance(values, Tensor) and input._dtype is not values._dtype:
            raise RuntimeError("heaviside is not yet implemented for tensors with different dtypes")
        return f(input, values)
    return g


def _gcd(a, b):
    return jnp.gcd(a, b)


def _lcm(a, b):
    return jnp.lcm(a, b)


gcd = _binary("gcd", _gcd, int_only=True, scalars="none")
lcm = _binary("lcm", _lcm, int_only=True, scalars="none")
ldexp = _binary("ldexp", lambda a, b: a * jnp.exp2(b), kind="float", scalars="none")

_FREXP = Kernel("frexp", lambda _, x: tuple(_frexp(x)), "FrexpBackward0", diff_out=(0,))


def _frexp(x):
    m, e = jnp.frexp(x)
    return m, e.astype(jnp.int32)


@op(out=True)
def frexp(input):
    check_tensor(input, "frexp")
    if not input._dtype.is_floating_point:
        raise RuntimeError("torch.frexp() only supports floating-point dtypes")
    from .. import return_types
    m, e = call(_FREXP, [input], None)
    return return_types.frexp(m, e)


def _patch_heaviside():
    from .registry import FUNCTIONS
    base = FUNCTIONS["torch"]["heaviside"]
    FUNCTIONS["torch"]["heaviside"] = _check_same_dtype_heaviside(base)
    meth = Tensor.heaviside
    Tensor.heaviside = _check_same_dtype_heaviside(meth)
    ip = Tensor.heaviside_
    Tensor.heaviside_ = _check_same_dtype_heaviside(ip)


_patch_heaviside()
