"""torch.linalg decompositions: cholesky, qr, eigh/eigvalsh, eig/eigvals, svd/svdvals, lu/lu_factor, householder
products, and the legacy torch.* names (cholesky, qr, svd, lu, lu_unpack, geqrf, ormqr, symeig-free)."""
import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from .. import _dtype as D
from .. import return_types as RT
from .._tensor import Tensor
from ._common import cast, check_tensor, concrete, np_dtype
from .kernel import Kernel, call
from .registry import _add_function, function, op

LINALG = "torch.linalg"


class _LinAlgError(RuntimeError):
    """torch.linalg.LinAlgError (torch._C._LinAlgError): a RuntimeError for failed factorizations."""


_add_function(LINALG, "LinAlgError", _LinAlgError)


# ---- argument checks shared by the linalg family -------------------------------------------------------------------

def check_float(A, fname, argname="A"):
    if not (A._dtype.is_floating_point or A._dtype.is_complex) or A._dtype in (D.float16, D.bfloat16):
        raise RuntimeError(f"{fname}: Expected a floating point or complex tensor as input. Got "
                           f"{D._scalar_name(A._dtype)}")


def check_matrix(A, fname, argname="A"):
    check_tensor(A, fname, argname)
    if A.ndim < 2:
        raise RuntimeError(f"{fname}: The input tensor {argname} must have at least 2 dimensions.")
    check_float(A, fname, argname)


def check_square(A, fname, argname="A"):
    check_matrix(A, fname, argname)
    if A._shape[-1] != A._shape[-2]:
        raise RuntimeError(f"{fname}: {argname} must be batches of square matrices, but they are "
                           f"{A._shape[-2]} by {A._shape[-1]} matrices")


def real_dtype(dt):
    return dt.to_real() if dt.is_complex else dt


def mH(x):
    return jnp.conj(jnp.swapaxes(x, -1, -2))


def raise_info(info, fname, what):
    """torch raises LinAlgError when a factorization fails (info > 0), if the values are known."""
    v = concrete(info)
    if v is None:
        return
    v = np.asarray(v).reshape(-1)
    bad = np.nonzero(v)[0]
    if bad.size:
        i = int(v[bad[0]])
        batch = f"(Batch element {int(bad[0])}): " if info.ndim else ""
        raise _LinAlgError(f"{fname}: {batch}{what(i)}")


def _empty(x):
    return any(s == 0 for s in x.shape)


# ---- cholesky -------------------------------------------------------------------------------------------------------

def _cholesky_fn(st, a):
    upper, dt = st
    a = cast(a, dt)
    if _empty(a):
        return a, jnp.zeros(a.shape[:-2], jnp.int32)
    L = jnp.linalg.cholesky(a, upper=False, symmetrize_input=False)
    bad = jnp.isnan(L)
    # info: the order of the leading minor that is not positive definite (1-based)
    diag_bad = jnp.any(bad, axis=-1)
    first = jnp.argmax(diag_bad, axis=-1) + 1
    info = jnp.where(jnp.any(diag_bad, axis=-1), first, 0).astype(jnp.int32)
    if upper:
        L = mH(L)
    return L, info


_CHOLESKY = Kernel("linalg_cholesky", _cholesky_fn, "LinalgCholeskyExBackward0", diff_out=(0,))


def _cholesky(A, upper, fname):
    check_square(A, fname)
    return call(_CHOLESKY, [A], (bool(upper), np_dtype(A._dtype)))


def _chol_msg(i):
    return (f"The factorization could not be completed because the input is not positive-definite (the leading "
            f"minor of order {i} is not positive-definite).")


@op("cholesky", namespace=LINALG, method=False, out=True)
def linalg_cholesky(A, *, upper=False):
    L, info = _cholesky(A, upper, "linalg.cholesky")
    raise_info(info, "linalg.cholesky", _chol_msg)
    return L


@op("cholesky_ex", namespace=LINALG, method=False, out=True)
def linalg_cholesky_ex(A, *, upper=False, check_errors=False):
    L, info = _cholesky(A, upper, "linalg.cholesky_ex")
    if check_errors:
        raise_info(info, "linalg.cholesky_ex", _chol_msg)
    return RT.linalg_cholesky_ex(L, info)


@op(out=True)
def cholesky(input, upper=False):
    L, info = _cholesky(input, upper, "cholesky")
    raise_info(info, "cholesky", _chol_msg)
    return L


# ---- QR ---------------------------------------------------------------------------------------------------------------

