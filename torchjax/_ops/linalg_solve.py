"""torch.linalg solvers, inverses, determinants, norms and matrix functions: det/slogdet/logdet, inv(_ex), solve(_ex),
solve_triangular, triangular_solve, cholesky_solve/inverse, lu_solve, lstsq, pinv, matrix_rank, matrix_norm, norm,
vector_norm, cond, matrix_power, multi_dot, vander, tensorinv, tensorsolve, vecdot, matrix_exp, diagonal."""
import math

import jax.numpy as jnp
import jax.scipy.linalg as jsl
from jax import lax

from .. import _dtype as D
from .. import return_types as RT
from .._tensor import Tensor, _wrap_dim
from ._common import tabs, broadcast_shapes, cast, check_tensor, np_dtype, wrap_dims
from .kernel import Kernel, call
from .linalg import (LINALG, _LinAlgError, check_float, check_matrix, check_square, linalg_lu_factor, mH,
                     raise_info, real_dtype, _empty, linalg_svdvals, linalg_eigvalsh)
from .registry import _add_function, function, op
from . import reduction as R


# ---- determinants -------------------------------------------------------------------------------------------------

def _det_fn(dt, a):
    a = cast(a, dt)
    if _empty(a):
        return jnp.ones(a.shape[:-2], dt)
    return jnp.linalg.det(a)


_DET = Kernel("linalg_det", _det_fn, "LinalgDetBackward0")


@op("det", namespace=LINALG, method=False, out=True)
def linalg_det(A):
    check_square(A, "linalg.det")
    return call(_DET, [A], np_dtype(A._dtype))


@op()
def det(input):
    check_square(input, "linalg.det")
    return call(_DET, [input], np_dtype(input._dtype))


def _slogdet_fn(dt, a):
    a = cast(a, dt)
    if _empty(a):
        return jnp.ones(a.shape[:-2], dt), jnp.zeros(a.shape[:-2], jnp.real(a).dtype)
    s, l = jnp.linalg.slogdet(a)
    return s.astype(dt), l


_SLOGDET = Kernel("linalg_slogdet", _slogdet_fn, "LinalgSlogdetBackward0")


@op("slogdet", namespace=LINALG, method=False, out=True)
def linalg_slogdet(A):
    check_square(A, "linalg.slogdet")
    s, l = call(_SLOGDET, [A], np_dtype(A._dtype))
    return RT.linalg_slogdet(s, l)


@op(out=True)
def slogdet(input):
    s, l = linalg_slogdet(input)
    return RT.slogdet(s, l)


def _logdet_fn(dt, a):
    s, l = _slogdet_fn(dt, a)
    if jnp.iscomplexobj(s):
        return jnp.log(s) + l
    return jnp.where(s < 0, jnp.nan, jnp.where(s == 0, -jnp.inf, l))


_LOGDET = Kernel("logdet", _logdet_fn, "LogdetBackward0")


@op()
def logdet(input):
    check_square(input, "logdet")
    return call(_LOGDET, [input], np_dtype(input._dtype))


# ---- inverses and solves ------------------------------------------------------------------------------------------

def _lu_info(a):
    """1-based index of the first zero pivot of the LU factorization of a (0 if none)."""
    lu, _, _ = lax.linalg.lu(lax.stop_gradient(a))
    zero = jnp.diagonal(lu, axis1=-2, axis2=-1) == 0
    return jnp.where(jnp.any(zero, axis=-1), jnp.argmax(zero, axis=-1) + 1, 0).astype(jnp.int32)


def _inv_fn(dt, a):
    a = cast(a, dt)
    if _empty(a):
        return a, jnp.zeros(a.shape[:-2], jnp.int32)
    return jnp.linalg.inv(a), _lu_info(a)


_INV = Kernel("linalg_inv", _inv_fn, "LinalgInvExBackward0", diff_out=(0,))


def _inv_msg(i):
    return f"The diagonal element {i} is zero, the inversion could not be completed because the input matrix is " \
           f"singular."


@op("inv", namespace=LINALG, method=False, out=True)
def linalg_inv(A):
    check_square(A, "linalg.inv")
    r, info = call(_INV, [A], np_dtype(A._dtype))
    raise_info(info, "linalg.inv", _inv_msg)
    return r


@op("inv_ex", namespace=LINALG, method=False, out=True)
def linalg_inv_ex(A, *, check_errors=False):
    check_square(A, "linalg.inv_ex")
    r, info = call(_INV, [A], np_dtype(A._dtype))
    if check_errors:
        raise_info(info, "linalg.inv_ex", _inv_msg)
    return RT.linalg_inv_ex(r, info)


@op(out=True)
def inverse(input):
    return linalg_inv(input)


