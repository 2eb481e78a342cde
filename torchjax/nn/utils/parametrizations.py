"""torch.nn.utils.parametrizations: orthogonal, weight_norm, spectral_norm."""
from enum import Enum, auto

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from ... import _weight_norm, norm_except_dim
from ..._ops._common import concrete
from ..._ops.kernel import Kernel, call
from ..._ops.nn_norm import normalize
from ..._tensor import Tensor
from ...autograd.grad_mode import no_grad
from ..modules.module import Module
from . import parametrize

__all__ = ["orthogonal", "spectral_norm", "weight_norm"]


class _OrthMaps(Enum):
    matrix_exp = auto()
    cayley = auto()
    householder = auto()


def _mT(x):
    return jnp.swapaxes(x, -1, -2)


def _mH(x):
    return jnp.conj(_mT(x))


def _orth_forward(st, X, base):
    mode, transposed = st
    if transposed:
        X = _mT(X)
    n, k = X.shape[-2], X.shape[-1]
    if mode in ("matrix_exp", "cayley"):
        X = jnp.tril(X)
        if n != k:
            X = jnp.concatenate([X, jnp.zeros(X.shape[:-2] + (n, n - k), X.dtype)], axis=-1)
        A = X - _mH(X)
        if mode == "matrix_exp":
            Q = jax.scipy.linalg.expm(A)
        else:
            Id = jnp.eye(n, dtype=A.dtype)
            Q = jnp.linalg.solve(Id - 0.5 * A, Id + 0.5 * A)
        if n != k:
            Q = Q[..., :k]
    else:
        A = jnp.tril(X, -1)
        tau = 2.0 / (1.0 + jnp.sum(A * A, axis=-2))
        Q = _householder(A, tau)
        Q = Q * jnp.diagonal(X, axis1=-2, axis2=-1).astype(jnp.int32).astype(Q.dtype)[..., None, :]
    if base is not None:
        Q = jnp.matmul(base, Q, precision=lax.Precision.HIGHEST)
    if transposed:
        Q = _mT(Q)
    return Q


def _householder(A, tau):
    """prod_i (I - tau_i v_i v_i^H), v_i = e_i + A[i+1:, i] (LAPACK's orgqr), written with differentiable ops."""
    n, k = A.shape[-2], A.shape[-1]
    Q = jnp.broadcast_to(jnp.eye(n, dtype=A.dtype), A.shape[:-2] + (n, n))
    for i in reversed(range(k)):
        v = A[..., :, i]
        v = jnp.where(jnp.arange(n) < i, 0, v)
        v = v.at[..., i].set(1)
        Q = Q - tau[..., i, None, None] * v[..., :, None] * jnp.einsum("...i,...ij->...j", jnp.conj(v), Q)[..., None, :]
    return Q[..., :, :k]


_ORTH = Kernel("orthogonal", _orth_forward, "OrthogonalBackward")


def _make_orthogonal(Q):
    """Q with orthonormal columns from QR (signs fixed by R's diagonal), on the host."""
    a = np.asarray(Q._host_values())
    q, r = np.linalg.qr(a)
    d = np.sign(np.diagonal(r, axis1=-2, axis2=-1))
    d = np.where(d == 0, 1, d)
    from ..._ops.creation import tensor
    return tensor(q * d[..., None, :], dtype=Q.dtype, device=Q.device)


def _is_orthogonal(Q):
    n, k = Q.size(-2), Q.size(-1)
    a = np.asarray(Q._host_values()).astype(np.float64)
    eps = 10.0 * n * float(np.finfo(np.asarray(Q._host_values()).dtype).eps)
    return np.allclose(np.swapaxes(a, -1, -2).conj() @ a, np.eye(k), atol=eps)


class _Orthogonal(Module):
    def __init__(self, weight, orthogonal_map, *, use_trivialization=True):
        super().__init__()
        if weight.is_complex() and orthogonal_map == _OrthMaps.householder:
            raise ValueError("The householder parametrization does not support complex tensors.")
        self.shape = weight.shape
        self.orthogonal_map = orthogonal_map
        if use_trivialization:
            self.register_buffer("base", None)

    def forward(self, X):
        n, k = X.size(-2), X.size(-1)
        base = self.base if hasattr(self, "base") else None
        return call(_ORTH, [X, base], (self.orthogonal_map.name, n < k))

    def right_inverse(self, Q):
        from ..._ops.creation import randn, zeros_like
        from ..._ops.shape_views import cat
        with no_grad():
            if Q.shape != self.shape:
                raise ValueError(f"Expected a matrix or batch of matrices of shape {self.shape}. Got a tensor of shape "
                                 f"{Q.shape}.")
            Q_init = Q
            n, k = Q.size(-2), Q.size(-1)
            transpose = n < k
            if transpose:
                Q = Q.mT
                n, k = k, n
            if not hasattr(self, "base"):
                if self.orthogonal_map in (_OrthMaps.cayley, _OrthMaps.matrix_exp):
                    raise NotImplementedError("It is not possible to assign to the matrix exponential or the Cayley "
                                              "parametrizations when use_trivialization=False.")
                raise NotImplementedError("torchjax: orthogonal(use_trivialization=False) right_inverse (geqrf) is not "
                                          "supported")
            if n == k:
                Q = _make_orthogonal(Q) if not _is_orthogonal(Q) else Q.clone()
            else:
                N = randn(*(tuple(Q.size()[:-2]) + (n, n - k)), dtype=Q.dtype, device=Q.device)
                Q = _make_orthogonal(cat([Q, N], dim=-1))
            self.base = Q
            neg_id = np.zeros(tuple(Q_init.shape), np.asarray(Q_init._host_values()).dtype)
            idx = np.arange(min(Q_init.shape[-2], Q_init.shape[-1]))
            neg_id[..., idx, idx] = -1.0
            from ..._ops.creation import tensor
            return tensor(neg_id, dtype=Q_init.dtype, device=Q_init.device)


