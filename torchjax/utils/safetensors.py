"""The safetensors format (`safetensors.torch`'s API shape), for torchjax tensors, with no torch dependency.

A file is an 8-byte little-endian header length N, N bytes of JSON header (`{"__metadata__": {str: str},
name: {"dtype": "F32", "shape": [...], "data_offsets": [begin, end]}, ...}`, padded with spaces to a multiple of
8 bytes), then the tensors' raw little-endian bytes, back to back, offsets relative to the end of the header.
Tensors are laid out by dtype (widest first), then by name, as the reference writer lays them out.
"""
import json
import math
import os
import struct
import sys

import jax
import numpy as np

from .. import _dtype as D

__all__ = ["save", "save_file", "load", "load_file", "SafetensorError"]

_MAX_HEADER = 100_000_000

_CODES = {
    "F64": D.float64, "F32": D.float32, "F16": D.float16, "BF16": D.bfloat16, "I64": D.int64, "I32": D.int32,
    "I16": D.int16, "I8": D.int8, "U8": D.uint8, "BOOL": D.bool, "U64": D.uint64, "U32": D.uint32,
    "U16": D.uint16, "C64": D.complex64, "F8_E4M3": D.float8_e4m3fn, "F8_E4M3FNUZ": D.float8_e4m3fnuz,
    "F8_E5M2": D.float8_e5m2, "F8_E5M2FNUZ": D.float8_e5m2fnuz, "F8_E8M0": D.float8_e8m0fnu,
}
_CODE_OF = {d.name: c for c, d in _CODES.items()}
# the reference writer lays tensors out by this dtype order (descending), then by name
_RANK = {c: i for i, c in enumerate(["BOOL", "U8", "I8", "F8_E5M2", "F8_E4M3", "F8_E8M0", "F8_E4M3FNUZ", "F8_E5M2FNUZ",
                                     "I16", "U16", "F16", "BF16", "I32", "U32", "F32", "C64", "F64", "I64", "U64"])}


class SafetensorError(Exception):
    """A malformed safetensors file (the reference library raises an exception of this name)."""


# ---- save -------------------------------------------------------------------------------------------------------
def _check(tensors):
    from .._tensor import Tensor
    if not isinstance(tensors, dict):
        raise ValueError(f"Expected a dict of [str, torch.Tensor] but received {type(tensors)}")
    for k, v in tensors.items():
        if not isinstance(v, Tensor):
            raise ValueError(f"Key `{k}` is invalid, expected torch.Tensor but received {type(v)}")
        if not isinstance(k, str):
            raise TypeError(f"safetensors: tensor names must be str, got {type(k).__name__}")
    by_cell = {}
    for k, v in tensors.items():
        start = v._offset * v._dtype.itemsize
        by_cell.setdefault(id(v._storage), []).append((start, start + v.nbytes, k))
    failing = []
    for spans in by_cell.values():
        group = {k0 for i, (s0, e0, k0) in enumerate(spans) for j, (s1, e1, k1) in enumerate(spans)
                 if i != j and s0 < e0 and s1 < e1 and s0 < e1 and s1 < e0}
        if group:
            failing.append(group)
    if failing:
        raise RuntimeError(f"\n            Some tensors share memory, this will lead to duplicate memory on disk and "
                           f"potential differences when loading them again: {failing}.\n            A potential way to "
                           "correctly save your model is to use `save_model`.\n            More information at "
                           "https://huggingface.co/docs/safetensors/torch_shared_tensors\n            ")
    for k, v in tensors.items():
        if not v.is_contiguous():
            raise ValueError(f"You are trying to save a non contiguous tensor: `{k}` which is not allowed. It either "
                             "means you are trying to save tensors which are reference of each other in which case "
                             "it's recommended to save only the full tensors, and reslice at load time, or simply "
                             "call `.contiguous()` on your tensor to pack it before saving.")
        if v._dtype.name not in _CODE_OF:
            raise ValueError(f"safetensors: dtype {v._dtype} is not supported by the safetensors format")


def _serialize(tensors, metadata):
    """(header bytes, list of uint8 arrays) for a dict of tensors."""
    _check(tensors)
    if metadata is not None:
        if not isinstance(metadata, dict):
            raise TypeError(f"argument 'metadata': '{type(metadata).__name__}' object is not a dict")
        for k, v in metadata.items():
            if not isinstance(k, str) or not isinstance(v, str):
                bad = k if not isinstance(k, str) else v
                raise TypeError(f"argument 'metadata': '{type(bad).__name__}' object is not an instance of 'str'")
    order = sorted(tensors, key=lambda k: (-_RANK[_CODE_OF[tensors[k]._dtype.name]], k))
    header = {}
    if metadata:
        header["__metadata__"] = dict(metadata)
    chunks, pos = [], 0
    for k in order:
        t = tensors[k]
        v = t.detach()._value()
        if isinstance(v, jax.core.Tracer):
            raise RuntimeError("safetensors: cannot save a tensor inside a compiled function (its value is a JAX "
                               "tracer)")
        arr = np.ascontiguousarray(np.asarray(v))
        if sys.byteorder == "big":
            arr = arr.byteswap()
        b = arr.reshape(-1).view(np.uint8)
        header[k] = {"dtype": _CODE_OF[t._dtype.name], "shape": list(t.shape), "data_offsets": [pos, pos + b.size]}
        chunks.append(b)
        pos += b.size
    text = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text, chunks


