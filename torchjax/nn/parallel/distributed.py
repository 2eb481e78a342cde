"""nn.parallel.DistributedDataParallel on torchjax.distributed.

At construction the module's parameters and buffers are broadcast from rank 0. Each forward (with gradients on)
arms a post-accumulate-grad hook on every parameter; when the last expected parameter has its gradient, all
gradients are averaged across the process group in one flattened all-reduce per (device, dtype), written back in
place, before `backward()` returns, as torch's reducer does. `find_unused_parameters=True` finds the parameters the
output depends on by walking the autograd graph; parameters no rank used keep their gradient (None stays None).
Buffers are broadcast from rank 0 before each forward (`broadcast_buffers=True`). `no_sync()` skips the reduction so
gradients accumulate locally.
"""
import contextlib
from collections import defaultdict

from ..._tensor import Tensor
from ...autograd import grad_mode
from ..modules.module import Module

__all__ = ["DistributedDataParallel"]

_UNFINISHED = (
    "Expected to have finished reduction in the prior iteration before starting a new one. This error indicates that "
    "your module has parameters that were not used in producing loss. You can enable unused parameter detection by "
    "passing the keyword argument `find_unused_parameters=True` to `torch.nn.parallel.DistributedDataParallel`, and "
    "by \nmaking sure all `forward` function outputs participate in calculating loss. \nIf you already have done the "
    "above, then the distributed data parallel module wasn't able to locate the output tensors in the return value of "
    "your module's `forward` function. Please include the loss function and the structure of the return value of "
    "`forward` of your module when reporting this issue (e.g. list, dict, iterable).")


def _dist():
    from ... import distributed
    return distributed


def _flat_tensors(obj, out):
    if isinstance(obj, Tensor):
        out.append(obj)
    elif isinstance(obj, (list, tuple)):
        for o in obj:
            _flat_tensors(o, out)
    elif isinstance(obj, dict):
        for o in obj.values():
            _flat_tensors(o, out)
    return out


def _used_params(outputs):
    """ids of the leaf tensors whose AccumulateGrad nodes the outputs' graphs reach."""
    seen, used = set(), set()
    stack = [t._grad_fn for t in _flat_tensors(outputs, []) if t._grad_fn is not None]
    for t in _flat_tensors(outputs, []):
        if t._grad_fn is None and t.requires_grad:
            used.add(id(t))
    while stack:
        n = stack.pop()
        if id(n) in seen:
            continue
        seen.add(id(n))
        var = getattr(n, "variable", None)
        if var is not None:
            used.add(id(var))
        for e in getattr(n, "_next", ()) or ():
            if e is not None and e[0] is not None:
                stack.append(e[0])
    return used