def _solve_fn(st, a, b):
    left, vec, dt = st
    a, b = cast(a, dt), cast(b, dt)
    if vec:
        b = b[..., None]
    if not left:
        a, b = mH(a), mH(b)
    if _empty(a) or _empty(b):
        x = jnp.zeros(jnp.broadcast_shapes(a.shape[:-2], b.shape[:-2]) + b.shape[-2:], dt)
        info = jnp.zeros(a.shape[:-2], jnp.int32)
    else:
        x = jnp.linalg.solve(a, b)
        info = _lu_info(a)
    if not left:
        x = mH(x)
    if vec:
        x = x[..., 0]
    return x, info


_SOLVE = Kernel("linalg_solve", _solve_fn, "LinalgSolveExBackward0", diff_out=(0,))


def _solve(A, B, left, fname):
    check_square(A, fname)
    check_tensor(B, fname, "B")
    check_float(B, fname, "B")
    if A._dtype is not B._dtype:
        raise RuntimeError(f"{fname}: Expected A and B to have the same dtype, but found A of type "
                           f"{D._scalar_name(A._dtype)} and B of type {D._scalar_name(B._dtype)} instead")
    vec = B.ndim == 1 or (left and B.ndim == A.ndim - 1 and tuple(B._shape) == tuple(A._shape[:-1]))
    n = A._shape[-1]
    if vec:
        if B._shape[-1] != n:
            raise RuntimeError(f"{fname}: Incompatible shapes of A and B for the equation AX = B ({A._shape[-2]}x{n} "
                               f"and {B._shape[-1]}x1)")
        bshape = tuple(broadcast_shapes(A._shape[:-2], B._shape[:-1])) + (n,)
        ashape = bshape[:-1] + (n, n)
    else:
        if B.ndim < 2:
            raise RuntimeError(f"{fname}: The input tensor B must have at least 2 dimensions.")
        k = B._shape[-2] if left else B._shape[-1]
        if k != n:
            raise RuntimeError(f"{fname}: Incompatible shapes of A and B for the equation "
                               f"{'AX = B' if left else 'XA = B'} ({A._shape[-2]}x{n} and "
                               f"{B._shape[-2]}x{B._shape[-1]})")
        lead = tuple(broadcast_shapes(A._shape[:-2], B._shape[:-2]))
        bshape = lead + tuple(B._shape[-2:])
        ashape = lead + (n, n)
    A2 = A if tuple(A._shape) == ashape else A.expand(ashape)
    B2 = B if tuple(B._shape) == bshape else B.expand(bshape)
    return call(_SOLVE, [A2, B2], (bool(left), bool(vec), np_dtype(A._dtype)))


@op("solve", namespace=LINALG, method=False, out=True)
def linalg_solve(A, B, *, left=True):
    x, info = _solve(A, B, left, "linalg.solve")
    raise_info(info, "linalg.solve", lambda i: f"The solver failed because the input matrix is singular.")
    return x


@op("solve_ex", namespace=LINALG, method=False, out=True)
def linalg_solve_ex(A, B, *, left=True, check_errors=False):
    x, info = _solve(A, B, left, "linalg.solve_ex")
    if check_errors:
        raise_info(info, "linalg.solve_ex", lambda i: f"The solver failed because the input matrix is singular.")
    return RT.linalg_solve_ex(x, info)


def _tri_solve_fn(st, a, b):
    upper, left, unit, dt = st
    a, b = cast(a, dt), cast(b, dt)
    if _empty(a) or _empty(b):
        return jnp.zeros(b.shape, dt)
    return lax.linalg.triangular_solve(a, b, left_side=left, lower=not upper, unit_diagonal=unit)


_TRI_SOLVE = Kernel("linalg_solve_triangular", _tri_solve_fn, "LinalgSolveTriangularBackward0")


def _tri_broadcast(A, B, fname):
    lead = tuple(broadcast_shapes(A._shape[:-2], B._shape[:-2]))
    A2 = A.expand(lead + tuple(A._shape[-2:])) if tuple(A._shape[:-2]) != lead else A
    B2 = B.expand(lead + tuple(B._shape[-2:])) if tuple(B._shape[:-2]) != lead else B
    return A2, B2


@op("solve_triangular", namespace=LINALG, method=False, out=True)
def linalg_solve_triangular(A, B, *, upper, left=True, unitriangular=False):
    check_square(A, "linalg.solve_triangular")
    check_matrix(B, "linalg.solve_triangular", "B")
    if A._dtype is not B._dtype:
        raise RuntimeError(f"linalg.solve_triangular: Expected A and B to have the same dtype, but found A of type "
                           f"{D._scalar_name(A._dtype)} and B of type {D._scalar_name(B._dtype)} instead")
    n = A._shape[-1]
    if (B._shape[-2] if left else B._shape[-1]) != n:
        raise RuntimeError(f"linalg.solve_triangular: Incompatible shapes of A and B for the equation "
                           f"{'AX = B' if left else 'XA = B'} ({A._shape[-2]}x{n} and {B._shape[-2]}x{B._shape[-1]})")
    A2, B2 = _tri_broadcast(A, B, "linalg.solve_triangular")
    return call(_TRI_SOLVE, [A2, B2], (bool(upper), bool(left), bool(unitriangular), np_dtype(A._dtype)))


