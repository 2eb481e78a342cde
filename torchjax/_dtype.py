"""torch dtypes as objects over numpy/JAX dtypes, and torch's type-promotion rules (not numpy's)."""
import math as _math

import ml_dtypes
import numpy as np

__all__ = ["dtype", "finfo", "iinfo", "get_default_dtype", "set_default_dtype", "promote_types"]


class dtype:
    __slots__ = ("name", "np", "is_floating_point", "is_complex", "is_signed", "itemsize", "_kind")

    def __init__(self, name, np_dtype, kind, itemsize, signed):
        self.name = name
        self.np = None if np_dtype is None else np.dtype(np_dtype)
        self._kind = kind  # 'b' bool, 'u' barebones unsigned (uint16+), 'i' int/uint8, 'f', 'c', 'q' quantized/bits
        self.is_floating_point = kind == "f"
        self.is_complex = kind == "c"
        self.is_signed = signed
        self.itemsize = itemsize

    def __repr__(self):
        return "torch." + self.name

    def __reduce__(self):
        return self.name

    def to_complex(self):
        return {"float16": complex32, "float32": complex64, "float64": complex128}.get(self.name, self)

    def to_real(self):
        return {"complex32": float16, "complex64": float32, "complex128": float64}.get(self.name, self)


def _d(name, np_dtype, kind, itemsize, signed=True):
    return dtype(name, np_dtype, kind, itemsize, signed)


bool = _d("bool", np.bool_, "b", 1, False)  # noqa: A001 - torch.bool
uint8 = _d("uint8", np.uint8, "i", 1, False)
int8 = _d("int8", np.int8, "i", 1)
int16 = _d("int16", np.int16, "i", 2)
int32 = _d("int32", np.int32, "i", 4)
int64 = _d("int64", np.int64, "i", 8)
uint16 = _d("uint16", np.uint16, "u", 2, False)
uint32 = _d("uint32", np.uint32, "u", 4, False)
uint64 = _d("uint64", np.uint64, "u", 8, False)
float16 = _d("float16", np.float16, "f", 2)
bfloat16 = _d("bfloat16", ml_dtypes.bfloat16, "f", 2)
float32 = _d("float32", np.float32, "f", 4)
float64 = _d("float64", np.float64, "f", 8)
complex32 = _d("complex32", None, "c", 4)
complex64 = _d("complex64", np.complex64, "c", 8)
complex128 = _d("complex128", np.complex128, "c", 16)
float8_e4m3fn = _d("float8_e4m3fn", ml_dtypes.float8_e4m3fn, "f", 1)
float8_e5m2 = _d("float8_e5m2", ml_dtypes.float8_e5m2, "f", 1)
float8_e4m3fnuz = _d("float8_e4m3fnuz", ml_dtypes.float8_e4m3fnuz, "f", 1)
float8_e5m2fnuz = _d("float8_e5m2fnuz", ml_dtypes.float8_e5m2fnuz, "f", 1)
float8_e8m0fnu = _d("float8_e8m0fnu", ml_dtypes.float8_e8m0fnu, "f", 1, False)
quint8 = _d("quint8", None, "q", 1, False)
qint8 = _d("qint8", None, "q", 1)
qint32 = _d("qint32", None, "q", 4)
quint4x2 = _d("quint4x2", None, "q", 1, False)
quint2x4 = _d("quint2x4", None, "q", 1, False)

# torch's aliases
half, float, double = float16, float32, float64  # noqa: A001
cfloat, cdouble, chalf = complex64, complex128, complex32
short, int, long = int16, int32, int64  # noqa: A001

ALL = [bool, uint8, int8, int16, int32, int64, uint16, uint32, uint64, float16, bfloat16, float32, float64,
       complex32, complex64, complex128, float8_e4m3fn, float8_e5m2, float8_e4m3fnuz, float8_e5m2fnuz,
       float8_e8m0fnu, quint8, qint8, qint32, quint4x2, quint2x4]
BY_NAME = {d.name: d for d in ALL}
_FROM_NP = {d.np: d for d in ALL if d.np is not None}
ALIASES = {"half": half, "float": float, "double": double, "cfloat": cfloat, "cdouble": cdouble, "chalf": chalf,
           "short": short, "int": int, "long": long}


def from_np(np_dtype):
    """The torch dtype of a numpy/JAX dtype."""
    try:
        return _FROM_NP[np_dtype]
    except KeyError:
        d = _FROM_NP.get(np.dtype(np_dtype))
        if d is None:
            raise TypeError(f"can't convert np.ndarray of type {np.dtype(np_dtype)}. The only supported types are: "
                            "float64, float32, float16, complex64, complex128, int64, int32, int16, int8, uint64, "
                            "uint32, uint16, uint8, and bool.") from None
        return d


def to_np(d):
    if d.np is None:
        raise NotImplementedError(f"torchjax: dtype {d} is not supported (no JAX equivalent)")
    return d.np


