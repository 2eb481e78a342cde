"""nn.Parameter, nn.Buffer and the uninitialized (lazy) variants."""
from .._tensor import Tensor
from .. import _dtype as D

__all__ = ["Parameter", "UninitializedParameter", "is_lazy", "Buffer", "UninitializedBuffer",
           "UninitializedTensorMixin"]


def _alias(cls, data, requires_grad):
    """A `cls` tensor aliasing data's storage (and version counter), detached from its history: torch's
    Tensor._make_subclass."""
    t = cls._from_parts(data._storage, data._view, data._shape, data._dtype, data._strides, data._offset)
    t._vc = data._vc
    if requires_grad:
        t.requires_grad_(True)
    return t


class _ParameterMeta(type):
    def __instancecheck__(self, instance):
        if self is Parameter and isinstance(instance, Tensor) and getattr(instance, "_is_param", False):
            return True
        return super().__instancecheck__(instance)


class Parameter(Tensor, metaclass=_ParameterMeta):
    def __new__(cls, data=None, requires_grad=True):
        if data is None:
            from .._ops.creation import empty
            data = empty(0)
        if not isinstance(data, Tensor):
            raise TypeError(f"Parameter(): argument 'data' must be Tensor, not {type(data).__name__}")
        if type(data) is Tensor or type(data) is Parameter or isinstance(data, Parameter):
            return _alias(cls, data, requires_grad)
        t = data.detach().requires_grad_(requires_grad)
        t._is_param = True
        return t

    def __init__(self, *args, **kwargs):
        pass

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        result = type(self)(self.data.clone(), self.requires_grad)
        for k, v in self.__dict__.items():
            if k not in _TENSOR_ATTRS:
                import copy
                setattr(result, k, copy.deepcopy(v, memo))
        memo[id(self)] = result
        return result

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()

    def __reduce_ex__(self, proto):
        return (_rebuild_parameter, (self.data, self.requires_grad, type(self)))


def _rebuild_parameter(data, requires_grad, cls=Parameter):
    return cls(data, requires_grad)


_TENSOR_ATTRS = {"_storage", "_view", "_shape", "_dtype", "_strides", "_offset", "_cache", "_cache_gen",
                 "_requires_grad", "_grad_fn", "_output_nr", "_grad", "_retains_grad", "_base", "_view_vc", "_hooks",
                 "_post_acc_hooks", "_acc_node", "_vc"}


class UninitializedTensorMixin:
    _allowed = frozenset({"size", "copy_", "is_complex", "is_floating_point", "half", "float", "double", "char",
                          "short", "int", "long", "cuda", "cpu", "to", "get_device", "requires_grad_",
                          "materialize", "data", "dtype", "device", "requires_grad", "grad", "is_leaf", "grad_fn",
                          "detach", "_edge"})

    def materialize(self, shape, device=None, dtype=None):
        from .._ops.creation import empty
        if device is None:
            device = self.data.device
        if dtype is None:
            dtype = self.data.dtype
        self.data = empty(shape, device=device, dtype=dtype)
        self.__class__ = self.cls_to_become

    @property
    def shape(self):
        raise RuntimeError("Can't access the shape of an uninitialized parameter or buffer. This error usually happens "
                           "in `load_state_dict` when trying to load an uninitialized parameter into an initialized "
                           "one. Call `forward` to initialize the parameters before accessing their attributes.")

    def share_memory_(self):
        raise RuntimeError("Can't share memory on an uninitialized parameter or buffer. Call `forward` to initialize "
                           "the parameters before calling `module.share_memory()`.")

    def __repr__(self):
        return f"<{self.__class__.__name__}>"

    def __reduce_ex__(self, proto):
        return (self.__class__, (self.requires_grad,))

    def _uninit_error(self, name):
        raise ValueError(f"Attempted to use an uninitialized parameter in {name}. This error happens when you are "
                         f"using a `LazyModule` or explicitly manipulating `torch.nn.parameter.{type(self).__name__}` "
                         f"objects. When using LazyModules Call `forward` with a dummy batch to initialize the "
                         f"parameters before calling torch functions")

    def _value(self):
        self._uninit_error("an operation")

    def numel(self):
        self._uninit_error("<method 'numel' of 'torch._C.TensorBase' objects>")

    def dim(self):
        self._uninit_error("<method 'dim' of 'torch._C.TensorBase' objects>")


def is_lazy(param):
    return isinstance(param, UninitializedTensorMixin)


def _empty0(device, dtype):
    from .._ops.creation import empty
    return empty(0, device=device, dtype=dtype)


class UninitializedParameter(UninitializedTensorMixin, Parameter):
    cls_to_become = Parameter

    def __new__(cls, requires_grad=True, device=None, dtype=None):
        return _alias(cls, _empty0(device, dtype), requires_grad)

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        result = type(self)(self.requires_grad, self.data.device, self.data.dtype)
        memo[id(self)] = result
        return result


class _BufferMeta(type):
    def __instancecheck__(self, instance):
        if self is Buffer and isinstance(instance, Tensor) and getattr(instance, "_is_buffer", False):
            return True
        return super().__instancecheck__(instance)


class Buffer(Tensor, metaclass=_BufferMeta):
    def __new__(cls, data=None, *, persistent=True):
        if data is None:
            from .._ops.creation import empty
            data = empty(0)
        t = data.detach().requires_grad_(data.requires_grad)
        t.persistent = persistent
        t._is_buffer = True
        return t


class UninitializedBuffer(UninitializedTensorMixin, Tensor):
    cls_to_become = Tensor

    def __new__(cls, requires_grad=False, device=None, dtype=None, persistent=True):
        ret = _alias(cls, _empty0(device, dtype), requires_grad)
        ret.persistent = persistent
        ret._is_buffer = True
        return ret

    def __init__(self, *args, **kwargs):
        pass