@op(out=True)
def triangular_solve(input, A, upper=True, transpose=False, unitriangular=False):
    check_matrix(input, "torch.triangular_solve", "b")
    check_matrix(A, "torch.triangular_solve")
    if input._shape[-2] != A._shape[-1]:
        raise RuntimeError(f"Incompatible matrix sizes for triangular_solve: each A matrix is {A._shape[-2]} by "
                           f"{A._shape[-1]} but each b matrix is {input._shape[-2]} by {input._shape[-1]}")
    A2, B2 = _tri_broadcast(A, input, "triangular_solve")
    Ause = A2.mT if transpose else A2
    up = (not upper) if transpose else upper
    x = call(_TRI_SOLVE, [Ause, B2], (bool(up), True, bool(unitriangular), np_dtype(A._dtype)),
             name="TriangularSolveBackward0")
    return RT.triangular_solve(x, A2.clone())


def _chol_solve_fn(st, b, l):
    upper, dt = st
    b, l = cast(b, dt), cast(l, dt)
    if _empty(l) or _empty(b):
        return jnp.zeros(b.shape, dt)
    L = mH(l) if upper else l
    y = lax.linalg.triangular_solve(L, b, left_side=True, lower=True)
    return lax.linalg.triangular_solve(mH(L), y, left_side=True, lower=False)


_CHOL_SOLVE = Kernel("cholesky_solve", _chol_solve_fn, "CholeskySolveBackward0")


@op(out=True)
def cholesky_solve(input, input2, upper=False):
    check_matrix(input, "cholesky_solve", "b")
    check_matrix(input2, "cholesky_solve", "u")
    if input._dtype is not input2._dtype:
        raise RuntimeError(f"b and u must have the same dtype")
    L2, B2 = _tri_broadcast(input2, input, "cholesky_solve")
    return call(_CHOL_SOLVE, [B2, L2], (bool(upper), np_dtype(input._dtype)))


def _chol_inv_fn(st, l):
    upper, dt = st
    l = cast(l, dt)
    if _empty(l):
        return l
    L = mH(l) if upper else l
    eye = jnp.broadcast_to(jnp.eye(l.shape[-1], dtype=dt), l.shape)
    y = lax.linalg.triangular_solve(L, eye, left_side=True, lower=True)
    return mH(y) @ y


_CHOL_INV = Kernel("cholesky_inverse", _chol_inv_fn, "CholeskyInverseBackward0")


@op(out=True)
def cholesky_inverse(input, upper=False):
    check_square(input, "cholesky_inverse", "input")
    return call(_CHOL_INV, [input], (bool(upper), np_dtype(input._dtype)))


def _lu_solve_fn(st, lu, piv, b):
    left, adjoint, dt = st
    lu, b = cast(lu, dt), cast(b, dt)
    if _empty(lu) or _empty(b):
        return jnp.zeros(b.shape, dt)
    from .linalg import _pivots_to_perm
    n = lu.shape[-1]
    P = _pivots_to_perm(piv.astype(jnp.int32), n).astype(dt)
    L = jnp.tril(lu, -1) + jnp.eye(n, dtype=dt)
    U = jnp.triu(lu)
    # A = P L U
    if left and not adjoint:
        y = lax.linalg.triangular_solve(L, mH(P) @ b, left_side=True, lower=True, unit_diagonal=True)
        return lax.linalg.triangular_solve(U, y, left_side=True, lower=False)
    if left and adjoint:  # A^H x = b:  U^H L^H P^H x = b
        y = lax.linalg.triangular_solve(mH(U), b, left_side=True, lower=True)
        z = lax.linalg.triangular_solve(mH(L), y, left_side=True, lower=False, unit_diagonal=True)
        return P @ z
    if not adjoint:  # x A = b  ->  A^H x^H = b^H
        return mH(_lu_solve_fn((True, True, dt), lu, piv, mH(b)))
    return mH(_lu_solve_fn((True, False, dt), lu, piv, mH(b)))


_LU_SOLVE = Kernel("linalg_lu_solve", _lu_solve_fn, "LinalgLuSolveBackward0")


