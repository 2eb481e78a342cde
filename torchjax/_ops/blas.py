"""Matrix products: matmul (torch's dim rules), mm, bmm, mv, dot, vdot, outer, addmm, addmv, addbmm, baddbmm,
addr, inner, einsum, tensordot, kron."""
import jax.numpy as jnp
from jax import lax

from .. import _dtype as D
from .._tensor import Tensor
from ._common import broadcast_shapes, cast, check_tensor, np_dtype, result_type
from .kernel import Kernel, call
from .registry import function, op

_HIGHEST = lax.Precision.HIGHEST


class _Precision:
    """torch.backends.cuda.matmul.allow_tf32 / torch.set_float32_matmul_precision map onto XLA's precision."""
    value = _HIGHEST


precision = _Precision()


def _mm(a, b):
    return jnp.matmul(a, b, precision=precision.value)


def _same_dtype(a, b):
    if a._dtype is not b._dtype:
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: {_cname(a._dtype)} != "
                           f"{_cname(b._dtype)}")


def _cname(d):
    return {"float32": "float", "float64": "double", "float16": "c10::Half", "bfloat16": "c10::BFloat16",
            "int64": "long int", "int32": "int", "complex64": "c10::complex<float>",
            "complex128": "c10::complex<double>"}.get(d.name, d.name)


_MATMUL = Kernel("matmul", lambda _, a, b: _mm(a, b), "MmBackward0")


@op(out=True)
def mm(input, mat2):
    check_tensor(input, "mm")
    check_tensor(mat2, "mm", "mat2", 2)
    if input.ndim != 2:
        raise RuntimeError("self must be a matrix")
    if mat2.ndim != 2:
        raise RuntimeError("mat2 must be a matrix")
    if input._shape[1] != mat2._shape[0]:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({input._shape[0]}x{input._shape[1]} and "
                           f"{mat2._shape[0]}x{mat2._shape[1]})")
    _same_dtype(input, mat2)
    return call(_MATMUL, [input, mat2], None, name="MmBackward0")


@op(out=True)
def bmm(input, mat2):
    if input.ndim != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    if mat2.ndim != 3:
        raise RuntimeError("batch2 must be a 3D tensor")
    if input._shape[0] != mat2._shape[0]:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: [{input._shape[0]}, "
                           f"{input._shape[2]}] but got: [{mat2._shape[0]}, {mat2._shape[1]}].")
    if input._shape[2] != mat2._shape[1]:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: [{input._shape[0]}, "
                           f"{input._shape[2]}] but got: [{mat2._shape[0]}, {mat2._shape[1]}].")
    _same_dtype(input, mat2)
    return call(_MATMUL, [input, mat2], None, name="BmmBackward0")


@op(out=True)
def mv(input, vec):
    if input.ndim != 2 or vec.ndim != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got {input.ndim}, {vec.ndim}, 1")
    if input._shape[1] != vec._shape[0]:
        raise RuntimeError(f"size mismatch, got input ({input._shape[0]}), mat ({input._shape[0]}x{input._shape[1]}), "
                           f"vec ({vec._shape[0]})")
    _same_dtype(input, vec)
    return call(_MATMUL, [input, vec], None, name="MvBackward0")


@op(out=True)
def dot(input, tensor):
    if input.ndim != 1 or tensor.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {input.ndim}D and {tensor.ndim}D tensors")
    if input._dtype is not tensor._dtype:
        raise RuntimeError(f"dot : expected both vectors to have same dtype, but found {D._scalar_name(input._dtype)} "
                           f"and {D._scalar_name(tensor._dtype)}")
    if input._shape[0] != tensor._shape[0]:
        raise RuntimeError(f"inconsistent tensor size, expected tensor [{input._shape[0]}] and src "
                           f"[{tensor._shape[0]}] to have the same number of elements, but got {input._shape[0]} and "
                           f"{tensor._shape[0]} elements respectively")
    return call(_MATMUL, [input, tensor], None, name="DotBackward0")


_VDOT = Kernel("vdot", lambda _, a, b: jnp.vdot(a, b), "VdotBackward0")


@op(out=True)
def vdot(input, other):
    if input.ndim != 1 or other.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {input.ndim}D and {other.ndim}D tensors")
    if input._dtype is not other._dtype:
        raise RuntimeError(f"dot : expected both vectors to have same dtype, but found {D._scalar_name(input._dtype)} "
                           f"and {D._scalar_name(other._dtype)}")
    if input._shape[0] != other._shape[0]:
        raise RuntimeError(f"inconsistent tensor size, expected tensor [{input._shape[0]}] and src "
                           f"[{other._shape[0]}] to have the same number of elements, but got {input._shape[0]} and "
                           f"{other._shape[0]} elements respectively")
    return call(_VDOT, [input, other], None)


