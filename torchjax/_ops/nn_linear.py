"""F.linear and F.bilinear."""
import jax.numpy as jnp
from jax import lax

from .._tensor import Tensor
from ._common import cast, np_dtype, result_type
from .kernel import Kernel, call
from .registry import function

F = "torch.nn.functional"


def _linear(dt, b, x, w):
    x, w = cast(x, dt), cast(w, dt)
    y = lax.dot_general(x, w, (((x.ndim - 1,), (1,)), ((), ())))
    if b is not None:
        y = y + cast(b, dt)
    return y


_LINEAR = Kernel("linear", _linear, "AddmmBackward0")


@function(namespace=F)
def linear(input, weight, bias=None):
    for n, v, pos in (("input", input, 1), ("weight", weight, 2)):
        if not isinstance(v, Tensor):
            raise TypeError(f"linear(): argument '{n}' (position {pos}) must be Tensor, not {type(v).__name__}")
    if weight.ndim not in (1, 2) and weight.ndim != 0:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {weight.ndim}D")
    if weight.ndim == 1:
        out = input.matmul(weight)
        return out + bias if bias is not None else out
    k = input.shape[-1] if input.ndim else 1
    if input.ndim == 0 or k != weight.shape[1]:
        rows = input.numel() // k if k else 0
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({rows}x{k} and {weight.shape[1]}x"
                           f"{weight.shape[0]})")
    if input.dtype is not weight.dtype:
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: {_cn(input.dtype)} != "
                           f"{_cn(weight.dtype)}")
    out_shape = tuple(input.shape[:-1]) + (weight.shape[0],)
    if bias is not None:
        from ._common import broadcast_shapes2
        try:
            if tuple(broadcast_shapes2(tuple(bias.shape), out_shape)) != out_shape:
                raise RuntimeError
        except RuntimeError:
            raise RuntimeError(f"The expanded size of the tensor ({out_shape[-1]}) must match the existing size "
                               f"({bias.shape[-1] if bias.ndim else 1}) at non-singleton dimension "
                               f"{len(out_shape) - 1}.  Target sizes: {list(out_shape)}.  Tensor sizes: "
                               f"{list(bias.shape)}") from None
    if input.ndim == 2:
        name = "AddmmBackward0" if bias is not None else "MmBackward0"
    elif input.ndim == 1:
        name = "ViewBackward0" if bias is not None else "SqueezeBackward4"
    else:
        name = "ViewBackward0" if bias is not None else "UnsafeViewBackward0"
    # torch computes addmm(bias, input, weight.t()): next_functions start with bias, then input. (torch's third
    # edge goes through a TBackward0 node; passing weight.t() here would change XLA's summation order.)
    return call(_LINEAR, [bias, input, weight], np_dtype(input.dtype), name=name)


def _cn(d):
    return str(d).replace("torch.", "").replace("float32", "float").replace("float64", "double").replace(
        "int64", "long").replace("int32", "int").replace("float16", "c10::Half").replace("bfloat16", "c10::BFloat16")


def _bilinear(dt, x1, x2, w, b):
    x1, x2, w = cast(x1, dt), cast(x2, dt), cast(w, dt)
    y = jnp.einsum("...i,oij,...j->...o", x1, w, x2)
    if b is not None:
        y = y + cast(b, dt)
    return y


_BILINEAR = Kernel("bilinear", _bilinear, "ViewBackward0")


@function(namespace=F)
def bilinear(input1, input2, weight, bias=None):
    if input1.ndim != input2.ndim:
        raise RuntimeError(f"bilinear(): input dimensions do not match: got {input1.ndim} and {input2.ndim}")
    for i in range(input1.ndim - 1):
        if input1.shape[i] != input2.shape[i]:
            raise RuntimeError(f"bilinear(): input batch dimensions do not match: got {input1.shape[i]} and "
                               f"{input2.shape[i]}")
    if input1.shape[-1] != weight.shape[1]:
        raise RuntimeError(f"bilinear(): input1 size does not match weight size: got {input1.shape[-1]} but "
                           f"expected {weight.shape[1]}")
    if input2.shape[-1] != weight.shape[2]:
        raise RuntimeError(f"bilinear(): input2 size does not match weight size: got {input2.shape[-1]} but "
                           f"expected {weight.shape[2]}")
    if bias is not None and bias.shape[-1] != weight.shape[0]:
        raise RuntimeError(f"bilinear(): bias size does not match weight size: got {bias.shape[-1]} but expected "
                           f"{weight.shape[0]}")
    dt = result_type(input1, input2, weight)
    return call(_BILINEAR, [input1, input2, weight, bias], np_dtype(dt),
                name="ViewBackward0" if input1.ndim != 2 or bias is None else "AddBackward0")


function("bilinear")(bilinear)