@op("lu_solve", namespace=LINALG, method=False, out=True)
def linalg_lu_solve(LU, pivots, B, *, left=True, adjoint=False):
    check_square(LU, "linalg.lu_solve", "LU")
    check_matrix(B, "linalg.lu_solve", "B")
    if pivots._dtype is not D.int32:
        raise RuntimeError("linalg.lu_solve: pivots should be a Tensor of scalar type Int")
    n = LU._shape[-1]
    if (B._shape[-2] if left else B._shape[-1]) != n:
        raise RuntimeError(f"linalg.lu_solve: Incompatible shapes of A and B for the equation "
                           f"{'AX = B' if left else 'XA = B'} ({n}x{n} and {B._shape[-2]}x{B._shape[-1]})")
    lead = tuple(broadcast_shapes(LU._shape[:-2], B._shape[:-2], pivots._shape[:-1]))
    LU2 = LU.expand(lead + (n, n))
    P2 = pivots.expand(lead + (n,))
    B2 = B.expand(lead + tuple(B._shape[-2:]))
    return call(_LU_SOLVE, [LU2, P2, B2], (bool(left), bool(adjoint), np_dtype(LU._dtype)))


@op(out=True)
def lu_solve(input, LU_data, LU_pivots):
    return linalg_lu_solve(LU_data, LU_pivots, input)


# ---- least squares, pseudo-inverse, rank ------------------------------------------------------------------------------

def _lstsq_fn(st, a, b):
    vec, dt = st
    a, b = cast(a, dt), cast(b, dt)
    if vec:
        b = b[..., None]
    if _empty(a) or _empty(b):
        x = jnp.zeros(a.shape[:-2] + (a.shape[-1], b.shape[-1]), dt)
    else:
        x = _pinv_with_vjp((False, dt), a, None, None) @ b
    return x[..., 0] if vec else x


_LSTSQ = Kernel("linalg_lstsq", _lstsq_fn, "LinalgLstsqBackward0")


@op("lstsq", namespace=LINALG, method=False, out=True)
def linalg_lstsq(A, B, rcond=None, *, driver=None):
    check_matrix(A, "torch.linalg.lstsq")
    check_tensor(B, "torch.linalg.lstsq", "B")
    if B.ndim < 1:
        raise RuntimeError("torch.linalg.lstsq: input.dim() must be greater or equal to other.dim() and "
                           "(input.dim() - other.dim()) <= 1")
    if A._dtype is not B._dtype:
        raise RuntimeError(f"torch.linalg.lstsq: Expected input and other to have the same dtype, but got "
                           f"input's dtype {D._scalar_name(A._dtype)} and other's dtype "
                           f"{D._scalar_name(B._dtype)}")
    vec = A.ndim == B.ndim + 1
    if not vec and A.ndim != B.ndim:
        raise RuntimeError("torch.linalg.lstsq: input.dim() must be greater or equal to other.dim() and "
                           "(input.dim() - other.dim()) <= 1")
    m = A._shape[-2]
    if (B._shape[-1] if vec else B._shape[-2]) != m:
        raise RuntimeError(f"torch.linalg.lstsq: input.size(-2) should match other.size(-{1 if vec else 2})")
    if driver not in (None, "gelsy", "gelsd", "gelss", "gels"):
        raise RuntimeError(f"torch.linalg.lstsq: parameter `driver` should be one of (gels, gelsy, gelsd, gelss)")
    drv = driver or "gelsy"
    lead = tuple(broadcast_shapes(A._shape[:-2], B._shape[:-1] if vec else B._shape[:-2]))
    A2 = A.expand(lead + tuple(A._shape[-2:]))
    B2 = B.expand(lead + ((B._shape[-1],) if vec else tuple(B._shape[-2:])))
    x = call(_LSTSQ, [A2, B2], (vec, np_dtype(A._dtype)))
    from .creation import empty
    rdt = real_dtype(A._dtype)
    n = A._shape[-1]
    if drv in ("gelsy", "gelsd", "gelss"):
        rank = linalg_matrix_rank(A2.detach())
    else:
        rank = empty(0, dtype=D.int64)
    sv = linalg_svdvals(A2.detach()) if drv in ("gelsd", "gelss") else empty(0, dtype=rdt)
    if m > n and drv != "gelsy":
        r = (A2 @ (x.unsqueeze(-1) if vec else x)) - (B2.unsqueeze(-1) if vec else B2)
        res = (r.abs() ** 2).sum(-2)
        if vec:
            res = res.squeeze(-1)
    else:
        res = empty(0, dtype=rdt)
    return RT.linalg_lstsq(x, res, rank, sv)