def _qr_fn(st, a):
    mode, dt = st
    a = cast(a, dt)
    m, n = a.shape[-2:]
    k = min(m, n)
    if _empty(a):
        qs = (m, m) if mode == "complete" else (m, k)
        rs = (m, n) if mode == "complete" else (k, n)
        q = jnp.broadcast_to(jnp.eye(*qs, dtype=dt), a.shape[:-2] + qs)
        return q, jnp.zeros(a.shape[:-2] + rs, dt)
    q, r = jnp.linalg.qr(a, mode="complete" if mode == "complete" else "reduced")
    if mode == "r":
        return jnp.zeros(a.shape[:-2] + (0,), dt), r
    return q, r


_QR = Kernel("linalg_qr", _qr_fn, "LinalgQrBackward0")


@op("qr", namespace=LINALG, method=False, out=True)
def linalg_qr(A, mode="reduced"):
    check_matrix(A, "linalg.qr")
    if mode not in ("reduced", "complete", "r"):
        raise RuntimeError(f"qr received unrecognized mode '{mode}' but expected one of 'reduced' (default), 'r', or "
                           f"'complete'")
    if mode == "complete" and A._shape[-2] > A._shape[-1] and A.requires_grad:
        pass  # torch raises only in backward
    q, r = call(_QR, [A], (mode, np_dtype(A._dtype)))
    return RT.linalg_qr(q, r)


@op(out=True)
def qr(input, some=True):
    q, r = linalg_qr(input, "reduced" if some else "complete")
    return RT.qr(q, r)


def _geqrf_fn(_, a):
    from jax._src.lax.linalg import geqrf
    return geqrf(a)


_GEQRF = Kernel("geqrf", _geqrf_fn, "GeqrfBackward0")


@op(out=True)
def geqrf(input):
    check_matrix(input, "geqrf")
    if _empty_shape(input._shape):
        from .creation import zeros
        k = min(input._shape[-2], input._shape[-1])
        return RT.geqrf(input.clone(), zeros(tuple(input._shape[:-2]) + (k,), dtype=input._dtype))
    a, tau = call(_GEQRF, [input], None)
    return RT.geqrf(a, tau)


def _empty_shape(shape):
    return any(s == 0 for s in shape)


def householder_fn(a, tau, full=False):
    """Q = H_1 ... H_k with H_i = I - tau_i v_i v_i^H (v_i from the strict lower part of column i of a)."""
    m, n = a.shape[-2:]
    k = tau.shape[-1]
    cols = m if full else n
    q = jnp.broadcast_to(jnp.eye(m, cols, dtype=a.dtype), a.shape[:-2] + (m, cols))
    rows = jnp.arange(m)
    for i in reversed(range(k)):
        v = jnp.where(rows[:, None] > i, a[..., :, i:i + 1], 0).astype(a.dtype)
        v = jnp.where(rows[:, None] == i, jnp.ones((), a.dtype), v)
        t = tau[..., i][..., None, None]
        q = q - t * (v @ (mH(v) @ q))
    return q


_HOUSEHOLDER = Kernel("householder_product", lambda dt, a, tau: householder_fn(cast(a, dt), cast(tau, dt)),
                      "LinalgHouseholderProductBackward0")


@op("householder_product", namespace=LINALG, method=False, out=True)
def householder_product(A, tau):
    check_tensor(A, "linalg.householder_product")
    if A.ndim < 2:
        raise RuntimeError("torch.linalg.householder_product: input must have at least 2 dimensions.")
    if A._shape[-2] < A._shape[-1]:
        raise RuntimeError("torch.linalg.householder_product: input.shape[-2] must be greater than or equal to "
                           "input.shape[-1]")
    if tau._shape[-1] > A._shape[-1]:
        raise RuntimeError("torch.linalg.householder_product: input.shape[-1] must be greater than or equal to "
                           "tau.shape[-1]")
    if A.ndim - tau.ndim != 1:
        raise RuntimeError(f"torch.linalg.householder_product: Expected tau to have one dimension less than input, "
                           f"but got tau.ndim equal to {tau.ndim} and input.ndim is equal to {A.ndim}")
    if tau._dtype is not A._dtype:
        raise RuntimeError(f"torch.linalg.householder_product: tau dtype {D._scalar_name(tau._dtype)} does not "
                           f"match input dtype {D._scalar_name(A._dtype)}")
    return call(_HOUSEHOLDER, [A, tau], np_dtype(A._dtype))


Tensor.orgqr = lambda self, tau: householder_product(self, tau)  # noqa: E731
_add_function("torch", "orgqr", householder_product)


