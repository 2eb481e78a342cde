"""replicate(module, devices): one shallow copy of the module tree per device, whose parameters are differentiable
copies of the originals on that device (their gradients sum back into the originals) and whose buffers are copies
(on the original's own device: the buffers themselves, so in-place updates such as BatchNorm's running statistics
land in the original module, as in torch)."""
from collections import OrderedDict

from ._functions import Broadcast
from . import comm

__all__ = ["replicate"]


def _broadcast_coalesced_reshape(tensors, devices, detach=False):
    if len(tensors) == 0:
        return []
    if detach:
        return comm.broadcast_coalesced(tensors, devices)
    copies = Broadcast.apply(devices, *tensors)
    return [list(copies[i:i + len(tensors)]) for i in range(0, len(copies), len(tensors))]


def replicate(network, devices, detach=False):
    from ...cuda import _get_device_index
    if not devices:
        return []
    devices = [_get_device_index(x, True) for x in devices]
    num_replicas = len(devices)
    params = list(network.parameters())
    param_indices = {id(p): i for i, p in enumerate(params)}
    param_copies = _broadcast_coalesced_reshape(params, devices, detach)
    buffers = list(network.buffers())
    buffers_rg = [b for b in buffers if b.requires_grad and not detach]
    buffers_not_rg = [b for b in buffers if not (b.requires_grad and not detach)]
    idx_rg = {id(b): i for i, b in enumerate(buffers_rg)}
    idx_not_rg = {id(b): i for i, b in enumerate(buffers_not_rg)}
    copies_rg = _broadcast_coalesced_reshape(buffers_rg, devices, detach=detach)
    copies_not_rg = _broadcast_coalesced_reshape(buffers_not_rg, devices, detach=True)

    modules = list(network.modules())
    module_copies = [[] for _ in devices]
    module_indices = {}
    for i, module in enumerate(modules):
        module_indices[id(module)] = i
        for j in range(num_replicas):
            replica = module._replicate_for_data_parallel()
            replica._former_parameters = OrderedDict()
            module_copies[j].append(replica)

    for i, module in enumerate(modules):
        for key, child in module._modules.items():
            for j in range(num_replicas):
                replica = module_copies[j][i]
                if child is None:
                    replica._modules[key] = None
                else:
                    setattr(replica, key, module_copies[j][module_indices[id(child)]])
        for key, param in module._parameters.items():
            for j in range(num_replicas):
                replica = module_copies[j][i]
                if param is None:
                    replica._parameters[key] = None
                else:
                    copy = param_copies[j][param_indices[id(param)]]
                    object.__setattr__(replica, key, copy)
                    replica._former_parameters[key] = copy
        for key, buf in module._buffers.items():
            for j in range(num_replicas):
                replica = module_copies[j][i]
                if buf is None:
                    replica._buffers[key] = None
                elif buf.requires_grad and not detach:
                    replica._buffers[key] = copies_rg[j][idx_rg[id(buf)]]
                else:
                    replica._buffers[key] = copies_not_rg[j][idx_not_rg[id(buf)]]
    return [module_copies[j][0] for j in range(num_replicas)]