def orthogonal(module, name="weight", orthogonal_map=None, *, use_trivialization=True):
    weight = getattr(module, name, None)
    if not isinstance(weight, Tensor):
        raise ValueError(f"Module '{module}' has no parameter or buffer with name '{name}'")
    if weight.ndim < 2:
        raise ValueError(f"Expected a matrix or batch of matrices. Got a tensor of {weight.ndim} dimensions.")
    if orthogonal_map is None:
        orthogonal_map = "matrix_exp" if weight.size(-2) == weight.size(-1) or weight.is_complex() else "householder"
    orth_enum = getattr(_OrthMaps, orthogonal_map, None)
    if orth_enum is None:
        raise ValueError(f'orthogonal_map has to be one of "matrix_exp", "cayley", "householder". Got: '
                         f'{orthogonal_map}')
    orth = _Orthogonal(weight, orth_enum, use_trivialization=use_trivialization)
    parametrize.register_parametrization(module, name, orth, unsafe=True)
    return module


class _WeightNorm(Module):
    def __init__(self, dim=0):
        super().__init__()
        if dim is None:
            dim = -1
        self.dim = dim

    def forward(self, weight_g, weight_v):
        return _weight_norm(weight_v, weight_g, self.dim)

    def right_inverse(self, weight):
        return norm_except_dim(weight, 2, self.dim), weight


def weight_norm(module, name="weight", dim=0):
    _wn = _WeightNorm(dim)
    parametrize.register_parametrization(module, name, _wn, unsafe=True)

    def _weight_norm_compat_hook(state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
                                 error_msgs):
        g_key, v_key = f"{prefix}{name}_g", f"{prefix}{name}_v"
        if g_key in state_dict and v_key in state_dict:
            state_dict[f"{prefix}parametrizations.{name}.original0"] = state_dict.pop(g_key)
            state_dict[f"{prefix}parametrizations.{name}.original1"] = state_dict.pop(v_key)

    module._register_load_state_dict_pre_hook(_weight_norm_compat_hook)
    return module


class _SpectralNorm(Module):
    def __init__(self, weight, n_power_iterations=1, dim=0, eps=1e-12):
        super().__init__()
        ndim = weight.ndim
        if dim >= ndim or dim < -ndim:
            raise IndexError(f"Dimension out of range (expected to be in range of [-{ndim}, {ndim - 1}] but got "
                             f"{dim})")
        if n_power_iterations <= 0:
            raise ValueError(f"Expected n_power_iterations to be positive, but got "
                             f"n_power_iterations={n_power_iterations}")
        self.dim = dim if dim >= 0 else dim + ndim
        self.eps = eps
        if ndim > 1:
            self.n_power_iterations = n_power_iterations
            weight_mat = self._reshape_weight_to_matrix(weight)
            h, w = weight_mat.size()
            u = weight_mat.new_empty(h).normal_(0, 1)
            v = weight_mat.new_empty(w).normal_(0, 1)
            self.register_buffer("_u", normalize(u, dim=0, eps=self.eps))
            self.register_buffer("_v", normalize(v, dim=0, eps=self.eps))
            self._power_method(weight_mat, 15)

    def _reshape_weight_to_matrix(self, weight):
        if weight.ndim <= 1:
            raise AssertionError(f"Expected weight to have more than 1 dimension, got {weight.ndim}")
        if self.dim != 0:
            weight = weight.permute(self.dim, *(d for d in range(weight.dim()) if d != self.dim))
        return weight.flatten(1)

    def _power_method(self, weight_mat, n_power_iterations):
        with no_grad():
            for _ in range(n_power_iterations):
                self._u = normalize(weight_mat.mv(self._v), dim=0, eps=self.eps, out=self._u)
                self._v = normalize(weight_mat.t().mv(self._u), dim=0, eps=self.eps, out=self._v)

    def forward(self, weight):
        if weight.ndim == 1:
            return normalize(weight, dim=0, eps=self.eps)
        weight_mat = self._reshape_weight_to_matrix(weight)
        if self.training:
            self._power_method(weight_mat, self.n_power_iterations)
        u = self._u.clone()
        v = self._v.clone()
        sigma = u.vdot(weight_mat.mv(v))
        return weight / sigma

    def right_inverse(self, value):
        return value


def spectral_norm(module, name="weight", n_power_iterations=1, eps=1e-12, dim=None):
    weight = getattr(module, name, None)
    if not isinstance(weight, Tensor):
        raise ValueError(f"Module '{module}' has no parameter or buffer with name '{name}'")
    if dim is None:
        from ..modules.conv import ConvTranspose1d, ConvTranspose2d, ConvTranspose3d
        dim = 1 if isinstance(module, (ConvTranspose1d, ConvTranspose2d, ConvTranspose3d)) else 0
    parametrize.register_parametrization(module, name, _SpectralNorm(weight, n_power_iterations, dim, eps))
    return module
