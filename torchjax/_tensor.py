"""Tensor: a mutable handle over a Storage (one cell holding an immutable jax.Array) plus a view description.

Ops compute new values functionally; an in-place op rebinds the storage (through the view chain when the tensor
is a view) and bumps the version counter, so every view sees the change as in torch. Methods come from the op
registry (torchjax/_ops); this file holds what every tensor has: metadata, value access, autograd metadata,
conversions to Python and numpy.
"""
import copy as _copy
import math

import jax
import jax.numpy as jnp
import numpy as np

from . import _dtype as D
from ._device import CPU, canonical, device as _device_cls
from ._size import Size
from ._storage import Storage, private_copy
from ._ops import _views
from .autograd import grad_mode
from .autograd.graph import RemovableHandle, HookDict, accumulate_node, FnNode

_grad_state = grad_mode.state
_Tracer = jax.core.Tracer
_default_device = [CPU]


def get_default_device():
    return _default_device[0]


def set_default_device(d):
    _default_device[0] = CPU if d is None else canonical(d)


_TYPE_NAMES = {"float32": "FloatTensor", "float64": "DoubleTensor", "float16": "HalfTensor",
               "bfloat16": "BFloat16Tensor", "uint8": "ByteTensor", "int8": "CharTensor", "int16": "ShortTensor",
               "int32": "IntTensor", "int64": "LongTensor", "bool": "BoolTensor", "complex64": "ComplexFloatTensor",
               "complex128": "ComplexDoubleTensor", "complex32": "ComplexHalfTensor"}


class DataDependentError(RuntimeError):
    """Python needed a tensor's value (item(), bool(), tolist(), ...) inside a compiled function."""


