"""torch.save / torch.load in PyTorch's own file formats (DESIGN decision 9).

`save` writes the zip layout torch 2.x writes: `<archive>/data.pkl` (a protocol-2 pickle in which tensors are
`torch._utils._rebuild_tensor_v2(storage, offset, size, stride, requires_grad, hooks)` over persistent storage ids
`('storage', torch.<Name>Storage, key, location, numel)`), one `<archive>/data/<key>` record of raw little-endian
bytes per storage, `.format_version`, `.storage_alignment`, `byteorder`, `version` and `.data/serialization_id`.
The pickle names torch's globals only (never torchjax's classes), so real `torch.load(weights_only=True)` reads
it. Views of one tensor share one storage record. Saves to a path are atomic: the file is written beside the
target under a temporary name and renamed over it only once complete.

`load` reads that format, and the legacy formats (the pre-1.6 pickle stream and the older tar archive). With
`weights_only=True` (the default, as in torch 2.6+) the pickle runs through the allow-list unpickler in
`torchjax._weights_only_unpickler`, which executes nothing outside its list. With `weights_only=False` any pickle
loads; its `torch.*`/`torchvision.*` globals resolve to torchjax's equivalents.
"""
import copyreg
import io
import os
import pickle
import re
import struct
import sys
import threading
import warnings
import zipfile

import numpy as np

from . import _dtype as D
from . import _weights_only_unpickler as _wo
from ._device import CPU, canonical, device as _device_cls
from ._size import Size
from ._tensor import Tensor, _CORE_ATTRS
from .storage import STORAGE_NAME_TO_DTYPE, TypedStorage, UntypedStorage, deferred_placement
from ._serialization_save import (DEFAULT_PROTOCOL, MAGIC_NUMBER, PROTOCOL_VERSION, _atomic_write,  # noqa: F401
                                  _contiguous_strides, location_tag, save)

__all__ = ["save", "load", "add_safe_globals", "get_safe_globals", "clear_safe_globals", "safe_globals",
           "get_unsafe_globals_in_checkpoint", "skip_data", "SourceChangeWarning", "StorageType",
           "default_restore_location", "location_tag", "normalize_storage_type", "register_package",
           "DEFAULT_PROTOCOL", "LoadEndianness", "get_default_load_endianness", "set_default_load_endianness"]

UNSAFE_MESSAGE = _wo.UNSAFE_MESSAGE


class SourceChangeWarning(Warning):
    pass


# ---- the safe-globals API (torch.serialization.*) ---------------------------------------------------------------
def add_safe_globals(safe_globals):
    """Mark functions/classes (or `(obj, "module.name")` pairs) as safe for `weights_only` loads."""
    _wo.add_safe_globals(safe_globals)


def get_safe_globals():
    return _wo.get_safe_globals()


def clear_safe_globals():
    _wo.clear_safe_globals()


class safe_globals(_wo._safe_globals):
    """Context manager that marks globals as safe for `weights_only` loads while it is active."""


class skip_data:
    def __init__(self, materialize_fake_tensors=False):
        raise NotImplementedError("torchjax: torch.serialization.skip_data is not supported")


def register_package(priority, tagger, deserializer):
    raise NotImplementedError("torchjax: torch.serialization.register_package is not supported")


class LoadEndianness:
    NATIVE = 1
    LITTLE = 2
    BIG = 3


_default_load_endianness = [None]


def get_default_load_endianness():
    return _default_load_endianness[0]


def set_default_load_endianness(endianness):
    if endianness is not None and endianness not in (LoadEndianness.NATIVE, LoadEndianness.LITTLE,
                                                     LoadEndianness.BIG):
        raise TypeError("Invalid argument type in function set_default_load_endianness")
    _default_load_endianness[0] = endianness


class StorageType:
    """What a legacy storage class name (`torch.FloatStorage`) unpickles to: it only carries the dtype."""

    def __init__(self, name):
        try:
            self._dtype = STORAGE_NAME_TO_DTYPE[name]
        except KeyError:
            raise KeyError(f'pickle storage type "{name}" is not recognized') from None
        self._name = name

    @property
    def dtype(self):
        return self._dtype

    def __str__(self):
        return f"StorageType(dtype={self.dtype})"

    __repr__ = __str__


def normalize_storage_type(storage_type):
    return storage_type





