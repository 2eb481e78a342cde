"""default_collate / default_convert with torch's rules (torch.utils.data._utils.collate).

    tensors -> stacked along a new first dimension      numpy arrays / numpy scalars -> tensors (then stacked)
    float -> float64 tensor, int -> int64 tensor, bool -> bool tensor (bool is an int)
    str / bytes -> kept as a list                        Mapping -> same mapping type, values collated per key
    namedtuple -> same namedtuple, fields collated       tuple -> list of collated fields (torch's compatibility rule)
    other sequences -> same type when it can be built from a list, fields collated
    anything else -> TypeError "default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists"

JAX arrays (e.g. a Hugging Face dataset formatted with ``with_format("jax")``) are treated like numpy arrays.
"""
import collections
import copy
import re

import numpy as np

__all__ = ["default_collate", "default_convert", "collate", "default_collate_fn_map", "collate_tensor_fn",
           "collate_numpy_array_fn", "collate_numpy_scalar_fn", "collate_float_fn", "collate_int_fn",
           "collate_str_fn", "default_collate_err_msg_format", "np_str_obj_array_pattern"]

np_str_obj_array_pattern = re.compile(r"[SaUO]")

default_collate_err_msg_format = ("default_collate: batch must contain tensors, numpy arrays, numbers, dicts or "
                                  "lists; found {}")


def _torch():
    import torchjax
    return torchjax


def _jax_array_type():
    import jax
    return jax.Array


def _is_numpy_thing(obj):
    t = type(obj)
    return t.__module__ == "numpy" and t.__name__ not in ("str_", "string_")


def default_convert(data):
    """Turn numpy arrays (and numpy scalars, JAX arrays) inside ``data`` into tensors, leaving the structure and
    everything else as it is. The DataLoader's collate function when automatic batching is off."""
    torch = _torch()
    if isinstance(data, torch.Tensor):
        return data
    if _is_numpy_thing(data):
        if type(data).__name__ == "ndarray" and np_str_obj_array_pattern.search(data.dtype.str) is not None:
            return data
        return torch.as_tensor(data)
    if isinstance(data, _jax_array_type()):
        return torch.as_tensor(np.asarray(data))
    if _is_real_torch_tensor(data):
        return torch.from_numpy(_real_torch_to_numpy(data))
    if isinstance(data, collections.abc.Mapping):
        try:
            if isinstance(data, collections.abc.MutableMapping):
                out = copy.copy(data)
                out.update({k: default_convert(data[k]) for k in data})
                return out
            return type(data)({k: default_convert(data[k]) for k in data})
        except TypeError:
            return {k: default_convert(data[k]) for k in data}
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes)):
        try:
            if isinstance(data, collections.abc.MutableSequence):
                out = copy.copy(data)
                for i, d in enumerate(data):
                    out[i] = default_convert(d)
                return out
            return type(data)([default_convert(d) for d in data])
        except TypeError:
            return [default_convert(d) for d in data]
    return data


