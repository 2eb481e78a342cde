"""parameters_to_vector and vector_to_parameters."""
from ..._ops.shape_views import cat
from ..._tensor import Tensor

__all__ = ["parameters_to_vector", "vector_to_parameters"]


def parameters_to_vector(parameters):
    device = None
    vec = []
    for param in parameters:
        device = _check_param_device(param, device)
        vec.append(param.view(-1))
    return cat(vec)


def vector_to_parameters(vec, parameters):
    if not isinstance(vec, Tensor):
        from ..._misc import typename
        raise TypeError(f"expected torch.Tensor, but got: {typename(vec)}")
    device = None
    pointer = 0
    for param in parameters:
        device = _check_param_device(param, device)
        n = param.numel()
        param.data = vec[pointer:pointer + n].view_as(param).data
        pointer += n


def _check_param_device(param, old):
    if old is None:
        return param.get_device() if param.device.type == "cuda" else -1
    warn = param.get_device() != old if param.device.type == "cuda" else old != -1
    if warn:
        raise TypeError("Found two parameters on different devices, this is currently not supported.")
    return old
