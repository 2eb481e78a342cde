"""Autograd graph nodes: torch's model (grad_fn, next_functions, AccumulateGrad, hooks) over cached JAX kernels."""
import itertools
import weakref

_seq = itertools.count()


class RemovableHandle:
    _ids = itertools.count()

    def __init__(self, container):
        self._container = weakref.ref(container) if _weakrefable(container) else (lambda c=container: c)
        self.id = next(RemovableHandle._ids)

    def remove(self):
        c = self._container()
        if c is not None and self.id in c:
            del c[self.id]

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


def _weakrefable(x):
    try:
        weakref.ref(x)
        return True
    except TypeError:
        return False


class HookDict(dict):
    pass


class Node:
    """A backward function. Subclasses implement `_apply(grads) -> grads per next edge`."""
    __slots__ = ("_next", "_seq", "_pre_hooks", "_hooks", "_tensor_hooks", "_retained", "metadata", "__weakref__",
                 "_n_out")

    def __init__(self, next_edges, n_out=1):
        self._next = next_edges  # tuple of (node, output_nr) or None, one per input of the forward op
        self._seq = next(_seq)
        self._pre_hooks = None
        self._hooks = None
        self._tensor_hooks = None  # {output_nr: HookDict} hooks registered on the non-leaf outputs
        self._retained = None  # {output_nr: weakref to a tensor that called retain_grad()}
        self.metadata = {}
        self._n_out = n_out

    def name(self):
        return type(self).__name__

    @property
    def next_functions(self):
        return tuple((None, 0) if e is None else e for e in self._next)

    def register_hook(self, fn):
        if self._hooks is None:
            self._hooks = HookDict()
        h = RemovableHandle(self._hooks)
        self._hooks[h.id] = fn
        return h

    def register_prehook(self, fn):
        if self._pre_hooks is None:
            self._pre_hooks = HookDict()
        h = RemovableHandle(self._pre_hooks)
        self._pre_hooks[h.id] = fn
        return h

    def _register_tensor_hook(self, output_nr, fn):
        if self._tensor_hooks is None:
            self._tensor_hooks = {}
        d = self._tensor_hooks.setdefault(output_nr, HookDict())
        h = RemovableHandle(d)
        d[h.id] = fn
        return h

    def _release(self):
        pass

    def __call__(self, *grads):
        from . import grad_mode
        out = self._apply(list(grads))
        return tuple(out) if len(out) != 1 else out[0]

    def __repr__(self):
        return f"<{type(self).__name__} object at {hex(id(self))}>"

    def _input_metadata(self):
        return ()


class AccumulateGrad(Node):
    __slots__ = ("variable",)

    def __init__(self, variable):
        super().__init__(())
        self.variable = variable

    def name(self):
        return "torch::autograd::AccumulateGrad"

    def _apply(self, grads):
        from .engine import accumulate_into_leaf
        accumulate_into_leaf(self.variable, grads[0])
        return []


def accumulate_node(t):
    """The AccumulateGrad node of a leaf (kept weakly by the tensor, strongly by the graph)."""
    ref = t._acc_node
    node = ref() if ref is not None else None
    if node is None:
        node = AccumulateGrad(t)
        t._acc_node = weakref.ref(node)
    return node


class SavedTensor:
    """A value saved for backward: the immutable array, plus the tensor and its version for torch's checks."""
    __slots__ = ("value", "tensor", "version", "check")

    def __init__(self, tensor, value, check):
        self.tensor = tensor
        self.value = value
        self.version = tensor._vc[0]
        self.check = check

    def unpack(self, node):
        if self.check and self.tensor._vc[0] != self.version:
            t = self.tensor
            shape = list(t.shape)
            where = (f"which is output {t._output_nr} of {t._grad_fn.name()}, " if t._grad_fn is not None else "")
            raise RuntimeError(
                f"one of the variables needed for gradient computation has been modified by an inplace operation: "
                f"[{t.type()} {shape}], {where}is at version {t._vc[0]}; expected version {self.version} instead. "
                f"Hint: enable anomaly detection to find the operation that failed to compute its gradient, with "
                f"torch.autograd.set_detect_anomaly(True).")
        return self.tensor


_FREED = ("Trying to backward through the graph a second time (or directly access saved tensors after they have "
          "already been freed). Saved intermediate values of the graph are freed when you call .backward() or "
          "autograd.grad(). Specify retain_graph=True if you need to backward through the graph a second time or if "
          "you need to access saved tensors after calling backward.")


class FnNode(Node):
    """The node of a kernel call: backward is the kernel's cached, jitted VJP."""
    __slots__ = ("kernel", "static", "saved", "mask", "meta", "out_meta", "diff_out", "freed")

    def __init__(self, kernel, static, next_edges, saved, mask, meta, out_meta, diff_out):
        super().__init__(next_edges, len(out_meta))
        self.kernel = kernel
        self.static = static
        self.saved = saved  # per forward arg: SavedTensor, a python scalar/None, or None for unsaved diff args
        self.mask = mask  # per forward arg: does it need a gradient
        self.meta = meta  # per forward arg: (shape, np dtype) of tensors (zeros stand in for unsaved inputs)
        self.out_meta = out_meta  # per differentiable output: (shape, np dtype)
        self.diff_out = diff_out  # which forward outputs are differentiable
        self.freed = False

    def name(self):
        n = type(self).__name__
        return "torch::autograd::" + n if n == "CopySlices" else n

    def _release(self):
        if any(isinstance(s, SavedTensor) for s in self.saved):
            self.freed = True
            self.saved = None

    def _apply(self, grads):
        from .._ops.kernel import call_backward
        if self.freed:
            raise RuntimeError(_FREED)
        return call_backward(self, grads)

    def __getattr__(self, item):
        # torch exposes saved values as _saved_<name>; we expose them positionally
        if item.startswith("_saved_") and not item.startswith("_saved_self"):
            raise AttributeError(item)
        if item == "_saved_self":
            s = self.saved[0] if self.saved else None
            return s.tensor if isinstance(s, SavedTensor) else s
        raise AttributeError(f"'{self.name()}' object has no attribute '{item}'")


_NODE_CLASSES = {}


def node_class(name):
    """FnNode subclasses named as torch's nodes (`type(t.grad_fn).__name__ == 'AddBackward0'`)."""
    cls = _NODE_CLASSES.get(name)
    if cls is None:
        cls = _NODE_CLASSES[name] = type(name, (FnNode,), {"__slots__": ()})
    return cls