_default_dtype = float32


def get_default_dtype():
    return _default_dtype


def set_default_dtype(d):
    global _default_dtype
    if not isinstance(d, dtype):
        raise TypeError(f"invalid dtype object: only floating-point types are supported as the default type")
    if d._kind not in "fc" or d.np is None or d.itemsize == 1 or d.is_complex:
        raise TypeError("only floating-point types are supported as the default type")
    _default_dtype = d


def default_complex_dtype():
    return _default_dtype.to_complex()


def _unsupported(a, b):
    raise RuntimeError(f"Promotion for uint16, uint32, uint64 types is not supported, attempted to promote "
                       f"{_scalar_name(a)} and {_scalar_name(b)}")


def _scalar_name(d):
    return {"bool": "Bool", "uint8": "Byte", "int8": "Char", "int16": "Short", "int32": "Int", "int64": "Long",
            "uint16": "UInt16", "uint32": "UInt32", "uint64": "UInt64", "float16": "Half", "bfloat16": "BFloat16",
            "float32": "Float", "float64": "Double", "complex32": "ComplexHalf", "complex64": "ComplexFloat",
            "complex128": "ComplexDouble"}.get(d.name, d.name)


def _promote_float(a, b):
    if a is None or a is b:
        return b
    if b is None:
        return a
    if {a.name, b.name} == {"float16", "bfloat16"}:
        return float32
    return a if a.itemsize > b.itemsize else b


def _promote(a, b):
    if a is b:
        return a
    ka, kb = a._kind, b._kind
    if "q" in (ka, kb) or a.itemsize == 1 and ka == "f" or b.itemsize == 1 and kb == "f":
        raise RuntimeError(f"Promotion for {a} and {b} is not supported")
    if "u" in (ka, kb):
        if ka == "f":
            return a
        if kb == "f":
            return b
        _unsupported(a, b)
    if ka == "c" or kb == "c":
        real = _promote_float(a.to_real() if ka in "cf" else None, b.to_real() if kb in "cf" else None)
        return real.to_complex()
    if ka == "f" or kb == "f":
        return _promote_float(a if ka == "f" else None, b if kb == "f" else None)
    if ka == "b":
        return b
    if kb == "b":
        return a
    # integers (signed, and uint8)
    if a.is_signed and b.is_signed:
        return a if a.itemsize > b.itemsize else b
    s = a if a.is_signed else b
    return s if s.itemsize > 1 else int16


_PROMOTE_CACHE = {}


def promote_types(a, b):
    key = (a, b)
    r = _PROMOTE_CACHE.get(key)
    if r is None:
        r = _PROMOTE_CACHE[key] = _promote(a, b)
    return r


def category(d):
    """0 bool, 1 integer, 2 floating, 3 complex (torch's promotion categories)."""
    return {"b": 0, "i": 1, "u": 1, "f": 2, "c": 3, "q": 1}[d._kind]


def can_cast(from_, to):
    """torch.can_cast: no casting to a lower category (complex->float, float->int, int->bool)."""
    return category(from_) <= category(to)


class finfo:
    def __init__(self, type=None):  # noqa: A002 - torch's parameter name
        type = type or _default_dtype
        if not (type.is_floating_point or type.is_complex):
            raise TypeError(f"torch.finfo() requires a floating point input type. Use torch.iinfo to handle '{type}'")
        real = type.to_real()
        self.dtype = real.name
        fi = ml_dtypes.finfo(to_np(real))
        self.bits = fi.bits
        self.eps = builtins_float(fi.eps)
        self.max = builtins_float(fi.max)
        self.min = builtins_float(fi.min)
        self.tiny = self.smallest_normal = builtins_float(fi.smallest_normal)
        self.resolution = 10.0 ** -_math.floor(-_math.log10(self.eps))

    def __repr__(self):
        return (f"finfo(resolution={self.resolution:g}, min={self.min:g}, max={self.max:g}, eps={self.eps:g}, "
                f"smallest_normal={self.smallest_normal:g}, tiny={self.tiny:g}, dtype={self.dtype})")


class iinfo:
    def __init__(self, type):  # noqa: A002
        if type.is_floating_point or type.is_complex or type._kind == "q":
            raise TypeError(f"torch.iinfo() requires an integer input type. Use torch.finfo to handle '{type}'")
        ii = np.iinfo(to_np(type)) if type is not bool else None
        self.dtype = type.name
        self.bits = 8 if ii is None else ii.bits
        self.min = 0 if ii is None else builtins_int(ii.min)
        self.max = 1 if ii is None else builtins_int(ii.max)

    def __repr__(self):
        return f"iinfo(min={self.min}, max={self.max}, dtype={self.dtype})"


import builtins as _builtins  # noqa: E402 - the module shadows float/int/bool above

builtins_float, builtins_int = _builtins.float, _builtins.int