def save(tensors, metadata=None):
    """The safetensors bytes of a dict of tensors (contiguous, not sharing memory)."""
    head, chunks = _serialize(tensors, metadata)
    return head + b"".join(c.tobytes() for c in chunks)


def save_file(tensors, filename, metadata=None):
    """Write a dict of tensors to `filename` in the safetensors format (atomically: temp file + rename)."""
    head, chunks = _serialize(tensors, metadata)
    from ..serialization import _atomic_write

    def write(fh):
        fh.write(head)
        for c in chunks:
            fh.write(memoryview(c))
    _atomic_write(os.fspath(filename), write)


# ---- load -------------------------------------------------------------------------------------------------------
def _parse(buf):
    """[(name, dtype, shape, begin, end)] in data order, metadata, and where the data starts, for safetensors bytes."""
    total = len(buf)
    if total < 8:
        raise SafetensorError("Error while deserializing header: HeaderTooSmall")
    (n,) = struct.unpack("<Q", bytes(buf[:8]))
    if n > _MAX_HEADER:
        raise SafetensorError("Error while deserializing header: HeaderTooLarge")
    if n > total - 8:
        raise SafetensorError("Error while deserializing header: InvalidHeaderLength")
    raw = bytes(buf[8:8 + n])
    try:
        header = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        raise SafetensorError(f"Error while deserializing header: invalid JSON in header: {e}") from None
    if not raw.startswith(b"{") or not isinstance(header, dict):
        raise SafetensorError("Error while deserializing header: InvalidHeaderStart")
    metadata = header.pop("__metadata__", None)
    if metadata is not None and (not isinstance(metadata, dict) or
                                 not all(isinstance(k, str) and isinstance(v, str) for k, v in metadata.items())):
        raise SafetensorError("Error while deserializing header: __metadata__ must map str to str")
    entries = []
    for name, info in header.items():
        if not isinstance(info, dict) or set(info) != {"dtype", "shape", "data_offsets"}:
            raise SafetensorError(f"Error while deserializing header: invalid entry for tensor {name!r}")
        code, shape, offsets = info["dtype"], info["shape"], info["data_offsets"]
        if code not in _CODES:
            raise SafetensorError(f"Error while deserializing header: unknown dtype {code!r}")
        if not isinstance(shape, list) or any(not isinstance(s, int) or isinstance(s, bool) or s < 0 for s in shape):
            raise SafetensorError(f"Error while deserializing header: invalid shape for tensor {name!r}")
        if not isinstance(offsets, list) or len(offsets) != 2 or \
                any(not isinstance(o, int) or isinstance(o, bool) or o < 0 for o in offsets) or offsets[1] < offsets[0]:
            raise SafetensorError(f"Error while deserializing header: InvalidOffset({name})")
        dt = _CODES[code]
        if offsets[1] - offsets[0] != math.prod(shape) * dt.itemsize:
            raise SafetensorError(f"Error while deserializing header: TensorInvalidInfo for {name!r}")
        entries.append((name, dt, tuple(shape), offsets[0], offsets[1]))
    entries.sort(key=lambda e: (e[3], e[4]))
    pos = 0
    for name, _, _, b, e in entries:
        if b != pos:
            raise SafetensorError(f"Error while deserializing header: InvalidOffset({name})")
        pos = e
    if pos != total - 8 - n:
        raise SafetensorError("Error while deserializing header: MetadataIncompleteBuffer")
    return entries, metadata, 8 + n


def _device(device):
    from .._device import canonical, device as device_cls
    if isinstance(device, int) and not isinstance(device, bool):
        return canonical(device_cls("cuda", device))
    return canonical(device)


def _tensors(buf, device):
    from .._device import jax_device
    from .._tensor import wrap
    entries, _, start = _parse(buf)
    dev = _device(device)
    jd = jax_device(dev)
    out = {}
    for name, dt, shape, b, e in entries:
        arr = np.frombuffer(buf, dtype=np.uint8, count=e - b, offset=start + b).view(D.to_np(dt))
        if sys.byteorder == "big":
            arr = arr.byteswap()
        out[name] = wrap(jax.device_put(arr.reshape(shape), jd), dev)
    return out


def load(data):
    """A dict of tensors (on the CPU) from safetensors bytes."""
    return _tensors(bytes(data), "cpu")


def load_file(filename, device="cpu"):
    """A dict of tensors from a safetensors file, placed on `device` ('cpu', 'cuda', 'cuda:N' or an index)."""
    # read into (immutable) memory rather than mapping the file: on the CPU, jax.device_put may alias an aligned
    # host buffer, and a mapped file can change underneath the tensors
    with open(filename, "rb") as fh:
        data = fh.read()
    return _tensors(data, device)


def load_metadata(filename):
    """The `__metadata__` dict of a safetensors file (None if it has none)."""
    with open(filename, "rb") as fh:
        head = fh.read(8)
        if len(head) < 8:
            raise SafetensorError("Error while deserializing header: HeaderTooSmall")
        (n,) = struct.unpack("<Q", head)
        rest = fh.read(min(n, _MAX_HEADER + 1))
    if n > _MAX_HEADER:
        raise SafetensorError("Error while deserializing header: HeaderTooLarge")
    try:
        header = json.loads(rest.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        raise SafetensorError(f"Error while deserializing header: invalid JSON in header: {e}") from None
    return header.get("__metadata__") if isinstance(header, dict) else None