# ---- rebuilding tensors (what torch._utils._rebuild_* do, for torchjax) -----------------------------------------
def _check_int_tuple(x, what):
    if not isinstance(x, (tuple, list, Size)) or any(
            not isinstance(v, (int, np.integer)) or isinstance(v, bool) for v in x):
        raise TypeError(f"torch.load: expected a tuple of ints for the tensor {what}, got {x!r}")
    return tuple(int(v) for v in x)


def _tensor_from_storage(storage, storage_offset, size, stride, dtype=None):
    if isinstance(storage, TypedStorage):
        untyped = storage._untyped_storage
        dtype = dtype or storage.dtype
    elif isinstance(storage, UntypedStorage):
        untyped = storage
        dtype = dtype or D.uint8
    else:
        raise TypeError(f"torch.load: expected a storage to rebuild a tensor from, got {type(storage).__name__}")
    if not isinstance(dtype, D.dtype):
        raise TypeError(f"torch.load: expected a dtype, got {dtype!r}")
    if dtype.np is None:
        raise NotImplementedError(f"torchjax: loading tensors of dtype {dtype} is not supported")
    size = _check_int_tuple(size, "size")
    stride = _check_int_tuple(stride, "stride")
    if not isinstance(storage_offset, (int, np.integer)) or isinstance(storage_offset, bool):
        raise TypeError(f"torch.load: expected an int storage offset, got {storage_offset!r}")
    offset = int(storage_offset)
    if len(size) != len(stride):
        raise RuntimeError(f"mismatch in length of strides and shape")
    if any(n < 0 for n in size):
        raise RuntimeError(f"Trying to create tensor with negative dimension: {list(size)}")
    if any(s < 0 for s in stride):
        raise RuntimeError(f"as_strided: Negative strides are not supported at the moment, got strides: "
                           f"{list(stride)}")
    if offset < 0:
        raise RuntimeError(f"Tensor: invalid storage offset {offset}")
    item = dtype.itemsize
    have = untyped.nbytes()
    if all(n > 0 for n in size):
        need = (offset + sum((n - 1) * s for n, s in zip(size, stride)) + 1) * item
        if need > have:
            raise RuntimeError(f"setStorage: sizes {list(size)}, strides {list(stride)}, storage offset {offset}, "
                               f"and itemsize {item} requiring a storage size of {need} are out of bounds for "
                               f"storage of size {have}")
    cell, chain = untyped._bind(dtype, size, stride, offset)
    default = _contiguous_strides(size)
    strides = None if stride == default else stride
    return Tensor._from_parts(cell, chain, Size(size), dtype, strides, offset)


def _apply_metadata(t, metadata):
    if not metadata:
        return t
    if not isinstance(metadata, dict):
        raise TypeError(f"torch.load: expected a dict of tensor metadata, got {type(metadata).__name__}")
    v = t._jax()
    if metadata.get("conj"):
        v = v.conj()
    if metadata.get("neg"):
        v = -v
    from ._tensor import wrap
    return wrap(v, t.device)


def _rebuild_tensor(storage, storage_offset, size, stride):
    return _tensor_from_storage(storage, storage_offset, size, stride)


def _finish(t, requires_grad):
    if requires_grad:
        t.requires_grad_(True)
    return t


def _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks, metadata=None):
    t = _apply_metadata(_tensor_from_storage(storage, storage_offset, size, stride), metadata)
    return _finish(t, requires_grad)


def _rebuild_tensor_v3(storage, storage_offset, size, stride, requires_grad, backward_hooks, dtype, metadata=None):
    t = _apply_metadata(_tensor_from_storage(storage, storage_offset, size, stride, dtype), metadata)
    return _finish(t, requires_grad)


def _FallbackParameter(data=None, requires_grad=True):
    """nn.Parameter until torchjax.nn exists: a leaf tensor sharing `data`'s storage."""
    if data is None:
        from ._ops.creation import empty
        data = empty(0)
    t = data.detach()
    return _finish(t, requires_grad)


def _rebuild_parameter(data, requires_grad, backward_hooks):
    return _wo._parameter_class()(data, requires_grad)


def _rebuild_parameter_with_state(data, requires_grad, backward_hooks, state):
    return _set_obj_state(_rebuild_parameter(data, requires_grad, backward_hooks), state)