class Tensor:
    # Defaults live on the class so creating a tensor only sets what differs.
    _view = None  # tuple of view steps from the storage's root array, or None
    _strides = None  # None: contiguous
    _offset = 0
    _cache = None
    _cache_gen = -1
    _requires_grad = False
    _grad_fn = None
    _output_nr = 0
    _grad = None
    _retains_grad = False
    _base = None  # the tensor this is a view of (torch's ._base)
    _view_vc = 0  # version when a view's grad_fn was last derived from its base
    _hooks = None
    _post_acc_hooks = None
    _acc_node = None
    __array_priority__ = 1000
    is_sparse = False
    is_quantized = False
    is_meta = False
    is_nested = False
    is_mkldnn = False

    def __new__(cls, *args, **kwargs):
        from ._ops.creation import _legacy_new
        return _legacy_new(cls, D.get_default_dtype(), *args, **kwargs)

    # ---- construction -------------------------------------------------------------------------------------
    @classmethod
    def _from_parts(cls, storage, view, shape, dtype, strides=None, offset=0):
        t = object.__new__(cls)
        t._storage = storage
        if view is not None:
            t._view = view
        t._shape = shape
        t._dtype = dtype
        if strides is not None:
            t._strides = strides
        if offset:
            t._offset = offset
        t._vc = [0]
        return t

    # ---- value access -------------------------------------------------------------------------------------
    def _value(self):
        st = self._storage
        v = self._view
        if v is None:
            return st.value()
        if self._cache_gen == st.gen and st._host is None:
            return self._cache
        val = _views.reader(v)(st.value())
        if st._host is None:
            self._cache = val
            self._cache_gen = st.gen
        else:
            val.block_until_ready()  # the shared numpy buffer may be written as soon as we return
        return val

    def _jax(self):
        v = self._value()
        return private_copy(v) if isinstance(v, np.ndarray) else v

    def _host_values(self):
        return np.asarray(self._value())

    def _write(self, new):
        """Overwrite this tensor's elements with `new` (a jax array of its shape and dtype)."""
        st = self._storage
        v = self._view
        if v is None:
            st.set(new)
        else:
            if self._has_overlap():
                _views._overlap()
            st.set(_views.writer(v)(st.value(), new))
        self._vc[0] += 1

    def _set_value(self, array):
        """Replace this tensor's storage by a new one holding `array` (resize semantics: other views detach)."""
        self._storage = Storage(array, self._storage.device)
        self._view = None
        self._shape = Size(array.shape)
        self._strides = None
        self._offset = 0
        self._base = None
        self._cache_gen = -1
        self._vc[0] += 1

    def resize_(self, *sizes, memory_format=None):
        from ._ops._common import as_int_tuple
        shape = as_int_tuple(sizes, "resize_")
        if tuple(shape) == tuple(self._shape):
            return self
        n = math.prod(shape)
        flat = jnp.ravel(self._jax())[:n]
        if flat.shape[0] < n:
            flat = jnp.concatenate([flat, jnp.zeros(n - flat.shape[0], flat.dtype)])
        self._set_value(flat.reshape(shape))
        return self

    def resize_as_(self, other, memory_format=None):
        return self.resize_(other.shape)

    def set_(self, source=None, storage_offset=0, size=None, stride=None):
        if source is None:
            self._set_value(jnp.zeros((0,), self._dtype.np))
            return self
        if not isinstance(source, Tensor):
            raise NotImplementedError("torchjax: Tensor.set_ from a storage object is not supported")
        self._storage, self._view, self._shape = source._storage, source._view, source._shape
        self._strides, self._offset, self._dtype = source._strides, source._offset, source._dtype
        self._cache_gen = -1
        if size is not None:
            return self.set_(source.as_strided(size, stride or _views.contiguous_strides(size), storage_offset))
        return self

    def is_same_size(self, other):
        return self._shape == other._shape

    def _has_overlap(self):
        return self._strides is not None and any(s == 0 and n > 1 for n, s in zip(self._shape, self._strides))

    # ---- metadata -----------------------------------------------------------------------------------------
    @property
    def shape(self):
        return self._shape

    def size(self, dim=None):
        if dim is None:
            return self._shape
        return self._shape[_wrap_dim(dim, len(self._shape))]

    @property
    def dtype(self):
        return self._dtype

    @property
    def device(self):
        return self._storage.device

    @property
    def is_cuda(self):
        return self._storage.device.type == "cuda"

    @property
    def is_cpu(self):
        return self._storage.device.type == "cpu"

    @property
    def layout(self):
        from . import strided
        return strided

    @property
    def ndim(self):
        return len(self._shape)

    def dim(self):
        return len(self._shape)

    ndimension = dim

    def numel(self):
        return math.prod(self._shape)

    nelement = numel

    def element_size(self):
        return self._dtype.itemsize

    @property
    def itemsize(self):
        return self._dtype.itemsize

    @property
    def nbytes(self):
        return self.numel() * self._dtype.itemsize

    def stride(self, dim=None):
        s = self._strides if self._strides is not None else _views.contiguous_strides(self._shape)
        return s if dim is None else s[_wrap_dim(dim, len(self._shape))]

    def storage_offset(self):
        return self._offset

    def is_contiguous(self, memory_format=None):
        if self._strides is None:
            return True
        return _views.is_contiguous(self._shape, self._strides)

    def data_ptr(self):
        return self._storage.data_ptr() + self._offset * self._dtype.itemsize

    def untyped_storage(self):
        from .storage import UntypedStorage
        return UntypedStorage._from_storage(self._storage, self._dtype)

    def is_floating_point(self):
        return self._dtype.is_floating_point

    def is_complex(self):
        return self._dtype.is_complex

    def is_signed(self):
        return self._dtype.is_signed

    def get_device(self):
        d = self._storage.device
        return -1 if d.type == "cpu" else d.index

    @property
    def _version(self):
        return self._vc[0]

    def is_shared(self):
        return False

    def is_pinned(self):
        return False

    def pin_memory(self):
        return self

    def share_memory_(self):
        return self

    def type(self, dtype=None, non_blocking=False, **kwargs):
        if dtype is None:
            name = _TYPE_NAMES.get(self._dtype.name, "Tensor")
            return ("torch.cuda." if self.is_cuda else "torch.") + name
        if isinstance(dtype, str):
            name = dtype.rsplit(".", 1)[-1]
            inv = {v: k for k, v in _TYPE_NAMES.items()}
            if name not in inv:
                raise ValueError(f"invalid type: '{dtype}'")
            dtype = D.BY_NAME[inv[name]]
        elif isinstance(dtype, type) and hasattr(dtype, "_legacy_dtype"):
            dtype = dtype._legacy_dtype
        return self.to(dtype)

    # ---- autograd metadata --------------------------------------------------------------------------------
    @property
    def requires_grad(self):
        if self._requires_grad or self._grad_fn is not None:
            return True
        b = self._base
        return b is not None and b.requires_grad

    @requires_grad.setter
    def requires_grad(self, flag):
        self.requires_grad_(flag)

    def requires_grad_(self, requires_grad=True):
        requires_grad = bool(requires_grad)
        if self._grad_fn is not None:
            if not requires_grad:
                raise RuntimeError("you can only change requires_grad flags of leaf variables. If you want to use a "
                                   "computed variable in a subgraph that doesn't require differentiation use "
                                   "var_no_grad = var.detach().")
            return self
        if requires_grad and not (self._dtype.is_floating_point or self._dtype.is_complex):
            raise RuntimeError("only Tensors of floating point and complex dtype can require gradients")
        self._requires_grad = requires_grad
        return self

    @property
    def is_leaf(self):
        return self.grad_fn is None

    @property
    def grad_fn(self):
        if self._base is not None and self._view_vc != self._vc[0]:
            self._regen_view_grad_fn()
        return self._grad_fn

    @property
    def output_nr(self):
        return self._output_nr

    def _regen_view_grad_fn(self):
        """After an in-place change to a view or its base, the view's history is a view of the base's new one."""
        base = self._base
        self._view_vc = self._vc[0]
        if base.requires_grad:
            from ._ops.shape_views import chain_view_node
            chain_view_node(self, base)

    def _edge(self):
        fn = self.grad_fn
        if fn is not None:
            return (fn, self._output_nr)
        if self._requires_grad:
            return (accumulate_node(self), 0)
        return None

    @property
    def grad(self):
        if self._grad_fn is not None and not self._retains_grad and _grad_state.enabled:
            import warnings
            warnings.warn("The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad "
                          "attribute won't be populated during autograd.backward(). If you indeed want the .grad "
                          "field to be populated for a non-leaf Tensor, use .retain_grad() on the non-leaf Tensor. "
                          "If you access the non-leaf Tensor by mistake, make sure you access the leaf Tensor "
                          "instead. See github.com/pytorch/pytorch/pull/30531 for more informations. (Triggered "
                          "internally at /pytorch/build/aten/src/ATen/core/TensorBody.h:497.)", UserWarning,
                          stacklevel=2)
        return self._grad

    @grad.setter
    def grad(self, g):
        if g is not None:
            if not isinstance(g, Tensor):
                raise TypeError(f"assigned grad expected to be a Tensor or None but got grad of type "
                                f"{type(g).__name__}")
            if g._dtype is not self._dtype:
                raise RuntimeError("assigned grad has data of a different type")
            if g._shape != self._shape:
                raise RuntimeError("assigned grad has data of a different size")
            if g.device != self.device:
                raise RuntimeError("assigned grad has data located on a different device")
        self._grad = g

    @grad.deleter
    def grad(self):
        self._grad = None

    @property
    def retains_grad(self):
        return self._retains_grad

    def retain_grad(self):
        if not self.requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        fn = self.grad_fn
        if fn is None or self._retains_grad:
            return
        import weakref
        if fn._retained is None:
            fn._retained = {}
        fn._retained[self._output_nr] = weakref.ref(self)
        self._retains_grad = True

    def register_hook(self, hook):
        if not self.requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        fn = self.grad_fn
        if fn is not None:
            return fn._register_tensor_hook(self._output_nr, hook)
        if self._hooks is None:
            self._hooks = HookDict()
        h = RemovableHandle(self._hooks)
        self._hooks[h.id] = hook
        return h

    def register_post_accumulate_grad_hook(self, hook):
        if self.grad_fn is not None:
            raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf tensors")
        if self._post_acc_hooks is None:
            self._post_acc_hooks = HookDict()
        h = RemovableHandle(self._post_acc_hooks)
        self._post_acc_hooks[h.id] = hook
        return h

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        from .autograd import backward
        backward(self, gradient, retain_graph, create_graph, inputs=inputs)

    def detach(self):
        t = Tensor._from_parts(self._storage, self._view, self._shape, self._dtype, self._strides, self._offset)
        t._vc = self._vc
        return t

    def detach_(self):
        if self._base is not None:
            raise RuntimeError("Can't detach views in-place. Use detach() instead. If you are using DistributedData"
                               "Parallel (DDP) for training, and gradient_as_bucket_view is set as True, gradients "
                               "are views of DDP buckets, and hence detach_() cannot be called on these gradients. "
                               "To fix this error, please refer to the Optimizer.zero_grad() function in "
                               "torch/optim/optimizer.py as the solution.")
        self._grad_fn = None
        self._requires_grad = False
        return self

    @property
    def data(self):
        t = self.detach()
        t._vc = [self._vc[0]]  # torch: .data gets its own version counter
        return t

    @data.setter
    def data(self, other):
        if not isinstance(other, Tensor):
            raise TypeError(f"data must be a Tensor, not {type(other).__name__}")
        if other._shape != self._shape and self._base is not None:
            raise RuntimeError("set_data on a view is not supported")
        self._storage = other._storage
        self._view = other._view
        self._shape = other._shape
        self._dtype = other._dtype
        self._strides = other._strides
        self._offset = other._offset
        self._cache_gen = -1

    @property
    def _is_view(self):
        return self._base is not None

    def is_set_to(self, other):
        return self._storage is other._storage and self._view == other._view

    # ---- in-place assignment of an op's result ------------------------------------------------------------
    def _check_inplace(self):
        if not _grad_state.enabled:
            return
        if self._requires_grad and self._grad_fn is None:
            raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")
        b = self._base
        if b is not None and b._requires_grad and b._grad_fn is None:
            raise RuntimeError("a view of a leaf Variable that requires grad is being used in an in-place "
                               "operation.")

    def _assign(self, r):
        """Make this tensor hold result `r` of an in-place op (value and, in grad mode, history)."""
        if r._shape != self._shape:
            raise RuntimeError(f"output with shape {list(self._shape)} doesn't match the broadcast shape "
                               f"{list(r._shape)}")
        if r._dtype is not self._dtype:
            if not D.can_cast(r._dtype, self._dtype):
                raise RuntimeError(f"result type {D._scalar_name(r._dtype)} can't be cast to the desired output "
                                   f"type {D._scalar_name(self._dtype)}")
            r = r.to(self._dtype)
        self._check_inplace()
        if _grad_state.enabled and (r.requires_grad or self.requires_grad):
            self._assign_with_history(r)
        else:
            self._write(r._value())
        return self

    def _assign_with_history(self, r):
        base = self._base
        if base is None:
            self._write(r._value())
            self._grad_fn, self._output_nr = r._grad_fn, r._output_nr
        else:
            if self._has_overlap():
                _views._overlap()
            from ._ops.shape_views import copy_slices
            new_base = copy_slices(base, self._view[len(base._view or ()):], r)
            base._storage.set(new_base._value())
            base._grad_fn, base._output_nr = new_base._grad_fn, 0
            self._vc[0] += 1
        fn = r._grad_fn
        if isinstance(fn, FnNode) and fn.saved is not None:
            for s in fn.saved:
                if getattr(s, "tensor", None) is self:
                    s.version = self._vc[0]  # the node kept the pre-op value itself, which stays valid

    # ---- conversions to Python and numpy ------------------------------------------------------------------
    def _check_concrete(self, what):
        v = self._value()
        if isinstance(v, _Tracer):
            raise DataDependentError(
                f"torchjax: {what} needs the value of a tensor of shape {list(self._shape)} ({self._dtype}) "
                f"inside a compiled function, where values are not known until run time. Data-dependent Python "
                f"control flow cannot be compiled; use torch.where or move the check outside the compiled step.")
        return v

    def item(self):
        n = self.numel()
        if n != 1:
            raise RuntimeError(f"a Tensor with {n} elements cannot be converted to Scalar")
        v = np.asarray(self._check_concrete("item()")).reshape(())
        return _py_scalar(v, self._dtype)

    def tolist(self):
        v = np.asarray(self._check_concrete("tolist()"))
        if self._dtype.is_floating_point and v.dtype.kind != "f":
            v = v.astype(np.float64)
        elif self._dtype is D.float16:
            v = v.astype(np.float64)
        return v.tolist()

    def numpy(self, *, force=False):
        if force:
            return np.array(self.detach().cpu()._host_values())
        if self.requires_grad and _grad_state.enabled or self.requires_grad:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() "
                               "instead.")
        if self._storage.device.type != "cpu":
            raise TypeError(f"can't convert {self._storage.device} device type tensor to numpy. Use Tensor.cpu() to "
                            "copy the tensor to host memory first.")
        if self._dtype in (D.bfloat16,) or self._dtype.name.startswith("float8"):
            raise TypeError(f"Got unsupported ScalarType {D._scalar_name(self._dtype)}")
        if self._storage._host is None:  # a host buffer is never a tracer: don't move it to JAX just to check
            self._check_concrete("numpy()")
        host = self._storage.to_host()
        return _views.read_np(self._view, host) if self._view is not None else host

    def __array__(self, dtype=None, copy=None):
        a = self.numpy() if not self.requires_grad else self.detach().numpy()
        return a if dtype is None else a.astype(dtype, copy=False)

    def __array_wrap__(self, array, context=None, return_scalar=False):
        if array.dtype == np.bool_:
            array = array.astype(np.uint8)
        from ._ops.creation import from_numpy
        return from_numpy(np.ascontiguousarray(array))

    def __float__(self):
        if self.numel() != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        return float(self.item())

    def __int__(self):
        if self.numel() != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        return int(self.item())

    def __complex__(self):
        return complex(self.item())

    def __index__(self):
        if self._dtype.is_floating_point or self._dtype.is_complex or self._dtype is D.bool or self.numel() != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.item())

    def __bool__(self):
        n = self.numel()
        if n != 1:
            if n == 0:
                raise RuntimeError("Boolean value of Tensor with no values is ambiguous")
            raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
        return bool(self.item())

    def __len__(self):
        if not self._shape:
            raise TypeError("len() of a 0-d tensor")
        return self._shape[0]

    def __iter__(self):
        if not self._shape:
            raise TypeError("iteration over a 0-d tensor")
        return iter(self.unbind(0))

    def __hash__(self):
        return id(self)

    def __contains__(self, element):
        if isinstance(element, (Tensor, int, float, complex, bool)):
            return bool((element == self).any().item())
        raise RuntimeError(f"Tensor.__contains__ only supports Tensor or scalar, but you passed in a "
                           f"{type(element)}.")

    def __format__(self, spec):
        if self.dim() == 0 and not self.is_meta:
            return self.item().__format__(spec)
        return object.__format__(self, spec)

    def __repr__(self, *, tensor_contents=None):
        from ._tensor_str import tensor_repr
        return tensor_repr(self, tensor_contents=tensor_contents)

    def __deepcopy__(self, memo):
        if not self.is_leaf:
            raise RuntimeError("Only Tensors created explicitly by the user (graph leaves) support the deepcopy "
                               "protocol at the moment.  If you were attempting to deepcopy a module, this may be "
                               "because of a torch.nn.utils.weight_norm usage, see "
                               "https://github.com/pytorch/pytorch/pull/103001")
        if id(self) in memo:
            return memo[id(self)]
        st = self._storage
        new_st = memo.get(("storage", id(st)))
        if new_st is None:
            v = st.value()
            new_st = Storage(np.array(v) if isinstance(v, np.ndarray) else v, st.device)
            memo[("storage", id(st))] = new_st
        t = type(self)._from_parts(new_st, self._view, self._shape, self._dtype, self._strides, self._offset)
        t._requires_grad = self._requires_grad
        if self._grad is not None:
            t._grad = _copy.deepcopy(self._grad, memo)
        for k, v in self.__dict__.items():
            if k not in _CORE_ATTRS:
                setattr(t, k, _copy.deepcopy(v, memo))
        memo[id(self)] = t
        return t

    def __reduce_ex__(self, proto):
        # plain pickle (multiprocessing, copy): values as a numpy array; torch.save has its own format
        if self._grad_fn is not None:
            raise RuntimeError("Can't pickle a tensor that is not a leaf of the autograd graph; detach() it first")
        values = np.array(self._host_values())
        extra = {k: v for k, v in self.__dict__.items() if k not in _CORE_ATTRS}  # user attributes only
        return (_rebuild_tensor, (values, self._dtype.name, self._requires_grad, str(self.device),
                                  type(self), extra or None))

    def __dlpack__(self, stream=None, **kwargs):
        return self._jax().__dlpack__(**kwargs)

    def __dlpack_device__(self):
        return self._jax().__dlpack_device__()

    def __jax_array__(self):
        return self._jax()

    def jax(self):
        """The tensor's value as a jax.Array (no copy)."""
        return self._jax()


