"""torch.autograd: backward(), grad(), Function, grad modes, anomaly detection."""
from . import engine, function, functional, grad_mode, graph  # noqa: F401
from .function import Function  # noqa: F401
from .grad_mode import (enable_grad, inference_mode, is_grad_enabled, is_inference_mode_enabled,  # noqa: F401
                        no_grad, set_grad_enabled)


def _tensors(x):
    from .._tensor import Tensor
    if x is None:
        return None
    if isinstance(x, Tensor):
        return (x,)
    return tuple(x)


def _make_grads(outputs, grads, is_grads_batched=False):
    from .._tensor import Tensor
    from .._ops.creation import ones_like
    result = []
    for i, (out, g) in enumerate(zip(outputs, grads)):
        if g is None:
            if out.requires_grad:
                if out.numel() != 1:
                    raise RuntimeError("grad can be implicitly created only for scalar outputs")
                if not out.dtype.is_floating_point:
                    raise RuntimeError(f"grad can be implicitly created only for real scalar outputs but got "
                                       f"{out.dtype}")
                g = ones_like(out)
            result.append(g)
            continue
        if not isinstance(g, Tensor):
            from .._ops.creation import tensor
            g = tensor(g, dtype=out.dtype)
        if tuple(g.shape) != tuple(out.shape):
            raise RuntimeError(f"Mismatch in shape: grad_output[{i}] has a shape of {g.shape} and output[{i}] has a "
                               f"shape of {out.shape}.")
        if g.dtype.is_complex != out.dtype.is_complex:
            raise RuntimeError(f"For complex Tensors, both grad_output and output are required to have the same "
                               f"dtype. Mismatch in dtype: grad_output[{i}] has a dtype of {g.dtype} and output[{i}] "
                               f"has a dtype of {out.dtype}.")
        result.append(g)
    return result


def _root_edges(outputs):
    edges = []
    for i, o in enumerate(outputs):
        e = o._edge()
        if e is None:
            raise RuntimeError(f"element {i} of tensors does not require grad and does not have a grad_fn")
        edges.append(e)
    return edges


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, grad_variables=None, inputs=None):
    tensors = _tensors(tensors)
    if grad_tensors is None:
        grad_tensors = grad_variables
    grads = _tensors(grad_tensors) if grad_tensors is not None else (None,) * len(tensors)
    if len(grads) != len(tensors):
        raise RuntimeError(f"grad can be implicitly created only for scalar outputs")
    if retain_graph is None:
        retain_graph = create_graph
    grads = _make_grads(tensors, grads)
    edges = _root_edges(tensors)
    leaf_filter = None
    if inputs is not None:
        inputs = _tensors(inputs)
        if len(inputs) == 0:
            raise RuntimeError("'inputs' argument to backward() cannot be empty.")
        leaf_filter = set()
        capture = {}
        for t in inputs:
            e = t._edge()
            if e is None:
                raise RuntimeError("One of the differentiated Tensors does not require grad")
            leaf_filter.add(e[0])
        engine.execute(edges, grads, retain_graph, create_graph, leaf_filter=leaf_filter)
        return
    engine.execute(edges, grads, retain_graph, create_graph)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False, only_inputs=True,
         allow_unused=None, is_grads_batched=False, materialize_grads=False):
    from .._ops.creation import zeros_like
    if is_grads_batched:
        raise NotImplementedError("torchjax: autograd.grad(is_grads_batched=True) is not supported")
    single_input = not isinstance(inputs, (tuple, list))
    outputs = _tensors(outputs)
    inputs = _tensors(inputs)
    if allow_unused is None:
        allow_unused = materialize_grads
    grads = _tensors(grad_outputs) if grad_outputs is not None else (None,) * len(outputs)
    if retain_graph is None:
        retain_graph = create_graph
    grads = _make_grads(outputs, grads)
    edges = _root_edges(outputs)
    capture = {}
    for i, t in enumerate(inputs):
        if not t.requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
        capture[t._edge()] = capture.get(t._edge(), i)
    slots = sorted(set(capture.values()))
    remap = {s: j for j, s in enumerate(slots)}
    capture = {k: remap[v] for k, v in capture.items()}
    got = engine.execute(edges, grads, retain_graph, create_graph, capture=capture, accumulate=False)
    result = []
    for i, t in enumerate(inputs):
        g = got[capture[t._edge()]]
        if g is None:
            if materialize_grads:
                g = zeros_like(t)
            elif not allow_unused:
                raise RuntimeError("One of the differentiated Tensors appears to not have been used in the graph. "
                                   "Set allow_unused=True if this is the desired behavior.")
        result.append(g)
    return tuple(result)


class detect_anomaly:
    def __init__(self, check_nan=True):
        self.check_nan = check_nan

    def __enter__(self):
        self.prev = engine.anomaly.enabled
        engine.anomaly.enabled = True

    def __exit__(self, *exc):
        engine.anomaly.enabled = self.prev


class set_detect_anomaly:
    def __init__(self, mode, check_nan=True):
        self.prev = engine.anomaly.enabled
        engine.anomaly.enabled = bool(mode)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        engine.anomaly.enabled = self.prev


def is_anomaly_enabled():
    return engine.anomaly.enabled


def Variable(data, requires_grad=False, volatile=False):  # noqa: N802 - torch's legacy name
    t = data.detach()
    t.requires_grad_(requires_grad)
    return t