def _ormqr_fn(st, a, tau, c):
    left, transpose, dt = st
    q = householder_fn(cast(a, dt), cast(tau, dt), full=True)
    if transpose:
        q = mH(q)
    c = cast(c, dt)
    return q @ c if left else c @ q


_ORMQR = Kernel("ormqr", _ormqr_fn, "OrmqrBackward0")


@op(out=True)
def ormqr(input, input2, input3, left=True, transpose=False):
    check_tensor(input, "ormqr")
    if input.ndim < 2 or input3.ndim < 2:
        raise RuntimeError("torch.ormqr: input must have at least 2 dimensions.")
    if input2._shape[-1] > input._shape[-1]:
        raise RuntimeError("torch.ormqr: tau.shape[-1] must be less than or equal to input.shape[-1]")
    need = input3._shape[-2] if left else input3._shape[-1]
    if input._shape[-2] != need:
        raise RuntimeError(f"torch.ormqr: other.shape[{-2 if left else -1}] must be equal to input.shape[-2]")
    return call(_ORMQR, [input, input2, input3], (bool(left), bool(transpose), np_dtype(input._dtype)))


# ---- eigen decompositions ---------------------------------------------------------------------------------------------

def _eigh_fn(st, a):
    lower, vectors, dt = st
    a = cast(a, dt)
    if _empty(a):
        w = jnp.zeros(a.shape[:-1], jnp.real(a).dtype)
        return (w, a) if vectors else w
    v, w = lax.linalg.eigh(a, lower=lower, symmetrize_input=False)
    return (w, v) if vectors else w


_EIGH = Kernel("linalg_eigh", _eigh_fn, "LinalgEighBackward0")


def _uplo(UPLO, fname):
    if UPLO not in ("L", "U", "l", "u"):
        raise RuntimeError(f"Expected UPLO argument to be 'L' or 'U', but got {UPLO}")
    return UPLO in ("L", "l")


@op("eigh", namespace=LINALG, method=False, out=True)
def linalg_eigh(A, UPLO="L"):
    check_square(A, "linalg.eigh")
    w, v = call(_EIGH, [A], (_uplo(UPLO, "linalg.eigh"), True, np_dtype(A._dtype)))
    return RT.linalg_eigh(w, v)


@op("eigvalsh", namespace=LINALG, method=False, out=True)
def linalg_eigvalsh(A, UPLO="L"):
    check_square(A, "linalg.eigvalsh")
    return call(_EIGH, [A], (_uplo(UPLO, "linalg.eigvalsh"), False, np_dtype(A._dtype)),
                name="LinalgEighBackward0")


@jax.custom_vjp
def _eig_vectors(a):
    w, v = jnp.linalg.eig(a)
    return w, v


def _eig_vectors_fwd(a):
    w, v = _eig_vectors(a)
    return (w, v), (a, w, v)


def _eig_vectors_bwd(res, cts):
    """torch's linalg_eig_backward (eigenvectors normalised to unit norm), in JAX's cotangent convention."""
    a, L, V = res
    gL, gV = jnp.conj(cts[0]), jnp.conj(cts[1])  # torch-convention gradients
    Vh = mH(V)
    VhgV = Vh @ gV
    diag_re = jnp.real(jnp.diagonal(VhgV, axis1=-2, axis2=-1))
    gA = VhgV - Vh @ (V * diag_re[..., None, :].astype(V.dtype))
    Lc = jnp.conj(L)
    E = Lc[..., None, :] - Lc[..., :, None]
    n = L.shape[-1]
    eye = jnp.eye(n, dtype=bool)
    gA = jnp.where(eye, 0, gA / jnp.where(eye, 1, E))
    gA = gA + jnp.eye(n, dtype=gA.dtype) * gL[..., None, :]
    gA = jnp.linalg.solve(Vh, gA @ Vh)
    if not jnp.iscomplexobj(a):
        return (jnp.real(gA).astype(a.dtype),)
    return (jnp.conj(gA).astype(a.dtype),)


_eig_vectors.defvjp(_eig_vectors_fwd, _eig_vectors_bwd)


def _eig_fn(st, a):
    vectors, cdt = st
    if _empty(a):
        w = jnp.zeros(a.shape[:-1], cdt)
        return (w, a.astype(cdt)) if vectors else w
    if vectors:
        w, v = _eig_vectors(a)
        return w.astype(cdt), v.astype(cdt)
    return jnp.linalg.eigvals(a).astype(cdt)