class DistributedDataParallel(Module):
    """Data parallelism across processes: gradients are averaged over the process group after each backward."""

    def __init__(self, module, device_ids=None, output_device=None, dim=0, broadcast_buffers=True, init_sync=True,
                 process_group=None, bucket_cap_mb=None, find_unused_parameters=False, check_reduction=False,
                 gradient_as_bucket_view=False, static_graph=False, delay_all_reduce_named_params=None,
                 param_to_hook_all_reduce=None, mixed_precision=None, device_mesh=None,
                 skip_all_reduce_unused_params=False):
        super().__init__()
        dist = _dist()
        if device_mesh is not None:
            raise NotImplementedError("torchjax: DistributedDataParallel(device_mesh=...) is not supported")
        if mixed_precision is not None:
            raise NotImplementedError("torchjax: DistributedDataParallel(mixed_precision=...) is not supported")
        self.process_group = dist.distributed_c10d._group(process_group)
        if not any(p.requires_grad for p in module.parameters()):
            raise RuntimeError("DistributedDataParallel is not needed when a module doesn't have any parameter that "
                               "requires a gradient.")
        devices = {p.device for p in module.parameters()}
        if device_ids is not None and len(devices) == 1 and next(iter(devices)).type == "cpu":
            raise ValueError(f"DistributedDataParallel device_ids and output_device arguments only work with "
                             f"single-device/multiple-device GPU modules or CPU modules, but got device_ids "
                             f"{device_ids}, output_device {output_device}, and module parameters {devices}.")
        if device_ids is not None and len(device_ids) > 1:
            raise ValueError("device_ids can only be None or contain a single element.")
        self.is_multi_device_module = len(devices) > 1
        if device_ids is None or len(devices) > 1 or next(iter(devices)).type == "cpu":
            self.device_ids = None
            self.output_device = None
        else:
            from ...cuda import _get_device_index
            self.device_ids = [_get_device_index(x, True) for x in device_ids]
            self.output_device = self.device_ids[0] if output_device is None else _get_device_index(output_device,
                                                                                                    True)
        self.module = module
        self.device = next(iter(devices))
        self.dim = dim
        self.broadcast_buffers = broadcast_buffers
        self.find_unused_parameters = find_unused_parameters
        self.require_backward_grad_sync = True
        self.require_forward_param_sync = True
        self.gradient_as_bucket_view = gradient_as_bucket_view
        self.static_graph = static_graph
        self.bucket_bytes_cap = int((bucket_cap_mb or 25) * 1024 * 1024)
        self._params = []
        seen = set()
        for p in module.parameters():
            if p.requires_grad and id(p) not in seen:
                seen.add(id(p))
                self._params.append(p)
        self._expected = None  # ids of the parameters the armed backward will reduce
        self._ready = set()
        self._hooks = [p.register_post_accumulate_grad_hook(self._on_grad) for p in self._params]
        if init_sync:
            self._sync_module_states()

    # ---- states ----------------------------------------------------------------------------------------------
    def _world(self):
        return self.process_group.size()

    def _sync_module_states(self):
        tensors = [p.detach() for p in self.module.parameters()] + [b for b in self.module.buffers()]
        self._broadcast_coalesced(tensors)

    def _broadcast_coalesced(self, tensors):
        if self._world() == 1 or not tensors:
            return
        dist = _dist()
        root = dist.get_global_rank(self.process_group, 0) if self.process_group is not dist.group.WORLD else 0
        with grad_mode.no_grad():
            for group in self._groups(tensors).values():
                flat = _flatten(group)
                dist.broadcast(flat, src=root, group=self.process_group)
                _unflatten_into(flat, group)

    @staticmethod
    def _groups(tensors):
        groups = defaultdict(list)
        for t in tensors:
            groups[(t.device, t.dtype)].append(t)
        return groups

    # ---- forward ---------------------------------------------------------------------------------------------
    def forward(self, *inputs, **kwargs):
        if grad_mode.state.enabled and self.require_backward_grad_sync and self._expected is not None and \
                0 < len(self._ready) < len(self._expected) and not self.find_unused_parameters:
            raise RuntimeError(_UNFINISHED)
        if self.broadcast_buffers and self._world() > 1:
            bufs = list(self.module.buffers())
            if bufs:
                self._broadcast_coalesced(bufs)
        out = self.module(*inputs, **kwargs)
        if grad_mode.state.enabled and self.require_backward_grad_sync:
            if self.find_unused_parameters:
                used = _used_params(out)
                self._expected = {id(p) for p in self._params if id(p) in used}
                self._locally_used = set(self._expected)
                if not self._expected:  # nothing to wait for: reduce now so every rank joins the collective
                    self._expected = None
                    self._reduce()
            else:
                self._expected = {id(p) for p in self._params}
                self._locally_used = None
            self._ready = set()
        else:
            self._expected = None
        return out

    def _on_grad(self, p):
        if self._expected is None or id(p) not in self._expected:
            return
        self._ready.add(id(p))
        if len(self._ready) == len(self._expected):
            self._expected = None
            self._ready = set()
            self._reduce()

    def _reduce(self):
        """Average every parameter's gradient across the group (in place), one all-reduce per (device, dtype)."""
        world = self._world()
        if world == 1:
            return
        dist = _dist()
        from ..._ops.creation import zeros, tensor as _tensor
        used_local = self._locally_used
        with grad_mode.no_grad():
            if used_local is not None:
                flags = _tensor([1.0 if id(p) in used_local else 0.0 for p in self._params], device=self.device)
                dist.all_reduce(flags, group=self.process_group)
                used_any = [v > 0 for v in flags.tolist()]
            else:
                used_any = [True] * len(self._params)
            params = [p for p, u in zip(self._params, used_any) if u]
            grads = []
            for p in params:
                if p.grad is None:
                    p.grad = zeros(p.shape, dtype=p.dtype, device=p.device)
                grads.append(p.grad)
            for group in self._groups(grads).values():
                flat = _flatten(group)
                dist.all_reduce(flat, group=self.process_group)
                flat = flat / world
                _unflatten_into(flat, group)

    @contextlib.contextmanager
    def no_sync(self):
        """Gradients accumulate locally inside this context; the next synchronized backward averages them."""
        old = self.require_backward_grad_sync
        self.require_backward_grad_sync = False
        try:
            yield
        finally:
            self.require_backward_grad_sync = old

    def register_comm_hook(self, state, hook):
        raise NotImplementedError("torchjax: DistributedDataParallel.register_comm_hook is not supported")

    def join(self, *args, **kwargs):
        raise NotImplementedError("torchjax: DistributedDataParallel.join (uneven inputs) is not supported")

    def _get_ddp_logging_data(self):
        return {"world_size": self._world(), "backend_name": self.process_group._backend}


def _flatten(tensors):
    from ..._ops.shape_views import cat
    return cat([t.detach().reshape(-1) for t in tensors])


def _unflatten_into(flat, tensors):
    from ...distributed.distributed_c10d import _assign
    off = 0
    for t in tensors:
        n = t.numel()
        _assign(t, flat[off:off + n].reshape(t.shape)._jax())
        off += n