def _set_obj_state(obj, state):
    if isinstance(state, tuple):
        if len(state) != 2:
            raise RuntimeError(f"Invalid serialized state: {state}")
        dict_state, slots_state = state
    else:
        dict_state, slots_state = state, None
    for part in (dict_state, slots_state):
        if part:
            if not isinstance(part, dict):
                raise RuntimeError(f"Invalid serialized state: {state}")
            for k, v in part.items():
                if not isinstance(k, str) or k in _CORE_ATTRS:
                    raise RuntimeError(f"torch.load: refusing to set attribute {k!r} from a checkpoint")
                setattr(obj, k, v)
    return obj


def _legacy_set_state(t, state):
    """Tensor.__setstate__ for pickles from torch < 1.0 (BUILD on a tensor)."""
    if isinstance(state, dict):
        _set_obj_state(t, state)
        return
    if not isinstance(state, tuple):
        raise pickle.UnpicklingError(f"torch.load: invalid tensor state {type(state).__name__}")
    if len(state) == 4:
        new = _tensor_from_storage(*state)
        t.data = new
        return
    if len(state) == 5:
        t.data = state[0]
        state = (state[3], state[4], state[2])
    if len(state) != 3:
        raise pickle.UnpicklingError("torch.load: invalid tensor state")
    t.requires_grad_(bool(state[0]))


def _rebuild_from_type_v2(func, new_type, args, state):
    if func not in REBUILD_FUNCTIONS.values():
        raise pickle.UnpicklingError(f"torch.load: {func} is not a tensor rebuild function")
    ret = func(*args)
    if type(ret) is not new_type:
        if not (isinstance(new_type, type) and issubclass(new_type, Tensor)):
            raise TypeError(f"torch.load: cannot rebuild a tensor as {new_type!r}")
        sub = object.__new__(new_type)
        sub.__dict__.update(ret.__dict__)
        ret = sub
    setstate = getattr(type(ret), "__setstate__", None)
    if setstate is not None and setstate is not getattr(Tensor, "__setstate__", None):
        ret.__setstate__(state)
    else:
        ret = _set_obj_state(ret, state)
    return ret


def _rebuild_device_tensor_from_cpu_tensor(data, dtype, device, requires_grad):
    dev = _restore_device(device)
    return _finish(data.to(dtype=dtype, device=dev), requires_grad)


def _rebuild_device_tensor_from_numpy(data, dtype, device, requires_grad):
    from ._ops.creation import from_numpy
    dev = _restore_device(device)
    return _finish(from_numpy(np.asarray(data)).to(dtype=dtype, device=dev), requires_grad)


def _unsupported_rebuild(what):
    def f(*args, **kwargs):
        raise NotImplementedError(f"torchjax: loading {what} is not supported")
    f.__name__ = f"_rebuild_{what.replace(' ', '_')}"
    return f


REBUILD_FUNCTIONS = {
    "_rebuild_tensor": _rebuild_tensor,
    "_rebuild_tensor_v2": _rebuild_tensor_v2,
    "_rebuild_tensor_v3": _rebuild_tensor_v3,
    "_rebuild_parameter": _rebuild_parameter,
    "_rebuild_parameter_with_state": _rebuild_parameter_with_state,
    "_rebuild_device_tensor_from_cpu_tensor": _rebuild_device_tensor_from_cpu_tensor,
    "_rebuild_device_tensor_from_numpy": _rebuild_device_tensor_from_numpy,
    "_rebuild_xla_tensor": _rebuild_device_tensor_from_numpy,
    "_rebuild_qtensor": _unsupported_rebuild("quantized tensors"),
    "_rebuild_sparse_tensor": _unsupported_rebuild("sparse tensors"),
    "_rebuild_nested_tensor": _unsupported_rebuild("nested tensors"),
    "_rebuild_meta_tensor_no_storage": _unsupported_rebuild("meta tensors (the 'meta' device)"),
    "_rebuild_wrapper_subclass": _unsupported_rebuild("wrapper tensor subclasses"),
    "_rebuild_mkldnn_tensor": _unsupported_rebuild("mkldnn tensors"),
}


def _get_layout(name):
    from . import _misc
    lay = getattr(_misc, str(name).replace("torch.", ""), None)
    if not isinstance(lay, _misc.layout):
        raise NotImplementedError(f"torchjax: layout {name} is not supported")
    return lay


# ---- map_location ------------------------------------------------------------------------------------------------
class _LoadState(threading.local):
    map_location = None


_load_state = _LoadState()