def _pinv_fn(st, a, atol, rtol):
    herm, dt = st
    a = cast(a, dt)
    m, n = a.shape[-2:]
    if _empty(a):
        return jnp.zeros(a.shape[:-2] + (n, m), dt)
    rdt = jnp.real(a).dtype
    if herm:
        w, v = lax.linalg.eigh(a, symmetrize_input=False)[::-1]
        s = jnp.abs(w)
    else:
        u, s, vh = jnp.linalg.svd(a, full_matrices=False)
    smax = jnp.max(s, axis=-1, keepdims=True)
    atol = jnp.zeros((), rdt) if atol is None else jnp.asarray(atol, rdt)
    if rtol is None:
        rtol = jnp.where(atol > 0, 0.0, jnp.finfo(rdt).eps * max(m, n)).astype(rdt)
    else:
        rtol = jnp.asarray(rtol, rdt)
    atol_b = atol[..., None] if jnp.ndim(atol) else atol
    rtol_b = rtol[..., None] if jnp.ndim(rtol) else rtol
    tol = jnp.maximum(atol_b, rtol_b * smax)
    keep = s > tol
    if herm:
        winv = jnp.where(keep, 1 / jnp.where(keep, w, 1), 0).astype(dt)
        return (v * winv[..., None, :]) @ mH(v)
    sinv = jnp.where(keep, 1 / jnp.where(keep, s, 1), 0).astype(dt)
    return mH(vh) @ (sinv[..., :, None] * mH(u))


def _pinv_with_vjp(st, a, atol, rtol):
    """pinv whose gradient is the analytic one (Golub & Pereyra), well defined at constant rank, as torch's."""
    import jax

    @jax.custom_vjp
    def f(a):
        return _pinv_fn(st, a, atol, rtol)

    def fwd(a):
        p = f(a)
        return p, (a, p)

    def bwd(res, g):
        a, p = res
        m, n = a.shape[-2:]
        eye_m = jnp.eye(m, dtype=a.dtype)
        eye_n = jnp.eye(n, dtype=a.dtype)
        pt = jnp.swapaxes(p, -1, -2)
        gt = jnp.swapaxes(g, -1, -2)
        ga = -pt @ g @ pt + (eye_m - a @ p) @ gt @ p @ pt + pt @ p @ gt @ (eye_n - p @ a)
        return (ga,)

    f.defvjp(fwd, bwd)
    if _empty(a) or jnp.iscomplexobj(a):
        return _pinv_fn(st, a, atol, rtol)
    return f(cast(a, st[1]))


_PINV = Kernel("linalg_pinv", _pinv_with_vjp, "LinalgPinvBackward0")


def _tol_arg(t):
    if isinstance(t, Tensor):
        return t
    return None if t is None else float(t)


@op("pinv", namespace=LINALG, method=False, out=True)
def linalg_pinv(A, rcond=None, hermitian=False, *, atol=None, rtol=None):
    check_matrix(A, "linalg.pinv")
    if rcond is not None:
        rtol = rcond
    return call(_PINV, [A, _tol_arg(atol), _tol_arg(rtol)], (bool(hermitian), np_dtype(A._dtype)))


@op()
def pinverse(input, rcond=1e-15):
    return linalg_pinv(input, rtol=rcond)


def _rank_fn(st, a, atol, rtol):
    herm, dt = st
    a = cast(a, dt)
    m, n = a.shape[-2:]
    if _empty(a):
        return jnp.zeros(a.shape[:-2], jnp.int64)
    rdt = jnp.real(a).dtype
    if herm:
        s = jnp.abs(lax.linalg.eigh(a, symmetrize_input=False)[1])
    else:
        s = jnp.linalg.svd(a, compute_uv=False)
    smax = jnp.max(s, axis=-1)
    atol = jnp.zeros((), rdt) if atol is None else jnp.asarray(atol, rdt)
    if rtol is None:
        rtol = jnp.where(atol > 0, 0.0, jnp.finfo(rdt).eps * max(m, n)).astype(rdt)
    else:
        rtol = jnp.asarray(rtol, rdt)
    tol = jnp.maximum(atol, rtol * smax)
    return jnp.sum(s > tol[..., None], axis=-1).astype(jnp.int64)


_RANK = Kernel("linalg_matrix_rank", _rank_fn, "LinalgMatrixRankBackward0")


@op("matrix_rank", namespace=LINALG, method=False, out=True)
def linalg_matrix_rank(A, tol=None, hermitian=False, *, atol=None, rtol=None):
    check_matrix(A, "torch.linalg.matrix_rank")
    if tol is not None:
        atol, rtol = tol, 0.0
    return call(_RANK, [A, _tol_arg(atol), _tol_arg(rtol)], (bool(hermitian), np_dtype(A._dtype)))


# ---- norms ---------------------------------------------------------------------------------------------------------------

