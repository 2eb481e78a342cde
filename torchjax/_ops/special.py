"""Special functions: torch.special.* and torch.{polygamma, mvlgamma, igamma, igammac}.

Functions JAX lacks (Bessel J/Y/K, Airy Ai, the orthogonal polynomials) are evaluated in float64 (power series
for small arguments, asymptotic expansions for large ones) and rounded to the result dtype, so float32 results
are at least as accurate as torch's."""
import math

import jax.numpy as jnp
import jax.scipy.special as jss
import numpy as np
from jax import lax

from .. import _dtype as D
from .._tensor import Tensor
from ._common import broadcast_shapes2, cast, check_tensor, float_type, np_dtype, result_type
from .kernel import Kernel, call
from .registry import _add_function, op
from . import pointwise as P

SPECIAL = "torch.special"
_EULER = 0.5772156649015329


def _f64(x):
    return x.astype(jnp.float64)


# ---- Bessel functions of the first and second kind ------------------------------------------------------------------

def _series(z2, coef_fn, terms):
    """sum_k coef_fn(k) * z2**k computed with a running product (coef_fn gives the ratio term_k / term_{k-1})."""
    term = jnp.ones_like(z2)
    total = term
    for k in range(1, terms):
        term = term * z2 * coef_fn(k)
        total = total + term
    return total