def _restore_device(device):
    """The device a tensor rebuilt from a device tag lands on, honouring the active map_location."""
    ml = _load_state.map_location
    loc = str(device)
    if isinstance(ml, dict):
        loc = ml.get(loc, loc)
    elif isinstance(ml, (str, bytes, _device_cls)):
        loc = ml.decode() if isinstance(ml, bytes) else str(ml)
    return canonical(loc)


def _cuda_index(location):
    from . import cuda
    m = re.fullmatch(r"cuda(?::(\d+))?", location)
    if m is None:
        raise RuntimeError(f"Invalid device string: '{location}'")
    if not cuda.is_available():
        raise RuntimeError("Attempting to deserialize object on a CUDA device but torch.cuda.is_available() is "
                           "False. If you are running on a CPU-only machine, please use torch.load with "
                           "map_location=torch.device('cpu') to map your storages to the CPU.")
    idx = int(m.group(1)) if m.group(1) is not None else cuda.current_device()
    count = cuda.device_count()
    if idx >= count:
        raise RuntimeError(f"Attempting to deserialize object on CUDA device {idx} but torch.cuda.device_count() is "
                           f"{count}. Please use torch.load with map_location to map your storages to an existing "
                           "device.")
    return idx


def default_restore_location(storage, location):
    if location == "cpu":
        return storage
    if location == "cuda" or re.match(r"cuda(:|[0-9]+)", location):
        return storage.to(device=_device_cls("cuda", _cuda_index(location)))
    if location == "meta":
        raise NotImplementedError("torchjax: loading onto the 'meta' device is not supported")
    raise RuntimeError(f"don't know how to restore data location of torch.storage.UntypedStorage (tagged with "
                       f"{location})")


def _get_restore_location(map_location):
    if map_location is None:
        return default_restore_location
    if isinstance(map_location, dict):
        return lambda storage, location: default_restore_location(storage, map_location.get(location, location))
    if isinstance(map_location, (str, bytes)):
        loc = map_location.decode() if isinstance(map_location, bytes) else map_location
        return lambda storage, location: default_restore_location(storage, loc)
    if isinstance(map_location, _device_cls):
        return lambda storage, location: default_restore_location(storage, str(map_location))
    if not callable(map_location):
        raise TypeError(f"torch.load: map_location must be a str, torch.device, dict or callable, not "
                        f"{type(map_location).__name__}")

    def restore(storage, location):
        result = map_location(storage, location)
        if result is None:
            result = default_restore_location(storage, location)
        if isinstance(result, TypedStorage):
            result = result._untyped_storage
        if not isinstance(result, UntypedStorage):
            raise TypeError(f"torch.load: map_location returned {type(result).__name__}, expected a storage or None")
        return result
    return restore


# =================================================================================================================
# load
# =================================================================================================================
_LOAD_MODULE_MAPPING = {"torch.tensor": "torch._tensor"}


# torch's C namespaces that pickles reach functions through (getattr(torch._C._VariableFunctionsClass, "relu"))
_C_NAMESPACES = {"_VariableFunctionsClass": "torchjax", "_VariableFunctions": "torchjax", "_nn": "torchjax.nn.functional",
                 "_linalg": "torchjax.linalg", "_special": "torchjax.special", "_fft": "torchjax.fft"}


def _torchjax_global(module, name):
    """What a pickled torch/torchvision global is in torchjax (for weights_only=False loads)."""
    module = _LOAD_MODULE_MAPPING.get(module, module)
    if module == "torch._utils":
        fn = REBUILD_FUNCTIONS.get(name)
        if fn is None:
            raise NotImplementedError(f"torchjax: torch._utils.{name} is not supported")
        return fn
    if (module, name) == ("torch._tensor", "_rebuild_from_type_v2"):
        return _rebuild_from_type_v2
    if (module, name) == ("torch.serialization", "_get_layout"):
        return _get_layout
    if module in ("torch", "torch.cuda") and name in STORAGE_NAME_TO_DTYPE:
        return StorageType(name)
    if (module, name) == ("torch.nn.parameter", "Parameter"):
        return _wo._parameter_class()
    if module == "torch._C" and name in ("TensorBase", "_TensorBase"):
        return Tensor
    if module == "torch._C" and name in _C_NAMESPACES:
        import importlib
        return importlib.import_module(_C_NAMESPACES[name])
    if module == "torchvision" or module.startswith("torchvision."):
        target = "torchjax.vision" + module[len("torchvision"):]
    else:
        target = "torchjax" + module[len("torch"):]
    import importlib
    try:
        mod = importlib.import_module(target)
        obj = mod
        for part in name.split("."):
            obj = getattr(obj, part)
        return obj
    except (ImportError, AttributeError):
        raise AttributeError(f"torchjax: the checkpoint needs {module}.{name}, which torchjax does not provide "
                             f"(looked for {target}.{name})") from None