def _matrix_norm_fn(st, a):
    ord_, dims, keep, dt = st
    a = cast(a, dt)
    d0, d1 = dims
    if ord_ == "fro":
        return R.vector_norm_fn(a, 2, dims, keep)
    if ord_ in ("nuc", 2.0, -2.0):
        moved = jnp.moveaxis(a, (d0, d1), (-2, -1))
        if _empty(moved):
            s = jnp.zeros(moved.shape[:-2] + (0,), jnp.real(a).dtype)
        else:
            s = jnp.linalg.svd(moved, compute_uv=False)
        r = jnp.sum(s, -1) if ord_ == "nuc" else (jnp.max(s, -1, initial=0) if ord_ == 2.0 else jnp.min(s, -1))
        if keep:
            for d in sorted((d0, d1)):
                r = jnp.expand_dims(r, d)
        return r
    ab = tabs(a)
    if ord_ in (1.0, -1.0):
        s = jnp.sum(ab, axis=d0, keepdims=True)
        r = jnp.max(s, axis=d1, keepdims=True, initial=0) if ord_ > 0 else jnp.min(s, axis=d1, keepdims=True)
    else:
        s = jnp.sum(ab, axis=d1, keepdims=True)
        r = jnp.max(s, axis=d0, keepdims=True, initial=0) if ord_ > 0 else jnp.min(s, axis=d0, keepdims=True)
    if not keep:
        r = jnp.squeeze(r, (d0, d1))
    return r


_MATRIX_NORM = Kernel("linalg_matrix_norm", _matrix_norm_fn, "LinalgMatrixNormBackward0")


@op("matrix_norm", namespace=LINALG, method=False, out=True)
def linalg_matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None):  # noqa: A002
    check_tensor(A, "linalg.matrix_norm", "A")
    if A.ndim < 2:
        raise RuntimeError("linalg.matrix_norm: The input tensor A must have at least 2 dimensions.")
    if isinstance(ord, str):
        if ord not in ("fro", "nuc"):
            raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")
    else:
        ord = float(ord)  # noqa: A001
        if ord not in (1.0, -1.0, 2.0, -2.0, math.inf, -math.inf):
            raise RuntimeError(f"linalg.matrix_norm: Order {ord:g} not supported.")
    dims = wrap_dims(tuple(dim), A.ndim)
    if len(dims) != 2:
        raise RuntimeError(f"linalg.matrix_norm: dim must be a 2-tuple. Got {' '.join(map(str, dim))}")
    dt = dtype or A._dtype
    if not (dt.is_floating_point or dt.is_complex):
        raise RuntimeError(f"linalg.matrix_norm: Expected a floating point or complex tensor as input. Got "
                           f"{D._scalar_name(dt)}")
    d0, d1 = dims
    empty_dim = {-1.0: d1, -math.inf: d0}.get(ord)
    if (empty_dim is not None and A._shape[empty_dim] == 0) or \
            (ord == -2.0 and min(A._shape[d0], A._shape[d1]) == 0):
        raise IndexError(f"amin(): Expected reduction dim {empty_dim if empty_dim is not None else -1} to have "
                         f"non-zero size.")
    out = call(_MATRIX_NORM, [A], (ord, dims, bool(keepdim), np_dtype(dt)))
    return out


@op("vector_norm", namespace=LINALG, method=False, out=True)
def linalg_vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None):  # noqa: A002
    check_tensor(x, "linalg.vector_norm", "x")
    if isinstance(ord, str):
        raise TypeError(f"linalg_vector_norm(): argument 'ord' (position 2) must be Number, not str")
    if dim is not None and not isinstance(dim, int):
        dim = tuple(dim)
    if dim is not None and ord < 0 or ord == math.inf or ord == -math.inf:
        dims = R._dims(x, dim)
        for d in dims:
            if x.ndim and x._shape[d] == 0 and ord != math.inf:
                raise IndexError(f"linalg.vector_norm cannot compute the {ord} norm on the empty tensor because the "
                                 f"operation does not have an identity")
    r = R.vector_norm(x, ord, dim, keepdim, dtype=dtype)
    return r.to(real_dtype(r._dtype)) if r._dtype.is_complex else r


@op("norm", namespace=LINALG, method=False, out=True)
def linalg_norm(A, ord=None, dim=None, keepdim=False, *, dtype=None):  # noqa: A002
    check_tensor(A, "linalg.norm", "A")
    if dim is not None and not isinstance(dim, int):
        dim = tuple(dim)
    if isinstance(dim, int):
        dim = (dim,)
    if dim is None and ord is not None:
        if A.ndim not in (1, 2):
            raise RuntimeError(f"linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. Got "
                               f"{A.ndim}D.")
        dim = tuple(range(A.ndim))
    if isinstance(ord, str) or (dim is not None and len(dim) == 2):
        return linalg_matrix_norm(A, "fro" if ord is None else ord, dim if dim is not None else (-2, -1), keepdim,
                                  dtype=dtype)
    return linalg_vector_norm(A, 2 if ord is None else ord, dim, keepdim, dtype=dtype)


