"""torch.autograd.Function: user-defined forward/backward, recorded as one node named '<Class>Backward'."""
import functools

from . import grad_mode
from .graph import Node, _FREED

_state = grad_mode.state


class FunctionCtx:
    __slots__ = ()

    def save_for_backward(self, *tensors):
        self._to_save = tensors

    def save_for_forward(self, *tensors):
        self._to_save_fwd = tensors

    def mark_dirty(self, *args):
        self._dirty = args

    def mark_non_differentiable(self, *args):
        self._non_diff = args

    def set_materialize_grads(self, value):
        self._materialize = bool(value)


class BackwardCFunction(Node, FunctionCtx):
    """The node recorded by Function.apply; it is also the `ctx` the user's methods receive."""
    __slots__ = ("__dict__",)
    _forward_cls = None

    def __init__(self):
        super().__init__(())
        self._to_save = ()
        self._saved = None
        self._dirty = ()
        self._non_diff = ()
        self._materialize = True
        self._freed = False
        self.needs_input_grad = ()

    def name(self):
        return type(self).__name__

    @property
    def saved_tensors(self):
        if self._freed:
            raise RuntimeError(_FREED)
        if self._saved is None:
            return tuple(self._to_save)
        out = []
        for entry in self._saved:
            if entry is None:
                out.append(None)
                continue
            t, version = entry
            if t._vc[0] != version:
                raise RuntimeError(
                    f"one of the variables needed for gradient computation has been modified by an inplace "
                    f"operation: [{t.type()} {list(t.shape)}], which is output 0 of {self.name()}, is at version "
                    f"{t._vc[0]}; expected version {version} instead. Hint: enable anomaly detection to find the "
                    f"operation that failed to compute its gradient, with torch.autograd.set_detect_anomaly(True).")
            out.append(t)
        return tuple(out)

    saved_variables = saved_tensors

    def _release(self):
        if self._saved:
            self._freed = True
            self._saved = None

    def _apply(self, grads):
        from .._ops.creation import zeros
        cls = self._forward_cls
        if self._materialize:
            grads = [zeros(shape, dtype=dt, device=dev) if g is None else g
                     for g, (shape, dt, dev) in zip(grads, self._out_meta)]
        res = cls.backward(self, *grads)
        if not isinstance(res, tuple):
            res = (res,)
        n = len(self._next)
        if len(res) != n:
            if len(res) > n and all(r is None for r in res[n:]):
                res = res[:n]
            else:
                raise RuntimeError(f"function {self.name()} returned an incorrect number of gradients (expected {n}, "
                                   f"got {len(res)})")
        out = []
        for i, (g, e) in enumerate(zip(res, self._next)):
            if e is None or g is None:
                out.append(None)
                continue
            shape = self._in_shapes[i]
            if tuple(g.shape) != tuple(shape):
                try:
                    g = g.sum_to_size(shape)
                except RuntimeError:
                    raise RuntimeError(f"Function {self.name()} returned an invalid gradient at index {i} - got "
                                       f"{list(g.shape)} but expected shape compatible with {list(shape)}") from None
            dt = self._in_dtypes[i]
            if g.dtype is not dt and dt is not None:
                g = g.to(dt)  # torch's engine casts a gradient to its input's dtype (validate_outputs)
            out.append(g)
        return out


class FunctionMeta(type):
    def __init__(cls, name, bases, attrs):
        backward_cls = type(name + "Backward", (BackwardCFunction,), {"_forward_cls": cls})
        cls._backward_cls = backward_cls
        super().__init__(name, bases, attrs)


class Function(metaclass=FunctionMeta):
    generate_vmap_rule = False

    def __init__(self, *args, **kwargs):
        import warnings
        warnings.warn(f"{type(self)} should not be instantiated. Methods on autograd functions are all static, so "
                      "you should invoke them on the class itself. Instantiating an autograd function will raise an "
                      "error in a future version of PyTorch.", DeprecationWarning, stacklevel=2)

    @staticmethod
    def forward(*args, **kwargs):
        raise NotImplementedError("You must implement the forward function for custom autograd.Function.")

    @staticmethod
    def setup_context(ctx, inputs, output):
        raise NotImplementedError("setup_context is not implemented.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("You must implement either the backward or vjp method for your custom "
                                  "autograd.Function to use it with backward mode AD.")

    vjp = backward

    @staticmethod
    def jvp(ctx, *grad_inputs):
        raise NotImplementedError("You must implement the jvp function for custom autograd.Function to use it with "
                                  "forward mode AD.")

    @classmethod
    def apply(cls, *args, **kwargs):
        from .._tensor import Tensor
        ctx = cls._backward_cls()
        is_tensor = [isinstance(a, Tensor) for a in args]
        ctx.needs_input_grad = tuple(t and a.requires_grad for t, a in zip(is_tensor, args))
        new_style = cls.setup_context is not Function.setup_context
        prev = _state.enabled
        _state.enabled = False
        try:
            if new_style:
                out = cls.forward(*args, **kwargs)
            else:
                out = cls.forward(ctx, *args, **kwargs)
        finally:
            _state.enabled = prev
        if new_style:
            cls.setup_context(ctx, args, out)
        record = prev and any(ctx.needs_input_grad)
        single = not isinstance(out, tuple)
        outs = (out,) if single else out
        if record:
            ctx._next = tuple(a._edge() if need else None for a, need in zip(args, ctx.needs_input_grad))
            ctx._in_shapes = tuple(tuple(a.shape) if t else None for t, a in zip(is_tensor, args))
            ctx._in_dtypes = tuple(a.dtype if t else None for t, a in zip(is_tensor, args))
            outs = _wrap_outputs(ctx, args, outs)
        ctx._n_out = len(outs)
        ctx._out_meta = tuple((tuple(o.shape), o.dtype, o.device) if isinstance(o, Tensor) else ((), None, None)
                              for o in outs)
        if record:
            ctx._saved = [None if t is None else (t, t._vc[0]) for t in ctx._to_save]
        else:
            ctx._saved = None
        return outs[0] if single else tuple(outs)


def _wrap_outputs(ctx, args, outs):
    from .._tensor import Tensor
    dirty = {id(t) for t in ctx._dirty}
    non_diff = {id(t) for t in ctx._non_diff}
    input_ids = {id(a) for a in args if isinstance(a, Tensor)}
    result = []
    for i, o in enumerate(outs):
        if not isinstance(o, Tensor):
            result.append(o)
            continue
        if id(o) in non_diff:
            result.append(o)
            continue
        if id(o) in input_ids and id(o) not in dirty:
            o = o.detach()  # torch returns a fresh alias of an input that was returned unchanged
        if not (o.dtype.is_floating_point or o.dtype.is_complex):
            result.append(o)
            continue
        if id(o) in dirty:
            o._check_inplace()
        o._grad_fn = ctx
        o._output_nr = i
        o._requires_grad = False
        result.append(o)
    return result


def once_differentiable(fn):
    @functools.wraps(fn)
    def wrapper(ctx, *args):
        with grad_mode.no_grad():
            return fn(ctx, *args)
    return wrapper


class InplaceFunction(Function):
    pass


class NestedIOFunction(Function):
    pass