@op(out=True)
def matmul(input, other):
    check_tensor(input, "matmul")
    check_tensor(other, "matmul", "other", 2)
    na, nb = input.ndim, other.ndim
    if na == 0 or nb == 0:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are {na}D and {nb}D")
    if na == 1 and nb == 1:
        return dot(input, other)
    if na == 2 and nb == 1:
        return mv(input, other)
    if na == 1 and nb == 2:
        if input._shape[0] != other._shape[0]:
            raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied (1x{input._shape[0]} and "
                               f"{other._shape[0]}x{other._shape[1]})")
        _same_dtype(input, other)
        return call(_MATMUL, [input, other], None, name="SqueezeBackward4")
    if na == 2 and nb == 2:
        return mm(input, other)
    ka = input._shape[-1]
    kb = other._shape[-2] if nb >= 2 else other._shape[0]
    if ka != kb:
        a_rows = input._shape[-2] if na >= 2 else 1
        import math
        lead = math.prod(input._shape[:-1]) if nb <= 2 else a_rows
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({lead}x{ka} and "
                           f"{kb}x{other._shape[-1] if nb >= 2 else 1})" if nb >= 2 else
                           f"size mismatch, got input ({lead}), mat ({lead}x{ka}), vec ({kb})")
    if na > 2 and nb > 2 or (na >= 2 and nb >= 2):
        broadcast_shapes(input._shape[:-2], other._shape[:-2])
    _same_dtype(input, other)
    name = "CloneBackward0" if na == 2 and nb > 2 else "UnsafeViewBackward0"
    return call(_MATMUL, [input, other], None, name=name)


Tensor.__matmul__ = lambda self, other: matmul(self, other) if isinstance(other, Tensor) else NotImplemented
Tensor.__rmatmul__ = lambda self, other: matmul(other, self) if isinstance(other, Tensor) else NotImplemented

def _scaled_sum(prod, x, beta, alpha, mode, dt):
    """alpha * prod + beta * x; `mode` (static) says whether beta is 1, 0 (x ignored, even NaN) or a scalar."""
    if alpha is not None:
        prod = prod * cast(alpha, dt)
    if mode == "one":
        return prod + cast(x, dt)
    if mode == "zero":
        return prod + jnp.zeros_like(cast(x, dt))
    return prod + cast(beta, dt) * cast(x, dt)


_ADDMM = Kernel("addmm", lambda st, x, a, b, beta, alpha: _scaled_sum(_mm(a, b), x, beta, alpha, st[1], st[0]),
                "AddmmBackward0")


def _beta(beta):
    return ("one" if beta == 1 else "zero" if beta == 0 else "scale"), (None if beta in (0, 1) else beta)


def _scal(v):
    return None if v == 1 else v


@op(inplace=True, out=True)
def addmm(input, mat1, mat2, *, beta=1, alpha=1):
    if mat1.ndim != 2 or mat2.ndim != 2:
        raise RuntimeError(f"mat1 must be a matrix, got {mat1.ndim}-D tensor" if mat1.ndim != 2 else
                           f"mat2 must be a matrix, got {mat2.ndim}-D tensor")
    if mat1._shape[1] != mat2._shape[0]:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({mat1._shape[0]}x{mat1._shape[1]} and "
                           f"{mat2._shape[0]}x{mat2._shape[1]})")
    _same_dtype(mat1, mat2)
    broadcast_shapes(input._shape, (mat1._shape[0], mat2._shape[1]))
    mode, beta = _beta(beta)
    return call(_ADDMM, [input, mat1, mat2, beta, _scal(alpha)], (np_dtype(mat1._dtype), mode))


@op(inplace=True, out=True)
def addmv(input, mat, vec, *, beta=1, alpha=1):
    if mat._shape[1] != vec._shape[0]:
        raise RuntimeError(f"size mismatch, got input ({input._shape[0] if input.ndim else 1}), mat "
                           f"({mat._shape[0]}x{mat._shape[1]}), vec ({vec._shape[0]})")
    mode, beta = _beta(beta)
    return call(_ADDMM, [input, mat, vec, beta, _scal(alpha)], (np_dtype(mat._dtype), mode), name="AddmvBackward0")


@op(inplace=True, out=True)
def baddbmm(input, batch1, batch2, *, beta=1, alpha=1):
    if batch1.ndim != 3 or batch2.ndim != 3:
        raise RuntimeError("batch1 must be a 3D tensor" if batch1.ndim != 3 else "batch2 must be a 3D tensor")
    mode, beta = _beta(beta)
    return call(_ADDMM, [input, batch1, batch2, beta, _scal(alpha)], (np_dtype(batch1._dtype), mode),
                name="BaddbmmBackward0")


_ADDBMM = Kernel("addbmm", lambda st, x, a, b, beta, alpha: _scaled_sum(
    jnp.einsum("bij,bjk->ik", a, b, precision=precision.value), x, beta, alpha, st[1], st[0]), "AddbmmBackward0")