@op("cond", namespace=LINALG, method=False, out=True)
def linalg_cond(A, p=None):
    check_matrix(A, "linalg.cond")
    if p is None or p in (2, -2):
        s = linalg_svdvals(A)
        if p == -2:
            return s[..., -1] / s[..., 0]
        return s[..., 0] / s[..., -1]
    if A._shape[-1] != A._shape[-2]:
        raise RuntimeError(f"linalg.cond(ord={p}): A must be batches of square matrices, but they are "
                           f"{A._shape[-2]} by {A._shape[-1]} matrices")
    inv, info = linalg_inv_ex(A)
    return linalg_matrix_norm(A, p) * linalg_matrix_norm(inv, p)


# ---- matrix functions and products ---------------------------------------------------------------------------------------

def _matrix_power_fn(st, a):
    n, dt = st
    a = cast(a, dt)
    if n < 0:
        a = jnp.linalg.inv(a) if not _empty(a) else a
        n = -n
    if n == 0:
        return jnp.broadcast_to(jnp.eye(a.shape[-1], dtype=dt), a.shape)
    result = None
    base = a
    while n:
        if n & 1:
            result = base if result is None else result @ base
        n >>= 1
        if n:
            base = base @ base
    return result


_MATRIX_POWER = Kernel("linalg_matrix_power", _matrix_power_fn, "LinalgMatrixPowerBackward0")


@op("matrix_power", namespace=LINALG, method=False, out=True)
def linalg_matrix_power(A, n):
    check_tensor(A, "linalg.matrix_power", "A")
    if A.ndim < 2:
        raise RuntimeError("linalg.matrix_power: The input tensor A must have at least 2 dimensions.")
    if A._shape[-1] != A._shape[-2]:
        raise RuntimeError(f"linalg.matrix_power: A must be batches of square matrices, but they are {A._shape[-2]} "
                           f"by {A._shape[-1]} matrices")
    if n < 0:
        check_float(A, "linalg.matrix_power")
    return call(_MATRIX_POWER, [A], (int(n), np_dtype(A._dtype)))


Tensor.matrix_power = lambda self, n: linalg_matrix_power(self, n)  # noqa: E731
_add_function("torch", "matrix_power", linalg_matrix_power)


@op("multi_dot", namespace=LINALG, method=False, out=True)
def multi_dot(tensors):
    tensors = list(tensors)
    if len(tensors) < 2:
        raise RuntimeError(f"multi_dot(): expected at least 2 tensors but got {len(tensors)}")
    for i, t in enumerate(tensors):
        lim = 1 if i in (0, len(tensors) - 1) else 2
        if t.ndim > 2 or t.ndim < (1 if i in (0, len(tensors) - 1) else 2):
            if i in (0, len(tensors) - 1):
                raise RuntimeError(f"multi_dot(): the {'first' if i == 0 else 'last'} tensor must be 1D or 2D but "
                                   f"got {t.ndim}D")
            raise RuntimeError(f"multi_dot(): tensor {i} must be 2D but got {t.ndim}D")
        del lim
    dt = tensors[0]._dtype
    for t in tensors[1:]:
        if t._dtype is not dt:
            raise RuntimeError(f"multi_dot(): all tensors must have be the same dtype but tensor 0 is "
                               f"{D._scalar_name(dt)} and tensor {tensors.index(t)} {D._scalar_name(t._dtype)}")
    first_vec = tensors[0].ndim == 1
    last_vec = tensors[-1].ndim == 1
    ts = list(tensors)
    if first_vec:
        ts[0] = ts[0].unsqueeze(0)
    if last_vec:
        ts[-1] = ts[-1].unsqueeze(-1)
    for i in range(len(ts) - 1):
        if ts[i]._shape[1] != ts[i + 1]._shape[0]:
            raise RuntimeError(f"multi_dot(): tensors {i} and {i + 1} with shapes {list(tensors[i]._shape)} and "
                               f"{list(tensors[i + 1]._shape)} cannot be multiplied")
    from .blas import mm
    out = ts[0]
    for t in ts[1:]:
        out = mm(out, t)
    if first_vec:
        out = out.squeeze(0)
    if last_vec:
        out = out.squeeze(-1)
    return out


def _vander_fn(n, x):
    return jnp.power(x[..., None], jnp.arange(n).astype(x.dtype)) if n else jnp.zeros(x.shape + (0,), x.dtype)


_VANDER = Kernel("linalg_vander", _vander_fn, "LinalgVanderBackward0")


@op("vander", namespace=LINALG, method=False)
def linalg_vander(x, *, N=None):
    check_tensor(x, "linalg.vander", "x")
    if x.ndim < 1 and N is None:
        raise RuntimeError("N must be greater than 1.")
    if x.ndim == 0:
        x = x.reshape(1)
    n = x._shape[-1] if N is None else N
    if n <= 1 and N is not None:
        raise RuntimeError("N must be greater than 1.")
    xx = x.to(D.int64) if x._dtype is D.bool or (not x._dtype.is_floating_point and not x._dtype.is_complex
                                                  and x._dtype is not D.int64) else x
    return _cumprod_vander(xx, n)