def _make_unpickler(pickle_module, persistent_load):
    class UnpicklerWrapper(pickle_module.Unpickler):
        def find_class(self, mod_name, name):
            if mod_name == "torch" or mod_name.startswith("torch.") or mod_name == "torchvision" or \
                    mod_name.startswith("torchvision."):
                return _torchjax_global(mod_name, name)
            return super().find_class(mod_name, name)

        def persistent_load(self, saved_id):
            return persistent_load(saved_id)

    return UnpicklerWrapper


def _unpickle(data, weights_only, pickle_module, persistent_load, pickle_load_args):
    """Run the pickle `data` (bytes or a binary file) with the allow-list unpickler or a full one."""
    fileobj = io.BytesIO(data) if isinstance(data, (bytes, bytearray, memoryview)) else data
    if weights_only:
        try:
            return _wo.Unpickler(fileobj, encoding=pickle_load_args.get("encoding", "utf-8"),
                                 persistent_load=persistent_load).load()
        except pickle.UnpicklingError as e:
            raise pickle.UnpicklingError(_wo.explain(str(e))) from None
    return _make_unpickler(pickle_module, persistent_load)(fileobj, **pickle_load_args).load()


def _decode(s):
    return s.decode("ascii") if isinstance(s, bytes) else s


def _storage_dtype(storage_type):
    if storage_type is UntypedStorage:
        return D.uint8
    if isinstance(storage_type, StorageType):
        return storage_type.dtype
    raise pickle.UnpicklingError(f"torch.load: invalid storage type {storage_type!r}")


def _miniz_error(what):
    return RuntimeError(f"PytorchStreamReader failed {what}. This is an internal miniz error. If you are seeing this "
                        "error, there is a high likelihood that your checkpoint file is corrupted. This can happen "
                        "if the checkpoint was not saved properly, was transferred incorrectly, or the file was "
                        "modified after saving.")


_ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError, struct.error,
               NotImplementedError, UnicodeDecodeError, KeyError)


def _load_zip(fileobj, path, map_location, pickle_module, weights_only, mmap, pickle_load_args):
    try:
        zf = zipfile.ZipFile(fileobj)
        names = zf.namelist()
    except _ZIP_ERRORS:
        raise _miniz_error("reading zip archive: failed finding central directory") from None
    if not names:
        raise _miniz_error("reading zip archive: failed finding central directory")
    if "/" not in names[0]:
        raise RuntimeError(f"[enforce fail at inline_container.cc] . file in archive is not in a subdirectory: "
                           f"{names[0]}")
    prefix = names[0].split("/", 1)[0] + "/"
    if prefix + "constants.pkl" in names:
        if weights_only:
            raise RuntimeError("Cannot use ``weights_only=True`` with TorchScript archives passed to "
                               "``torch.load``. " + UNSAFE_MESSAGE)
        raise NotImplementedError("torchjax: loading TorchScript archives (torch.jit.save) is not supported")

    def record(name):
        try:
            return zf.read(prefix + name)
        except KeyError:
            raise _miniz_error(f"locating file {name}: file not found") from None
        except _ZIP_ERRORS as e:
            raise _miniz_error(f"reading file {name} ({type(e).__name__}: {e})") from None

    pkl = record("data.pkl")
    byteorder = b"little"
    if prefix + "byteorder" in names:
        byteorder = record("byteorder")
        if byteorder not in (b"little", b"big"):
            raise ValueError("Unknown endianness type: " + byteorder.decode(errors="replace"))
    elif get_default_load_endianness() == LoadEndianness.BIG:
        byteorder = b"big"
    elif get_default_load_endianness() == LoadEndianness.NATIVE:
        byteorder = sys.byteorder.encode()
    swap = byteorder.decode() != sys.byteorder

    mapped = None
    if mmap:
        mapped = np.memmap(path, dtype=np.uint8, mode="c")

    restore = _get_restore_location(map_location)
    loaded = {}

    def load_storage(key, nbytes, location):
        name = f"data/{key}"
        try:
            info = zf.getinfo(prefix + name)
        except KeyError:
            raise _miniz_error(f"locating file {name}: file not found") from None
        if info.file_size != nbytes:
            raise RuntimeError(f"torch.load: record {name} holds {info.file_size} bytes but the checkpoint expects "
                               f"{nbytes}; the file is corrupted")
        if mapped is not None and info.compress_type == zipfile.ZIP_STORED:
            fileobj.seek(info.header_offset)
            header = fileobj.read(30)
            if len(header) != 30 or header[:4] != b"PK\x03\x04":
                raise _miniz_error(f"reading file {name}: bad local header")
            n, e = struct.unpack("<HH", header[26:30])
            start = info.header_offset + 30 + n + e
            buf = mapped[start:start + nbytes]
            st = UntypedStorage._from_buffer(buf, CPU, swap, mapped=True)
        else:
            buf = np.frombuffer(record(name), np.uint8)
            st = UntypedStorage._from_buffer(buf, CPU, swap)
        return restore(st, location)

    def persistent_load(saved_id):
        if not isinstance(saved_id, tuple) or len(saved_id) != 5:
            raise pickle.UnpicklingError(f"torch.load: invalid persistent id {saved_id!r}")
        typename = _decode(saved_id[0])
        if typename != "storage":
            raise pickle.UnpicklingError(f"Unknown typename for persistent_load, expected 'storage' but got "
                                         f"'{typename}'")
        storage_type, key, location, numel = saved_id[1:]
        dtype = _storage_dtype(storage_type)
        key = _decode(key)
        if not isinstance(key, str) or not isinstance(numel, int) or numel < 0:
            raise pickle.UnpicklingError(f"torch.load: invalid persistent id {saved_id!r}")
        untyped = loaded.get(key)
        if untyped is None:
            untyped = loaded[key] = load_storage(key, numel * dtype.itemsize, _decode(location))
        return TypedStorage(wrap_storage=untyped, dtype=dtype, _internal=True)

    return _unpickle(pkl, weights_only, pickle_module, persistent_load, pickle_load_args)