def _rebuild_tensor(values, dtype_name, requires_grad, device, cls=None, state=None):
    from ._device import canonical, jax_device
    dev = canonical(device)
    t = wrap(jax.device_put(values.astype(D.BY_NAME[dtype_name].np, copy=False), jax_device(dev)), dev,
             cls or Tensor)
    t._requires_grad = requires_grad
    if state:
        t.__dict__.update(state)
    return t


_CORE_ATTRS = {"_storage", "_view", "_shape", "_dtype", "_strides", "_offset", "_cache", "_cache_gen",
               "_requires_grad", "_grad_fn", "_output_nr", "_grad", "_retains_grad", "_base", "_view_vc", "_hooks",
               "_post_acc_hooks", "_acc_node", "_vc"}


def _py_scalar(v, dtype):
    if dtype.is_floating_point:
        return float(v)
    if dtype.is_complex:
        return complex(v)
    if dtype is D.bool:
        return bool(v)
    return int(v)


def _wrap_dim(dim, ndim):
    if isinstance(dim, Tensor):
        dim = dim.__index__()
    n = max(ndim, 1)
    if not -n <= dim < n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})")
    return dim % n


_from_np = D._FROM_NP
_new_size = tuple.__new__  # jax shapes are already tuples of ints: skip Size's validation


def wrap(array, device, cls=Tensor):
    """A new tensor owning `array` (a jax.Array or tracer)."""
    t = object.__new__(cls)
    t._storage = Storage(array, device)
    t._shape = _new_size(Size, array.shape)
    dt = _from_np.get(array.dtype)
    t._dtype = dt if dt is not None else D.from_np(array.dtype)
    t._vc = [0]
    return t