def _cumprod_vander(x, n):
    from .creation import ones_like
    cols = [ones_like(x).unsqueeze(-1)]
    if n > 1:
        from .reduction import cumprod
        rest = cumprod(x.unsqueeze(-1).expand(tuple(x._shape) + (n - 1,)), -1)
        from .shape_views import cat
        return cat(cols + [rest], -1)
    return cols[0]


@function()
def vander(x, N=None, increasing=False):
    v = linalg_vander(x, N=N if N is not None else x._shape[0]) if (N is None or N > 1) else None
    if v is None:
        from .creation import ones
        v = ones((x._shape[0], N), dtype=x._dtype) if N else x.new_zeros((x._shape[0], 0))
    return v if increasing else v.flip(-1)


@op("tensorinv", namespace=LINALG, method=False, out=True)
def linalg_tensorinv(A, ind=2):
    check_tensor(A, "linalg.tensorinv", "A")
    if ind <= 0:
        raise RuntimeError(f"Expected a strictly positive integer for 'ind', but got {ind}")
    out_shape = tuple(A._shape[ind:]) + tuple(A._shape[:ind])
    rows = math.prod(A._shape[:ind])
    cols = math.prod(A._shape[ind:])
    if rows != cols:
        raise RuntimeError(f"Expected self to satisfy the requirement prod(self.shape[ind:]) == "
                           f"prod(self.shape[:ind]), but got {cols} != {rows}")
    return linalg_inv(A.reshape(rows, cols)).reshape(out_shape)


@op("tensorsolve", namespace=LINALG, method=False, out=True)
def linalg_tensorsolve(A, B, dims=None):
    check_tensor(A, "linalg.tensorsolve", "A")
    nd = A.ndim
    if dims is not None:
        dims = [_wrap_dim(d, nd) for d in dims]
        rest = [d for d in range(nd) if d not in dims]
        A = A.permute(*(rest + dims))
    bn = B.numel()
    rest_shape = tuple(A._shape[B.ndim:])
    if math.prod(A._shape[:B.ndim]) != bn or math.prod(rest_shape) != bn:
        raise RuntimeError(f"Expected self to satisfy the requirement prod(self.shape[other.ndim:]) == "
                           f"prod(self.shape[:other.ndim]), but got {math.prod(rest_shape)} != "
                           f"{math.prod(A._shape[:B.ndim])}")
    return linalg_solve(A.reshape(bn, bn), B.reshape(bn)).reshape(rest_shape)


def _vecdot_fn(st, x, y):
    dim, dt = st
    return jnp.sum(jnp.conj(cast(x, dt)) * cast(y, dt), axis=dim)


_VECDOT = Kernel("linalg_vecdot", _vecdot_fn, "LinalgVecdotBackward0")


@op("vecdot", namespace=LINALG, method=False, out=True)
def vecdot(x, y, *, dim=-1):
    if x._dtype is not y._dtype:
        raise RuntimeError(f"linalg.vecdot: Expected x and y to have the same dtype, but found x of type "
                           f"{D._scalar_name(x._dtype)} and y of type {D._scalar_name(y._dtype)} instead")
    shape = broadcast_shapes(x._shape, y._shape)
    d = _wrap_dim(dim, len(shape))
    return call(_VECDOT, [x.expand(shape), y.expand(shape)], (d, np_dtype(x._dtype)))


def _expm_fn(dt, a):
    a = cast(a, dt)
    if _empty(a):
        return a
    if a.dtype in (jnp.float32, jnp.complex64):  # JAX's float32 Pade approximant is ~1e-3 off; use double
        wide = jnp.float64 if a.dtype == jnp.float32 else jnp.complex128
        return _expm_fn(jnp.dtype(wide), a.astype(wide)).astype(a.dtype)
    if a.ndim == 2:
        return jsl.expm(a)
    flat = a.reshape((-1,) + a.shape[-2:])
    import jax
    return jax.vmap(jsl.expm)(flat).reshape(a.shape)


_EXPM = Kernel("linalg_matrix_exp", _expm_fn, "LinalgMatrixExpBackward0")


@op("matrix_exp", namespace=LINALG, method=False)
def linalg_matrix_exp(A):
    check_square(A, "linalg.matrix_exp")
    return call(_EXPM, [A], np_dtype(A._dtype))


Tensor.matrix_exp = lambda self: linalg_matrix_exp(self)  # noqa: E731
_add_function("torch", "matrix_exp", linalg_matrix_exp)


@op("diagonal", namespace=LINALG, method=False)
def linalg_diagonal(A, *, offset=0, dim1=-2, dim2=-1):
    from .shape_views import diagonal
    return diagonal(A, offset, dim1, dim2)


_ = (_LinAlgError, raise_info, linalg_lu_factor, linalg_eigvalsh, check_float)