def _hankel_pq(nu, x, terms=12):
    """Asymptotic P, Q of Hankel's expansion for J_nu, Y_nu at large x."""
    mu = 4.0 * nu * nu
    p = jnp.ones_like(x)
    q = jnp.zeros_like(x)
    a = 1.0
    for k in range(1, 2 * terms):
        a = a * (mu - (2 * k - 1) ** 2) / (k * 8.0)
        t = a / x ** k
        if k % 2 == 1:
            q = q + (t if (k // 2) % 2 == 0 else -t)
        else:
            p = p + (-t if (k // 2) % 2 == 1 else t)
    return p, q


_BIG = 17.0


def _j_small(nu, x):
    z2 = -(x * x) / 4.0
    s = _series(z2, lambda k: 1.0 / (k * (k + nu)), 60)
    return s * (x / 2.0) ** nu / math.gamma(nu + 1)


def _j_large(nu, ax):
    xs = jnp.maximum(ax, _BIG)
    p, q = _hankel_pq(nu, xs)
    chi = xs - (nu / 2.0 + 0.25) * math.pi
    return jnp.sqrt(2.0 / (math.pi * xs)) * (p * jnp.cos(chi) - q * jnp.sin(chi))


def _y_large(nu, ax):
    xs = jnp.maximum(ax, _BIG)
    p, q = _hankel_pq(nu, xs)
    chi = xs - (nu / 2.0 + 0.25) * math.pi
    return jnp.sqrt(2.0 / (math.pi * xs)) * (p * jnp.sin(chi) + q * jnp.cos(chi))


def bessel_j0_fn(x):
    x = _f64(x)
    ax = jnp.abs(x)
    small = _j_small(0, jnp.minimum(ax, _BIG))
    return jnp.where(ax < _BIG, small, _j_large(0, ax))


def bessel_j1_fn(x):
    x = _f64(x)
    ax = jnp.abs(x)
    small = _j_small(1, jnp.minimum(ax, _BIG))
    r = jnp.where(ax < _BIG, small, _j_large(1, ax))
    return jnp.sign(x) * r


def _harmonic_series(x, nu, terms=60):
    """sum_k (psi(k+1) + psi(k+nu+1)) (-x^2/4)^k / (k! (k+nu)!)  (nu = 0 or 1)."""
    z2 = -(x * x) / 4.0
    term = jnp.ones_like(x) / math.factorial(nu)
    psi_a = -_EULER
    psi_b = -_EULER + sum(1.0 / i for i in range(1, nu + 1))
    total = term * (psi_a + psi_b)
    for k in range(1, terms):
        term = term * z2 / (k * (k + nu))
        psi_a += 1.0 / k
        psi_b += 1.0 / (k + nu)
        total = total + term * (psi_a + psi_b)
    return total


def bessel_y0_fn(x):
    x = _f64(x)
    xs = jnp.clip(x, 1e-300, _BIG)
    j0 = _j_small(0, xs)
    small = (2 / math.pi) * (jnp.log(xs / 2.0) + _EULER) * j0 - (1 / math.pi) * (
        _harmonic_series(xs, 0) + 2 * _EULER * j0)
    r = jnp.where(x < _BIG, small, _y_large(0, x))
    r = jnp.where(x == 0, -jnp.inf, r)
    return jnp.where(x < 0, jnp.nan, r)


def bessel_y1_fn(x):
    x = _f64(x)
    xs = jnp.clip(x, 1e-300, _BIG)
    j1 = _j_small(1, xs)
    small = -2 / (math.pi * xs) + (2 / math.pi) * jnp.log(xs / 2.0) * j1 - (1 / math.pi) * (xs / 2.0) * \
        _harmonic_series(xs, 1)
    r = jnp.where(x < _BIG, small, _y_large(1, x))
    r = jnp.where(x == 0, -jnp.inf, r)
    return jnp.where(x < 0, jnp.nan, r)


# ---- modified Bessel functions -------------------------------------------------------------------------------------

def _k_series(nu, x):
    """K_nu(x) for 0 < x <= 10 (nu = 0, 1) from the ascending series."""
    z2 = (x * x) / 4.0
    term = jnp.ones_like(x) / math.factorial(nu)
    psi_a = -_EULER
    psi_b = -_EULER + sum(1.0 / i for i in range(1, nu + 1))
    total = term * (psi_a + psi_b)
    for k in range(1, 60):
        term = term * z2 / (k * (k + nu))
        psi_a += 1.0 / k
        psi_b += 1.0 / (k + nu)
        total = total + term * (psi_a + psi_b)
    if nu == 0:
        return -jnp.log(x / 2.0) * jss.i0(x) + 0.5 * total
    return 1.0 / x + jnp.log(x / 2.0) * jss.i1(x) - 0.5 * (x / 2.0) * total


def _k_asym_scaled(nu, x, terms=30):
    """exp(x) K_nu(x) for x > 10."""
    mu = 4.0 * nu * nu
    s = jnp.ones_like(x)
    a = 1.0
    for k in range(1, terms):
        a = a * (mu - (2 * k - 1) ** 2) / (k * 8.0)
        s = s + a / x ** k
    return jnp.sqrt(math.pi / (2 * x)) * s


def _k(nu, x, scaled):
    x = _f64(x)
    xs = jnp.clip(x, 1e-300, 10.0)
    small = _k_series(nu, xs)
    if scaled:
        small = small * jnp.exp(xs)
    xl = jnp.maximum(x, 10.0)
    large = _k_asym_scaled(nu, xl)
    if not scaled:
        large = large * jnp.exp(-xl)
    r = jnp.where(x <= 10.0, small, large)
    r = jnp.where(x == 0, jnp.inf, r)
    return jnp.where(x < 0, jnp.nan, r)


# ---- Airy Ai ----------------------------------------------------------------------------------------------------------

_AI0 = 0.355028053887817239  # Ai(0)
_AIP0 = 0.258819403792806798  # -Ai'(0)


def _airy_series(x):
    x3 = x * x * x
    f = jnp.ones_like(x)
    g = x
    tf, tg = f, g
    for k in range(1, 80):
        tf = tf * x3 / ((3 * k - 1) * (3 * k))
        tg = tg * x3 / ((3 * k) * (3 * k + 1))
        f = f + tf
        g = g + tg
    return _AI0 * f - _AIP0 * g


def _airy_u(k):
    # u_k = Gamma(3k+1/2) / (54^k k! Gamma(k+1/2))
    return math.exp(math.lgamma(3 * k + 0.5) - k * math.log(54.0) - math.lgamma(k + 1) - math.lgamma(k + 0.5))


def _airy_pos(x):
    zeta = (2.0 / 3.0) * x ** 1.5
    s = jnp.ones_like(x)
    for k in range(1, 14):
        s = s + ((-1) ** k) * _airy_u(k) / zeta ** k
    return jnp.exp(-zeta) / (2 * math.sqrt(math.pi) * x ** 0.25) * s


def _airy_neg(x):
    ax = -x
    zeta = (2.0 / 3.0) * ax ** 1.5
    p = jnp.ones_like(ax)
    q = jnp.zeros_like(ax)
    for k in range(1, 20):
        t = _airy_u(k) / zeta ** k
        if k % 2 == 0:
            p = p + ((-1) ** (k // 2)) * t
        else:
            q = q + ((-1) ** (k // 2)) * t
    th = zeta + math.pi / 4
    return (jnp.sin(th) * p - jnp.cos(th) * q) / (math.sqrt(math.pi) * ax ** 0.25)


def airy_ai_fn(x):
    x = _f64(x)
    mid = _airy_series(jnp.clip(x, -9.0, 5.0))
    pos = _airy_pos(jnp.maximum(x, 5.0))
    neg = _airy_neg(jnp.minimum(x, -9.0))
    r = jnp.where(x > 5.0, pos, jnp.where(x < -9.0, neg, mid))
    r = jnp.where(jnp.isposinf(x), 0.0, r)
    return jnp.where(jnp.isneginf(x), 0.0, r)


def spherical_j0_fn(x):
    x = _f64(x)
    small = jnp.abs(x) < 0.5
    xs = jnp.where(small, 1.0, x)
    x2 = x * x
    series = 1 - x2 / 6 * (1 - x2 / 20 * (1 - x2 / 42 * (1 - x2 / 72 * (1 - x2 / 110))))
    return jnp.where(small, series, jnp.sin(xs) / xs)


_UNARY_F64 = {
    "bessel_j0": bessel_j0_fn, "bessel_j1": bessel_j1_fn, "bessel_y0": bessel_y0_fn, "bessel_y1": bessel_y1_fn,
    "modified_bessel_i0": lambda x: jss.i0(_f64(x)), "modified_bessel_i1": lambda x: jss.i1(_f64(x)),
    "modified_bessel_k0": lambda x: _k(0, x, False), "modified_bessel_k1": lambda x: _k(1, x, False),
    "scaled_modified_bessel_k0": lambda x: _k(0, x, True), "scaled_modified_bessel_k1": lambda x: _k(1, x, True),
    "airy_ai": airy_ai_fn, "spherical_bessel_j0": spherical_j0_fn,
}


def _f64_unary(name, fn):
    k = Kernel(name, lambda dt, x: fn(x).astype(dt), "Special" + name.title().replace("_", "") + "Backward0")

    def f(input, *, out=None):
        check_tensor(input, name)
        r = call(k, [input], np_dtype(float_type(input._dtype)))
        if out is not None:
            from .registry import copy_out
            return copy_out(out, r, name)
        return r
    f.__name__ = name
    _add_function(SPECIAL, name, f)


for _n, _f in _UNARY_F64.items():
    _f64_unary(_n, _f)


# ---- differentiable unary special functions (JAX implementations) --------------------------------------------------

def _log_ndtr(x):
    return jss.log_ndtr(x)


def _entr(x):
    return jnp.where(x > 0, -x * jnp.log(jnp.where(x > 0, x, 1)), jnp.where(x == 0, 0.0, -jnp.inf)).astype(x.dtype)


def _erfcx(x):
    return jss.erfcx(x)


for _n, _f in [("i0e", jss.i0e), ("i1", jss.i1), ("i1e", jss.i1e), ("ndtr", jss.ndtr), ("ndtri", jss.ndtri),
               ("log_ndtr", _log_ndtr), ("erfcx", _erfcx), ("entr", _entr)]:
    P._unary(_n, _f, "Special" + _n.title().replace("_", "") + "Backward0", inplace=False, method=False,
             namespace=SPECIAL)


# aliases of torch.* ops
for _alias, _target in [("expit", "sigmoid"), ("exp2", "exp2"), ("expm1", "expm1"), ("log1p", "log1p"),
                        ("erf", "erf"), ("erfc", "erfc"), ("erfinv", "erfinv"), ("digamma", "digamma"),
                        ("psi", "digamma"), ("gammaln", "lgamma"), ("i0", "i0"), ("sinc", "sinc"),
                        ("round", "round"), ("logit", "logit"), ("xlogy", "xlogy")]:
    _add_function(SPECIAL, _alias, getattr(Tensor, _target))


def _sp_softmax(input, dim, *, dtype=None):
    from .reduction import softmax
    return softmax(input, dim, dtype)


def _sp_log_softmax(input, dim, *, dtype=None):
    from .reduction import log_softmax
    return log_softmax(input, dim, dtype)


def _sp_logsumexp(input, dim, keepdim=False, *, out=None):
    from .reduction import logsumexp
    return logsumexp(input, dim, keepdim, out=out)


_add_function(SPECIAL, "softmax", _sp_softmax)
_add_function(SPECIAL, "log_softmax", _sp_log_softmax)
_add_function(SPECIAL, "logsumexp", _sp_logsumexp)


# ---- binary special functions -------------------------------------------------------------------------------------

def _xlog1py(x, y):
    return jnp.where(x == 0, jnp.where(jnp.isnan(y), jnp.nan, 0.0).astype(x.dtype), x * jnp.log1p(y))


P._binary("xlog1py", _xlog1py, "SpecialXlog1PyBackward0", kind="float", inplace=False, method=False,
          scalars="one", namespace=SPECIAL)
P._binary("zeta", jss.zeta, "SpecialZetaBackward0", kind="float", inplace=False, method=False, scalars="one",
          namespace=SPECIAL)
P._binary("igamma", jss.gammainc, "IgammaBackward0", kind="float", scalars="none",
          extra_names=((SPECIAL, "gammainc"),))
P._binary("igammac", jss.gammaincc, "IgammacBackward0", kind="float", scalars="none",
          extra_names=((SPECIAL, "gammaincc"),))


def hurwitz_int(s, q):
    """sum_k (q + k)^-s for integer s >= 2 and any non-integer q (negative q shifted up term by term)."""
    acc = jnp.zeros_like(q)

    def body(_, c):
        qq, a = c
        neg = qq < 1
        return jnp.where(neg, qq + 1, qq), a + jnp.where(neg, jnp.where(neg, qq, 1) ** (-s), 0)

    # a static trip count keeps it reverse-differentiable; arguments below -64 shift only part of the way
    q2, acc = lax.fori_loop(0, 64, body, (q, acc))
    return acc + jss.zeta(float(s), q2)


def _polygamma_fn(st, x):
    n, dt = st
    x = cast(x, dt)
    if n == 0:
        return P.digamma_fn(x)
    xd = x.astype(jnp.float64)
    sign = 1.0 if n % 2 else -1.0
    r = sign * math.factorial(n) * hurwitz_int(n + 1, jnp.where((xd <= 0) & (xd == jnp.floor(xd)), 1.0, xd))
    r = jnp.where((xd <= 0) & (xd == jnp.floor(xd)), jnp.inf, r)
    return r.astype(x.dtype)


_POLYGAMMA = Kernel("polygamma", _polygamma_fn, "PolygammaBackward0")


@op(inplace=False, out=True, method=False)
def polygamma(n, input):
    if not isinstance(n, int) or isinstance(n, bool):
        raise TypeError(f"polygamma(): argument 'n' (position 1) must be int, not {type(n).__name__}")
    if n < 0:
        raise RuntimeError("polygamma(n, x) does not support negative n.")
    check_tensor(input, "polygamma", "input", 2)
    return call(_POLYGAMMA, [input], (n, np_dtype(float_type(input._dtype))))


def _polygamma_method(self, n):
    return polygamma(n, self)


def _polygamma_inplace(self, n):
    return self._assign(polygamma(n, self))


Tensor.polygamma = _polygamma_method
Tensor.polygamma_ = _polygamma_inplace
_add_function(SPECIAL, "polygamma", polygamma)


def _mvlgamma_fn(st, x):
    p, dt = st
    return jss.multigammaln(cast(x, dt), p)


_MVLGAMMA = Kernel("mvlgamma", _mvlgamma_fn, "MvlgammaBackward0")


@op(inplace=True, out=True)
def mvlgamma(input, p):
    check_tensor(input, "mvlgamma")
    if p < 1:
        raise RuntimeError("p has to be greater than or equal to 1")
    from ._common import concrete
    v = concrete(input)
    if v is not None and v.size and not (v > (p - 1) / 2).all():
        raise RuntimeError(f"All elements must be greater than (p-1)/2")
    return call(_MVLGAMMA, [input], (int(p), np_dtype(float_type(input._dtype))))


def _multigammaln(input, p, *, out=None):
    r = mvlgamma(input, p)
    if out is not None:
        from .registry import copy_out
        return copy_out(out, r, "multigammaln")
    return r


_add_function(SPECIAL, "multigammaln", _multigammaln)


# ---- orthogonal polynomials -----------------------------------------------------------------------------------------

def _poly_first(kind, x):
    if kind in ("chebyshev_t", "legendre"):
        return x
    if kind in ("chebyshev_u", "hermite_h"):
        return 2 * x
    if kind == "chebyshev_v":
        return 2 * x - 1
    if kind == "chebyshev_w":
        return 2 * x + 1
    if kind == "hermite_he":
        return x
    if kind == "laguerre":
        return 1 - x
    raise AssertionError(kind)


def _poly_next(kind, k, x, a, b):
    """P_{k+1} from P_{k-1} = a and P_k = b (k >= 1 may be traced)."""
    kf = k.astype(x.dtype)
    if kind.startswith("chebyshev"):
        return 2 * x * b - a
    if kind == "hermite_h":
        return 2 * x * b - 2 * kf * a
    if kind == "hermite_he":
        return x * b - kf * a
    if kind == "laguerre":
        return ((2 * kf + 1 - x) * b - kf * a) / (kf + 1)
    if kind == "legendre":
        return ((2 * kf + 1) * x * b - kf * a) / (kf + 1)
    raise AssertionError(kind)


def _poly_fn(st, x, n):
    kind, shifted, dt = st
    x = jnp.asarray(x).astype(jnp.float64)
    n = jnp.asarray(n)
    n = jnp.trunc(n).astype(jnp.int64) if jnp.issubdtype(n.dtype, jnp.floating) else n.astype(jnp.int64)
    x, n = jnp.broadcast_arrays(x, n)
    if shifted:
        x = 2 * x - 1
    p0 = jnp.ones_like(x)
    p1 = _poly_first(kind, x)
    res = jnp.where(n == 0, p0, jnp.where(n == 1, p1, jnp.zeros_like(x)))
    nmax = jnp.max(n) if n.size else jnp.int64(0)

    def cond(s):
        return s[0] < nmax

    def body(s):
        k, a, b, r = s
        c = _poly_next(kind, k, x, a, b)
        r = jnp.where(n == k + 1, c, r)
        return k + 1, b, c, r

    _, _, _, res = lax.while_loop(cond, body, (jnp.int64(1), p0, p1, res))
    return res.astype(dt)


_POLY = Kernel("polynomial", _poly_fn, "SpecialPolynomialBackward0")


def _polynomial(name, kind, shifted):
    def f(input, n, *, out=None):
        if not isinstance(input, Tensor) and not isinstance(n, Tensor):
            raise TypeError(f"{name}() received an invalid combination of arguments")
        if isinstance(input, Tensor) and isinstance(n, Tensor):
            broadcast_shapes2(input._shape, n._shape)
        dt = float_type(result_type(input, n))
        r = call(_POLY, [input, n], (kind, shifted, np_dtype(dt)),
                 device=(input if isinstance(input, Tensor) else n).device)
        if out is not None:
            from .registry import copy_out
            return copy_out(out, r, name)
        return r
    f.__name__ = name
    _add_function(SPECIAL, name, f)


for _k_name, _shift in [("chebyshev_polynomial_t", False), ("chebyshev_polynomial_u", False),
                        ("chebyshev_polynomial_v", False), ("chebyshev_polynomial_w", False),
                        ("shifted_chebyshev_polynomial_t", True), ("shifted_chebyshev_polynomial_u", True),
                        ("shifted_chebyshev_polynomial_v", True), ("shifted_chebyshev_polynomial_w", True),
                        ("hermite_polynomial_h", False), ("hermite_polynomial_he", False),
                        ("laguerre_polynomial_l", False), ("legendre_polynomial_p", False)]:
    _kind = {"hermite_polynomial_h": "hermite_h", "hermite_polynomial_he": "hermite_he",
             "laguerre_polynomial_l": "laguerre", "legendre_polynomial_p": "legendre"}.get(
        _k_name, "chebyshev_" + _k_name[-1])
    _polynomial(_k_name, _kind, _shift)


_ = (np, D)