@op(inplace=True, out=True)
def addbmm(input, batch1, batch2, *, beta=1, alpha=1):
    if isinstance(input, Tensor) and batch1.ndim == 3 and batch2.ndim == 3:
        input.expand((batch1.shape[1], batch2.shape[2]))  # torch's broadcast check and message
    mode, beta = _beta(beta)
    return call(_ADDBMM, [input, batch1, batch2, beta, _scal(alpha)], (np_dtype(batch1._dtype), mode))


def _addbmm_(self, batch1, batch2, *, beta=1, alpha=1):
    """torch's addbmm_ writes the [n, p] result into self, resizing a self that only broadcasts to it."""
    r = addbmm(self, batch1, batch2, beta=beta, alpha=alpha)
    if tuple(self.shape) != tuple(r.shape):
        self.resize_(tuple(r.shape))
    return self._assign(r)


Tensor.addbmm_ = _addbmm_


_OUTER = Kernel("outer", lambda dt, a, b: cast(a, dt)[:, None] * cast(b, dt)[None, :], "MulBackward0")


@op(out=True, aliases=("ger",))
def outer(input, vec2):
    if input.ndim != 1 or vec2.ndim != 1:
        raise RuntimeError(f"outer: Expected 1-D argument self, but got {input.ndim}-D" if input.ndim != 1 else
                           f"outer: Expected 1-D argument vec2, but got {vec2.ndim}-D")
    return call(_OUTER, [input, vec2], np_dtype(result_type(input, vec2)))


_ADDR = Kernel("addr", lambda st, x, a, b, beta, alpha: _scaled_sum(
    cast(a, st[0])[:, None] * cast(b, st[0])[None, :], x, beta, alpha, st[1], st[0]), "AddrBackward0")


@op(inplace=True, out=True)
def addr(input, vec1, vec2, *, beta=1, alpha=1):
    mode, beta = _beta(beta)
    return call(_ADDR, [input, vec1, vec2, beta, _scal(alpha)], (np_dtype(result_type(input, vec1, vec2)), mode))


_INNER = Kernel("inner", lambda _, a, b: jnp.inner(a, b), "InnerBackward0")


@op(out=True)
def inner(input, other):
    if input.ndim and other.ndim and input._shape[-1] != other._shape[-1]:
        raise RuntimeError(f"inner() the last dimension must match on both input tensors but got shapes "
                           f"{list(input._shape)} and {list(other._shape)}")
    if not input.ndim or not other.ndim:
        from .pointwise import mul
        return mul(input, other)
    return call(_INNER, [input, other], None)


_EINSUM = Kernel("einsum", lambda eq, *xs: jnp.einsum(eq, *xs, precision=precision.value), "ViewBackward0")


@function()
def einsum(equation, *operands):
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    if not isinstance(equation, str):
        # sublist format: einsum(op1, sublist1, op2, sublist2, ..., [sublist_out])
        args = (equation,) + tuple(operands)
        ops = list(args[0::2])
        subs = list(args[1::2])
        letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
        to_s = lambda sl: "".join("..." if s is Ellipsis else letters[s] for s in sl)  # noqa: E731
        out = None
        if len(ops) > len(subs):
            out = ops.pop()
        equation = ",".join(to_s(s) for s in subs) + ("->" + to_s(out) if out is not None else "")
        operands = tuple(ops)
    dt = operands[0]._dtype
    for o in operands[1:]:
        if o._dtype is not dt:
            raise RuntimeError(f"einsum(): expected all operands to have the same dtype")
    return call(_EINSUM, list(operands), equation.replace(" ", ""))


_TENSORDOT = Kernel("tensordot", lambda dims, a, b: jnp.tensordot(a, b, dims, precision=precision.value),
                    "TensordotBackward0")


@function()
def tensordot(a, b, dims=2, out=None):
    if isinstance(dims, Tensor):
        dims = dims.tolist()
    if isinstance(dims, int):
        if dims < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        d = dims
        da, db = tuple(range(a.ndim - dims, a.ndim)), tuple(range(dims))
    else:
        d = tuple(tuple(x) if isinstance(x, (list, tuple)) else (x,) for x in dims)
        da, db = d
        if len(da) != len(db):
            raise RuntimeError("both dimension lists should have same length")
    # torch broadcasts a contracted dimension of size 1 against the other operand's size
    sa, sb = list(a._shape), list(b._shape)
    for i, j in zip(da, db):
        if sa[i] != sb[j]:
            if sa[i] == 1:
                sa[i] = sb[j]
            elif sb[j] == 1:
                sb[j] = sa[i]
            else:
                raise RuntimeError(f"contracted dimensions need to match, but first has size {a._shape[i]} in dim "
                                   f"{i} and second has size {b._shape[j]} in dim {j}")
    if sa != list(a._shape):
        a = a.expand(sa)
    if sb != list(b._shape):
        b = b.expand(sb)
    return call(_TENSORDOT, [a, b], d)


_KRON = Kernel("kron", lambda _, a, b: jnp.kron(a, b), "KronBackward0")


@op(out=True)
def kron(input, other):
    return call(_KRON, [input, other], None)