_EIG = Kernel("linalg_eig", _eig_fn, "LinalgEigBackward0")


@op("eig", namespace=LINALG, method=False, out=True)
def linalg_eig(A):
    check_square(A, "linalg.eig")
    cdt = A._dtype if A._dtype.is_complex else A._dtype.to_complex()
    w, v = call(_EIG, [A], (True, np_dtype(cdt)))
    return RT.linalg_eig(w, v)


@op("eigvals", namespace=LINALG, method=False, out=True)
def linalg_eigvals(A):
    check_square(A, "linalg.eigvals")
    cdt = A._dtype if A._dtype.is_complex else A._dtype.to_complex()
    return call(_EIG, [A], (False, np_dtype(cdt)))


# ---- SVD ---------------------------------------------------------------------------------------------------------------

def _svd_fn(st, a):
    full, uv, dt = st
    a = cast(a, dt)
    m, n = a.shape[-2:]
    k = min(m, n)
    rdt = jnp.real(a).dtype
    batch = a.shape[:-2]
    if _empty(a):
        s = jnp.zeros(batch + (k,), rdt)
        if not uv:
            return s
        us = (m, m) if full else (m, k)
        vs = (n, n) if full else (k, n)
        return (jnp.broadcast_to(jnp.eye(*us, dtype=dt), batch + us), s,
                jnp.broadcast_to(jnp.eye(*vs, dtype=dt), batch + vs))
    if not uv:
        return jnp.linalg.svd(a, compute_uv=False)
    u, s, vh = jnp.linalg.svd(a, full_matrices=False)
    if full and m != n:
        uf, _, vhf = jnp.linalg.svd(lax.stop_gradient(a), full_matrices=True)
        uf = lax.stop_gradient(uf)
        vhf = lax.stop_gradient(vhf)
        u = uf.at[..., :, :k].set(u) if m > k else u
        vh = vhf.at[..., :k, :].set(vh) if n > k else vh
    return u, s, vh


_SVD = Kernel("linalg_svd", _svd_fn, "LinalgSvdBackward0")


@op("svd", namespace=LINALG, method=False, out=True)
def linalg_svd(A, full_matrices=True, *, driver=None):
    check_matrix(A, "linalg.svd")
    if driver is not None:
        raise RuntimeError("torch.linalg.svd: keyword argument `driver=` is only supported on CUDA inputs with "
                           "cuSOLVER backend.")
    u, s, vh = call(_SVD, [A], (bool(full_matrices), True, np_dtype(A._dtype)))
    return RT.linalg_svd(u, s, vh)


@op("svdvals", namespace=LINALG, method=False, out=True)
def linalg_svdvals(A, *, driver=None):
    check_matrix(A, "linalg.svdvals")
    return call(_SVD, [A], (False, False, np_dtype(A._dtype)), name="LinalgSvdBackward0")


@op(out=True)
def svd(input, some=True, compute_uv=True):
    check_matrix(input, "svd")
    if not compute_uv:
        s = linalg_svdvals(input)
        from .creation import zeros
        m, n = input._shape[-2:]
        b = tuple(input._shape[:-2])
        return RT.svd(zeros(b + (m, m), dtype=input._dtype), s, zeros(b + (n, n), dtype=input._dtype))
    u, s, vh = linalg_svd(input, full_matrices=not some)
    return RT.svd(u, s, vh.mH)


@function()
def svd_lowrank(A, q=6, niter=2, M=None):
    m, n = A._shape[-2:]
    q = min(q, m, n)
    x = A if M is None else A - M
    u, s, vh = linalg_svd(x, full_matrices=False)
    return u[..., :q], s[..., :q], vh.mH[..., :q]


@function()
def pca_lowrank(A, q=None, center=True, niter=2):
    m, n = A._shape[-2:]
    if q is None:
        q = min(6, m, n)
    x = A - A.mean(-2, keepdim=True) if center else A
    return svd_lowrank(x, q, niter)


# ---- LU -----------------------------------------------------------------------------------------------------------------

def _lu_factor_fn(st, a):
    dt, = st
    a = cast(a, dt)
    m, n = a.shape[-2:]
    k = min(m, n)
    if _empty(a):
        return a, jnp.ones(a.shape[:-2] + (k,), jnp.int32), jnp.zeros(a.shape[:-2], jnp.int32)
    lu, piv, _ = lax.linalg.lu(a)
    diag = jnp.diagonal(lu, axis1=-2, axis2=-1)
    zero = diag == 0
    info = jnp.where(jnp.any(zero, axis=-1), jnp.argmax(zero, axis=-1) + 1, 0).astype(jnp.int32)
    return lu, (piv + 1).astype(jnp.int32), info


