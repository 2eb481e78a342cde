"""In-place and functional random sampling: uniform_, normal_, random_, bernoulli(_), exponential_, geometric_,
cauchy_, log_normal_, normal, multinomial, poisson. Eager draws come from the CPU generator on the host (torch's
streams); inside compiled code they come from JAX keys derived from the generator."""
import jax
import numpy as np

from .. import _dtype as D
from .. import _random
from .._device import jax_device
from .._tensor import Tensor
from ._common import concrete, is_tracing, np_dtype
from .creation import _put, _gen
from .registry import function, method, op


def _fill_random(self, draw, jax_draw=None, gen=None):
    """Overwrite self with a host draw `draw(gen_shape, np_dtype)`, or a JAX draw when tracing."""
    if _random._trace_keys[0] is not None or is_tracing(self._storage.value()):
        if jax_draw is None:
            raise NotImplementedError("torchjax: this random op is not supported inside compiled code")
        key = (gen or _random.default_generator)._jax_key()
        new = jax_draw(key, tuple(self._shape), np_dtype(self._dtype))
    else:
        new = jax.device_put(draw(tuple(self._shape), np_dtype(self._dtype)), jax_device(self._storage.device))
    self._check_inplace_random()
    self._write(new)
    return self


def _check_inplace_random(self):
    from ..autograd import grad_mode
    if grad_mode.state.enabled and self._requires_grad and self._grad_fn is None:
        raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")


Tensor._check_inplace_random = _check_inplace_random


def _float_only(self, name):
    if not (self._dtype.is_floating_point or self._dtype.is_complex):
        raise RuntimeError(f"{name} expects a floating point dtype, but got {self._dtype}" if name != "uniform_" else
                           f"\"check_uniform_bounds\" not implemented for '{D._scalar_name(self._dtype)}'")


@method()
def uniform_(self, a=0.0, b=1.0, *, generator=None):
    _float_only(self, "uniform_")
    if a > b:
        raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found from={a} > to={b}")
    g = _gen(generator)
    return _fill_random(self, lambda shape, dt: g._uniform(shape, dt, a, b),
                        lambda k, shape, dt: jax.random.uniform(k, shape, dt, a, b), gen=g)


@method()
def normal_(self, mean=0.0, std=1.0, *, generator=None):
    _float_only(self, "normal_")
    if std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")
    g = _gen(generator)
    return _fill_random(self, lambda shape, dt: g._normal(shape, dt, mean, std),
                        lambda k, shape, dt: jax.random.normal(k, shape, dt) * std + mean, gen=g)


@method()
def random_(self, from_=None, to=None, *, generator=None, **kwargs):
    if "from" in kwargs:
        from_ = kwargs.pop("from")
    g = _gen(generator)
    if from_ is not None and to is None:
        from_, to = 0, from_
    if from_ is None:
        return _fill_random(self, lambda shape, dt: g._random(shape, dt), gen=g)
    if from_ >= to:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={from_} >= to={to}")
    return _fill_random(self, lambda shape, dt: g._randint(shape, dt, int(from_), int(to)), gen=g)


@method()
def exponential_(self, lambd=1.0, *, generator=None):
    g = _gen(generator)
    return _fill_random(self, lambda shape, dt: g._exponential(shape, dt, lambd),
                        lambda k, shape, dt: jax.random.exponential(k, shape, dt) / lambd, gen=g)


@method()
def geometric_(self, p, *, generator=None):
    g = _gen(generator)
    return _fill_random(self, lambda shape, dt: g._geometric(shape, dt, p), gen=g)


@method()
def cauchy_(self, median=0.0, sigma=1.0, *, generator=None):
    g = _gen(generator)
    return _fill_random(self, lambda shape, dt: g._cauchy(shape, dt, median, sigma),
                        lambda k, shape, dt: jax.random.cauchy(k, shape, dt) * sigma + median, gen=g)


@method()
def log_normal_(self, mean=1.0, std=2.0, *, generator=None):
    g = _gen(generator)
    return _fill_random(self, lambda shape, dt: g._log_normal(shape, dt, mean, std), gen=g)


