"""torch.utils.dlpack: zero-copy exchange with other array libraries (NumPy, JAX, PyTorch, CuPy) via DLPack."""
__all__ = ["from_dlpack", "to_dlpack"]


class _Capsule:
    """A legacy DLPack capsule (`to_dlpack`'s result) presented as a `__dlpack__` producer (CPU memory)."""

    def __init__(self, capsule):
        self.capsule = capsule

    def __dlpack__(self, stream=None, **kwargs):
        return self.capsule

    def __dlpack_device__(self):
        return (1, 0)  # kDLCPU


def from_dlpack(ext_tensor):
    """A tensor sharing memory with `ext_tensor`: any object with `__dlpack__`/`__dlpack_device__` (a numpy array,
    a jax.Array, a PyTorch tensor) or a legacy DLPack capsule holding CPU memory."""
    import jax
    from .._device import from_jax_device
    from .._tensor import Tensor, wrap
    if isinstance(ext_tensor, Tensor):
        return ext_tensor
    if isinstance(ext_tensor, jax.Array):
        arr = ext_tensor
    else:
        src = ext_tensor if hasattr(ext_tensor, "__dlpack__") else _Capsule(ext_tensor)
        arr = jax.dlpack.from_dlpack(src)
    return wrap(arr, from_jax_device(next(iter(arr.devices()))))


def to_dlpack(tensor):
    """A DLPack capsule over the tensor's memory (prefer passing the tensor itself: it has `__dlpack__`)."""
    return tensor.__dlpack__()