_LU_FACTOR = Kernel("linalg_lu_factor", _lu_factor_fn, "LinalgLuFactorExBackward0", diff_out=(0,))


def _lu_factor(A, pivot, fname):
    check_matrix(A, fname)
    if not pivot:
        raise RuntimeError(f"{fname}: LU without pivoting is not implemented on the CPU")
    return call(_LU_FACTOR, [A], (np_dtype(A._dtype),))


def _lu_msg(i):
    return f"The factorization could not be completed because the input is not invertible. U[{i},{i}] is zero."


@op("lu_factor", namespace=LINALG, method=False, out=True)
def linalg_lu_factor(A, *, pivot=True):
    lu, piv, info = _lu_factor(A, pivot, "torch.linalg.lu_factor")
    return RT.linalg_lu_factor(lu, piv)


@op("lu_factor_ex", namespace=LINALG, method=False, out=True)
def linalg_lu_factor_ex(A, *, pivot=True, check_errors=False):
    lu, piv, info = _lu_factor(A, pivot, "torch.linalg.lu_factor_ex")
    if check_errors:
        raise_info(info, "torch.linalg.lu_factor_ex", _lu_msg)
    return RT.linalg_lu_factor_ex(lu, piv, info)


def _pivots_to_perm(piv, m):
    """LAPACK 1-based row swaps -> permutation matrix P with A = P L U."""
    k = piv.shape[-1]
    perm = jnp.broadcast_to(jnp.arange(m), piv.shape[:-1] + (m,))

    def body(i, perm):
        j = piv[..., i] - 1
        pi = perm[..., i]
        pj = jnp.take_along_axis(perm, j[..., None], axis=-1)[..., 0]
        perm = perm.at[..., i].set(pj)
        return jnp.where(jnp.arange(m) == j[..., None], pi[..., None], perm)

    perm = lax.fori_loop(0, k, body, perm) if k else perm
    # rows of A are perm applied to rows of LU: A[perm[i]] = (LU)[i] -> P[:, i] = e_perm[i]
    eye = jnp.eye(m)
    return jnp.swapaxes(eye[perm], -1, -2)


def _lu_unpack_fn(st, lu, piv):
    unpack_data, unpack_pivots, dt = st
    lu = cast(lu, dt)
    m, n = lu.shape[-2:]
    k = min(m, n)
    if unpack_data:
        L = jnp.tril(lu[..., :, :k], -1) + jnp.eye(m, k, dtype=dt)
        U = jnp.triu(lu[..., :k, :])
    else:
        L = jnp.zeros((0,), dt)
        U = jnp.zeros((0,), dt)
    if unpack_pivots:
        P = _pivots_to_perm(piv.astype(jnp.int32), m).astype(dt) if m else jnp.zeros(lu.shape[:-2] + (0, 0), dt)
    else:
        P = jnp.zeros((0,), dt)
    return P, L, U


_LU_UNPACK = Kernel("lu_unpack", _lu_unpack_fn, "LuUnpackBackward0", diff_out=(1, 2))


@function()
def lu_unpack(LU_data, LU_pivots, unpack_data=True, unpack_pivots=True, *, out=None):
    check_tensor(LU_data, "lu_unpack", "LU_data")
    if LU_pivots._dtype is not D.int32:
        raise RuntimeError("torch.lu_unpack: LU_pivots is expected to be a contiguous tensor of torch.int32 dtype.")
    P, L, U = call(_LU_UNPACK, [LU_data, LU_pivots], (bool(unpack_data), bool(unpack_pivots),
                                                       np_dtype(LU_data._dtype)))
    r = RT.lu_unpack(P, L, U)
    if out is not None:
        from .registry import copy_out
        return copy_out(out, r, "lu_unpack")
    return r


@op("lu", namespace=LINALG, method=False, out=True)
def linalg_lu(A, *, pivot=True):
    lu, piv, _ = _lu_factor(A, pivot, "linalg.lu")
    P, L, U = lu_unpack(lu, piv)
    return RT.linalg_lu(P, L, U)


@function()
def lu(A, pivot=True, get_infos=False, out=None):
    lu_, piv, info = _lu_factor(A, pivot, "lu")
    if get_infos:
        return lu_, piv, info
    return lu_, piv


Tensor.lu = lambda self, pivot=True, get_infos=False: lu(self, pivot, get_infos)  # noqa: E731

_ = jax