def _read_legacy_storage(f, expected_numel, element_size):
    head = f.read(8)
    if len(head) != 8:
        raise RuntimeError("torch.load: the file ended before the storage data; the file is truncated")
    (numel,) = struct.unpack("<q", head)
    if expected_numel is not None and numel != expected_numel:
        raise RuntimeError(f"torch.load: a storage holds {numel} elements but the checkpoint expects "
                           f"{expected_numel}; the file is corrupted")
    if numel < 0:
        raise RuntimeError("torch.load: negative storage size; the file is corrupted")
    data = f.read(numel * element_size)
    if len(data) != numel * element_size:
        raise RuntimeError("torch.load: the file ended inside the storage data; the file is truncated")
    return np.frombuffer(data, np.uint8)


def _load_legacy(f, map_location, pickle_module, weights_only, pickle_load_args):
    raw = f.read()
    if not raw:
        raise EOFError("Ran out of input")
    if len(raw) >= 512 and raw[257:262] == b"ustar":
        if weights_only:
            raise RuntimeError("Cannot use ``weights_only=True`` with files saved in the legacy .tar format. "
                               + UNSAFE_MESSAGE)
        return _load_tar(raw, map_location, pickle_module, pickle_load_args)
    restore = _get_restore_location(map_location)
    stream = io.BytesIO(raw)

    def small(what):
        try:
            return _unpickle(stream, weights_only, pickle_module, None, pickle_load_args)
        except (pickle.UnpicklingError, EOFError, ValueError, KeyError, IndexError, TypeError, struct.error):
            raise RuntimeError(f"Invalid {what}; corrupt file?") from None

    if small("magic number") != MAGIC_NUMBER:
        raise RuntimeError("Invalid magic number; corrupt file?")
    version = small("protocol version")
    if version != PROTOCOL_VERSION:
        raise RuntimeError(f"Invalid protocol version: {version}")
    sys_info = small("system info")
    little = sys_info.get("little_endian", True) if isinstance(sys_info, dict) else True
    swap = little != (sys.byteorder == "little")
    storages = {}  # key -> (typed storage, numel)

    def persistent_load(saved_id):
        if not isinstance(saved_id, tuple) or not saved_id:
            raise pickle.UnpicklingError(f"torch.load: invalid persistent id {saved_id!r}")
        typename = _decode(saved_id[0])
        data = saved_id[1:]
        if typename == "module":
            if weights_only:
                raise pickle.UnpicklingError("torch.load: a module persistent id in a weights_only load")
            return data[0]
        if typename != "storage" or len(data) != 5:
            raise RuntimeError(f"Unknown saved id type: {saved_id[0]}")
        storage_type, root_key, location, numel, view_metadata = data
        dtype = _storage_dtype(storage_type)
        root_key = _decode(root_key)
        if root_key not in storages:
            # the bytes follow the pickle: tensors bind to a zero-filled buffer that is filled in afterwards
            st = UntypedStorage._from_buffer(np.zeros(numel * dtype.itemsize, np.uint8), CPU, swap)
            st = restore(st, _decode(location))
            storages[root_key] = (TypedStorage(wrap_storage=st, dtype=dtype, _internal=True), numel)
        typed = storages[root_key][0]
        if view_metadata is not None:
            view_key, offset, view_size = view_metadata
            item = dtype.itemsize
            typed = TypedStorage(wrap_storage=typed._untyped_storage[offset * item:(offset + view_size) * item],
                                 dtype=dtype, _internal=True)
            storages.setdefault(_decode(view_key), (typed, None))
        return typed

    result = _unpickle(stream, weights_only, pickle_module, persistent_load, pickle_load_args)
    keys = small("storage keys")
    if not isinstance(keys, list):
        raise RuntimeError("torch.load: invalid storage key list; corrupt file?")
    for key in keys:
        key = _decode(key)
        if key not in storages or storages[key][1] is None:
            raise RuntimeError(f"torch.load: storage key {key!r} not found in the checkpoint; corrupt file?")
        typed, numel = storages[key]
        typed._untyped_storage._fill(_read_legacy_storage(stream, numel, typed.dtype.itemsize))
    return result