def collate(batch, *, collate_fn_map=None):
    """Collate ``batch`` (a list of samples) by the type of its first element: an exact match in
    ``collate_fn_map`` first, then the first key the element is an instance of, then the container rules."""
    elem = batch[0]
    elem_type = type(elem)
    if collate_fn_map is not None:
        if elem_type in collate_fn_map:
            return collate_fn_map[elem_type](batch, collate_fn_map=collate_fn_map)
        for key in collate_fn_map:
            if isinstance(elem, key):
                return collate_fn_map[key](batch, collate_fn_map=collate_fn_map)
    if isinstance(elem, collections.abc.Mapping):
        def per_key():
            return {k: collate([d[k] for d in batch], collate_fn_map=collate_fn_map) for k in elem}
        try:
            if isinstance(elem, collections.abc.MutableMapping):
                out = copy.copy(elem)
                out.update(per_key())
                return out
            return elem_type(per_key())
        except TypeError:
            return per_key()
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):
        return elem_type(*(collate(s, collate_fn_map=collate_fn_map) for s in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        size = len(elem)
        if any(len(e) != size for e in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        columns = list(zip(*batch))
        if isinstance(elem, tuple):
            return [collate(c, collate_fn_map=collate_fn_map) for c in columns]
        try:
            if isinstance(elem, collections.abc.MutableSequence):
                out = copy.copy(elem)
                for i, c in enumerate(columns):
                    out[i] = collate(c, collate_fn_map=collate_fn_map)
                return out
            return elem_type([collate(c, collate_fn_map=collate_fn_map) for c in columns])
        except TypeError:
            return [collate(c, collate_fn_map=collate_fn_map) for c in columns]
    if _is_real_torch_tensor(elem):
        # e.g. a Hugging Face dataset formatted with with_format("torch") while real torch is installed
        return collate([_real_torch_to_numpy(b) for b in batch], collate_fn_map=collate_fn_map)
    raise TypeError(default_collate_err_msg_format.format(elem_type))


def _is_real_torch_tensor(obj):
    t = type(obj)
    return any(c.__module__ == "torch" and c.__name__ == "Tensor" for c in t.__mro__)


def _real_torch_to_numpy(t):
    return t.detach().cpu().numpy() if _is_real_torch_tensor(t) else t


def collate_tensor_fn(batch, *, collate_fn_map=None):
    torch = _torch()
    elem = batch[0]
    if elem.is_nested:
        raise RuntimeError("Batches of nested tensors are not currently supported by the default collate_fn; "
                           "please provide a custom collate_fn to handle them appropriately.")
    if elem.layout is not torch.strided:
        raise RuntimeError("Batches of sparse tensors are not currently supported by the default collate_fn; "
                           "please provide a custom collate_fn to handle them appropriately.")
    if _host_stackable(batch, elem):
        # one host-side stack for plain CPU tensors: the same values, dtype and shape as torch.stack
        return torch.from_numpy(np.stack([np.asarray(t._host_values()) for t in batch]))
    return torch.stack(list(batch), 0)


def _host_stackable(batch, elem):
    dt, shape = elem.dtype, elem.shape
    if dt.name in ("bfloat16",) or dt.name.startswith("float8") or dt.is_complex:
        return False
    for t in batch:
        if (type(t) is not type(elem) or t.dtype is not dt or t.shape != shape or t.requires_grad
                or t.device.type != "cpu"):
            return False
    return True


def collate_numpy_array_fn(batch, *, collate_fn_map=None):
    torch = _torch()
    elem = batch[0]
    if np_str_obj_array_pattern.search(elem.dtype.str) is not None:
        raise TypeError(default_collate_err_msg_format.format(elem.dtype))
    if elem.dtype.isnative and all(type(b) is np.ndarray and b.shape == elem.shape and b.dtype == elem.dtype
                                   and all(st >= 0 for st in b.strides) for b in batch):
        # one host stack instead of one tensor per sample: the same values, dtype and shape as torch's path
        return torch.from_numpy(np.stack(batch))
    return collate([torch.as_tensor(b) for b in batch], collate_fn_map=collate_fn_map)


def collate_jax_array_fn(batch, *, collate_fn_map=None):
    return collate_numpy_array_fn([np.asarray(b) for b in batch], collate_fn_map=collate_fn_map)


def collate_numpy_scalar_fn(batch, *, collate_fn_map=None):
    return _torch().as_tensor(list(batch))


def collate_float_fn(batch, *, collate_fn_map=None):
    torch = _torch()
    return torch.tensor(batch, dtype=torch.float64)


def collate_int_fn(batch, *, collate_fn_map=None):
    return _torch().tensor(batch)


def collate_str_fn(batch, *, collate_fn_map=None):
    return batch


def _build_default_map():
    import jax
    torch = _torch()
    return {
        torch.Tensor: collate_tensor_fn,
        np.ndarray: collate_numpy_array_fn,
        (np.bool_, np.number, np.object_): collate_numpy_scalar_fn,
        jax.Array: collate_jax_array_fn,
        float: collate_float_fn,
        int: collate_int_fn,
        str: collate_str_fn,
        bytes: collate_str_fn,
    }


default_collate_fn_map = _build_default_map()


def default_collate(batch):
    """Collate a list of samples into a batch with torch's rules (see the module docstring). The DataLoader's
    collate function when automatic batching is on."""
    return collate(batch, collate_fn_map=default_collate_fn_map)