@method()
def bernoulli_(self, p=0.5, *, generator=None):
    g = _gen(generator)
    if isinstance(p, Tensor):
        pv = None if _random._trace_keys[0] is not None else concrete(p)
        if pv is None:
            pj = p._value()
            return _fill_random(self, None, lambda k, shape, dt: jax.random.bernoulli(k, pj, shape).astype(dt), gen=g)
        pv = np.broadcast_to(pv, tuple(self._shape))
        return _fill_random(self, lambda shape, dt: g._bernoulli_tensor(pv, dt), gen=g)
    if not 0 <= p <= 1:
        raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={p}")
    return _fill_random(self, lambda shape, dt: g._bernoulli_scalar(shape, dt, p),
                        lambda k, shape, dt: jax.random.bernoulli(k, p, shape).astype(dt), gen=g)


@op(out=True, out_alias_ok=False)
def bernoulli(input, p=None, *, generator=None):
    from .creation import empty_like
    out = empty_like(input)
    if p is None:
        v = concrete(input)
        if v is not None and ((v < 0) | (v > 1)).any():
            raise RuntimeError("Expected p_in >= 0 && p_in <= 1 to be true, but got false.  (Could this error "
                               "message be improved?  If so, please report an enhancement request to PyTorch.)")
        return bernoulli_(out, input.detach(), generator=generator)
    return bernoulli_(out, p, generator=generator)


@function()
def normal(mean=0.0, std=1.0, size=None, *, generator=None, out=None, dtype=None, layout=None, device=None,
           pin_memory=False, requires_grad=False):
    g = _gen(generator)
    if isinstance(mean, Tensor) or isinstance(std, Tensor):
        ref = mean if isinstance(mean, Tensor) else std
        mv = concrete(mean) if isinstance(mean, Tensor) else mean
        sv = concrete(std) if isinstance(std, Tensor) else std
        if isinstance(std, Tensor) and (np.asarray(sv) < 0).any():
            raise RuntimeError("normal expects all elements of std >= 0.0")
        shape = np.broadcast_shapes(np.shape(mv), np.shape(sv))
        dt = ref._dtype if isinstance(ref, Tensor) else D.get_default_dtype()
        if isinstance(mean, Tensor) and isinstance(std, Tensor):
            dt = D.promote_types(mean._dtype, std._dtype)
        arr = g._normal_tensor(np.asarray(mv, np_dtype(dt)), np.asarray(sv, np_dtype(dt)), tuple(shape))
        return _put(arr.astype(np_dtype(dt)), ref.device)
    if size is None:
        raise TypeError("normal() received an invalid combination of arguments")
    if std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")
    from .creation import empty
    t = empty(tuple(size), dtype=dtype, device=device)
    normal_(t, mean, std, generator=generator)
    return t.requires_grad_(requires_grad) if requires_grad else t


@op(out=True, out_exact_dtype=True)
def multinomial(input, num_samples, replacement=False, *, generator=None):
    if input.ndim not in (1, 2):
        raise RuntimeError("prob_dist must be 1 or 2 dim")
    if not (input._dtype.is_floating_point):
        raise RuntimeError("multinomial only supports floating-point dtypes for input")
    if num_samples <= 0:
        raise RuntimeError("cannot sample n_sample <= 0 samples")
    p = concrete(input)
    if (p < 0).any():
        raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
    if not np.isfinite(p).all():
        raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
    if (p.reshape(-1, p.shape[-1]).sum(-1) == 0).any():
        raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
    if not replacement and num_samples > p.shape[-1]:
        raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without replacement")
    arr = _gen(generator)._multinomial(p, int(num_samples), bool(replacement))
    return _put(np.asarray(arr, np.int64), input.device)


@op()
def poisson(input, generator=None):
    g = _gen(generator)
    return _put(g._poisson(concrete(input)).astype(np_dtype(input._dtype)), input.device)