def _load_tar(raw, map_location, pickle_module, pickle_load_args):
    import tarfile
    restore = _get_restore_location(map_location)
    objects = {}
    try:
        tar = tarfile.open(fileobj=io.BytesIO(raw), mode="r:", format=tarfile.PAX_FORMAT)
        members = {name: tar.extractfile(name).read() for name in ("storages", "tensors", "pickle")}
    except (tarfile.TarError, KeyError, AttributeError, OSError) as e:
        raise RuntimeError(f"torch.load: invalid legacy tar checkpoint ({e})") from None
    load_one = lambda s: _unpickle(s, False, pickle_module, None, pickle_load_args)  # noqa: E731

    s = io.BytesIO(members["storages"])
    for _ in range(load_one(s)):
        key, location, storage_type = load_one(s)
        dtype = _storage_dtype(storage_type)
        buf = _read_legacy_storage(s, None, dtype.itemsize)
        st = restore(UntypedStorage._from_buffer(buf, CPU), _decode(location))
        objects[key] = TypedStorage(wrap_storage=st, dtype=dtype, _internal=True)
    for target, root, offset, numel in load_one(s):
        r = objects[root]
        item = r.dtype.itemsize
        objects[target] = TypedStorage(wrap_storage=r._untyped_storage[offset * item:(offset + numel) * item],
                                       dtype=r.dtype, _internal=True)

    s = io.BytesIO(members["tensors"])
    for _ in range(load_one(s)):
        key, storage_id, _original_type = load_one(s)
        storage = objects[storage_id]
        (ndim,) = struct.unpack("<i", s.read(4))
        s.read(4)
        size = struct.unpack(f"<{ndim}q", s.read(8 * ndim))
        stride = struct.unpack(f"<{ndim}q", s.read(8 * ndim))
        (offset,) = struct.unpack("<q", s.read(8))
        objects[key] = _tensor_from_storage(storage, offset, size, stride)

    def persistent_load(saved_id):
        if isinstance(saved_id, tuple):
            return saved_id[0]  # ('module' class, source file, source)
        return objects[int(saved_id)] if int(saved_id) in objects else objects[saved_id]

    return _unpickle(members["pickle"], False, pickle_module, persistent_load, pickle_load_args)


def _open_for_read(f):
    if isinstance(f, (str, os.PathLike)):
        return open(os.fspath(f), "rb"), True
    if not callable(getattr(f, "read", None)):
        raise AttributeError("expected 'f' to be string, path, or a file-like object with a 'read' attribute")
    return f, False


def load(f, map_location=None, pickle_module=None, *, weights_only=None, mmap=None, **pickle_load_args):
    """Load an object saved by torch.save (torch's or torchjax's) from a path or a binary file object."""
    truthy = ("1", "y", "yes", "true")
    force_wo = os.getenv("TORCH_FORCE_WEIGHTS_ONLY_LOAD", "0").lower() in truthy
    force_no_wo = os.getenv("TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD", "0").lower() in truthy
    if force_wo and force_no_wo:
        raise RuntimeError("Only one of `TORCH_FORCE_WEIGHTS_ONLY_LOAD` or `TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD` should "
                           "be set, but both were set.")
    if force_wo:
        weights_only = True
    elif force_no_wo and weights_only is None:
        warnings.warn("Environment variable TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD detected, since the`weights_only` "
                      "argument was not explicitly passed to `torch.load`, forcing weights_only=False.",
                      UserWarning, stacklevel=2)
        weights_only = False
    if weights_only is None:
        weights_only = pickle_module is None
    if weights_only:
        if pickle_module is not None:
            raise RuntimeError("Can not safely load weights when explicit pickle_module is specified")
    elif pickle_module is None:
        pickle_module = pickle
    if pickle_load_args and weights_only:
        warnings.warn("pickle_load_args only works if `weights_only=False`.", stacklevel=2)
    pickle_load_args.setdefault("encoding", "utf-8")

    if isinstance(f, (str, os.PathLike)) and os.fspath(f).endswith(".safetensors"):
        if isinstance(map_location, dict) or (callable(map_location) and not isinstance(map_location, _device_cls)):
            raise RuntimeError("Loading safetensors file with dict or callable map_location is not supported. Use "
                               "a device string or torch.device instead.")
        from .utils.safetensors import load_file
        return load_file(os.fspath(f), device=str(map_location) if map_location is not None else "cpu")

    fileobj, opened = _open_for_read(f)
    outer, _load_state.map_location = _load_state.map_location, map_location
    try:
        with deferred_placement():
            return _load_opened(f, fileobj, opened, map_location, pickle_module, weights_only, mmap,
                                pickle_load_args)
    finally:
        _load_state.map_location = outer
        if opened:
            fileobj.close()


def _load_opened(f, fileobj, opened, map_location, pickle_module, weights_only, mmap, pickle_load_args):
    start = fileobj.tell() if callable(getattr(fileobj, "tell", None)) else 0
    magic = fileobj.read(4)
    if callable(getattr(fileobj, "seek", None)):
        fileobj.seek(start)
    else:
        fileobj = io.BytesIO(magic + fileobj.read())
    if magic == b"PK\x03\x04":
        if mmap and not isinstance(f, (str, os.PathLike)):
            raise ValueError("f must be a file path in order to use the mmap argument")
        if start:
            fileobj = io.BytesIO(fileobj.read())
        return _load_zip(fileobj, os.fspath(f) if opened else None, map_location, pickle_module, weights_only,
                         bool(mmap), pickle_load_args)
    if mmap:
        name = f"{f}, " if isinstance(f, str) else ""
        raise RuntimeError("mmap can only be used with files saved with "
                           f"`torch.save({name}_use_new_zipfile_serialization=True), "
                           "please torch.save your checkpoint with this option in order to use mmap.")
    return _load_legacy(fileobj, map_location, pickle_module, weights_only, pickle_load_args)


def get_unsafe_globals_in_checkpoint(f):
    """The `module.name` globals in a torch.save checkpoint that a weights_only load would refuse."""
    fileobj, opened = _open_for_read(f)
    try:
        if fileobj.read(4) != b"PK\x03\x04":
            raise ValueError("Expected input to be a checkpoint returned by torch.save")
        fileobj.seek(0)
        try:
            zf = zipfile.ZipFile(fileobj)
            names = zf.namelist()
            prefix = names[0].split("/", 1)[0] + "/"
            if prefix + "constants.pkl" in names:
                raise ValueError("Expected input to be a checkpoint returned by torch.save but got a torchscript "
                                 "checkpoint")
            pkl = zf.read(prefix + "data.pkl")
        except _ZIP_ERRORS:
            raise _miniz_error("reading zip archive") from None
        safe = set(_wo.allowed_globals()) | set(_wo.user_allowed_globals())
        return list(_wo.get_globals_in_pkl(pkl) - safe)
    finally:
        if opened:
            fileobj.close()


# a layout pickled by plain pickle (copy, multiprocessing) stays a torchjax layout
def _register_layout_pickling():
    from . import _misc
    copyreg.pickle(_misc.layout, lambda obj: (_get_layout, ("torch." + obj.name,)))


_register_layout_pickling()
