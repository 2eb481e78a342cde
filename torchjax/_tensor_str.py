"""Tensor printing: ``repr(tensor)`` / ``str(tensor)`` matching torch 2.13 character for character.

The printer works on the host values of a tensor (a numpy array) and only relies on this protocol of the
tensor object: ``shape``, ``dtype`` (a ``torchjax._dtype.dtype``), ``device`` (``.type`` and ``str()``),
``requires_grad``, ``is_leaf``, ``grad_fn`` (``None`` or an object with ``.name()``) and ``_host_values()``.

Rules reproduced from torch (summarised):

* Floating values are formatted from their exact double value with Python's float formatting.  A single
  format is chosen per tensor from its nonzero finite values (only the printed ones when summarising):
  integer mode (``1.``) when all are integral, scientific mode when max/min > 1000, max > 1e8 or
  min < 1e-4 (or as forced by ``sci_mode``), fixed ``precision`` decimals otherwise; every entry is
  right-aligned to the widest one.
* Complex tensors use one such format for the real parts and one for the imaginary parts.
* Above ``threshold`` elements, each dim longer than ``2 * edgeitems`` is cut to its edges with ``...``.
* 1-d rows wrap so that they fit ``linewidth``; nested dims are separated by ``dim - 1`` newlines.
* Suffixes (device, size, dtype, grad_fn / requires_grad) are appended with ``, `` or on a new line
  when the last line would exceed ``linewidth``.
"""
import contextlib
import dataclasses
import math

import numpy as np

from . import _dtype as _dt

__all__ = ["set_printoptions", "get_printoptions", "printoptions", "tensor_repr", "PRINT_OPTS"]


@dataclasses.dataclass
class _PrintOptions:
    precision: int = 4
    threshold: float = 1000
    edgeitems: int = 3
    linewidth: int = 80
    sci_mode: "bool | None" = None


PRINT_OPTS = _PrintOptions()

_PROFILES = {
    "default": dict(precision=4, threshold=1000, edgeitems=3, linewidth=80),
    "short": dict(precision=2, threshold=1000, edgeitems=2, linewidth=80),
    "full": dict(precision=4, threshold=math.inf, edgeitems=3, linewidth=80),
}


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None, profile=None,
                     sci_mode=None):
    """Set the options used to print tensors (same semantics as ``torch.set_printoptions``).

    ``profile`` ('default', 'short' or 'full') first resets precision/threshold/edgeitems/linewidth;
    explicitly given options then override it.  As in torch, ``sci_mode`` is always assigned, so a call
    without it goes back to automatic scientific notation.
    """
    if profile is not None and profile in _PROFILES:
        for name, value in _PROFILES[profile].items():
            setattr(PRINT_OPTS, name, value)
    for name, value in (("precision", precision), ("threshold", threshold), ("edgeitems", edgeitems),
                        ("linewidth", linewidth)):
        if value is not None:
            setattr(PRINT_OPTS, name, value)
    PRINT_OPTS.sci_mode = sci_mode


def get_printoptions():
    """The current print options, as a dict that can be passed back to ``set_printoptions``."""
    return dataclasses.asdict(PRINT_OPTS)


@contextlib.contextmanager
def printoptions(**kwargs):
    """Temporarily change the print options (arguments as for ``set_printoptions``)."""
    saved = get_printoptions()
    set_printoptions(**kwargs)
    try:
        yield
    finally:
        set_printoptions(**saved)


# ----------------------------------------------------------------------------------------------------------
# element formatting

_E8M0 = "float8_e8m0fnu"


def _fmt_fixed(v):
    return format(v, f".{PRINT_OPTS.precision}f")


def _fmt_sci(v):
    return format(v, f".{PRINT_OPTS.precision}e")


def _fmt_int(v):
    return format(v, ".0f")


def _extremes(vals):
    """The values whose formatted width can be the largest: for each sign, the largest and the smallest
    magnitude (fixed-point width grows with the magnitude; the exponent of scientific notation needs a third
    digit only at the extremes)."""
    out = []
    for part in (vals[vals > 0], vals[vals < 0]):
        if part.size:
            out.append(float(part.max()))
            out.append(float(part.min()))
    if np.isnan(vals).any():  # only float8_e8m0fnu lets nan through as a "nonzero finite" value
        out.append(math.nan)
    return out


class _Formatter:
    """One number format (and common width) for all the elements of a real tensor.

    ``values`` is a flat numpy array: float64 for floating tensors, the raw integers/bools otherwise.
    """

    def __init__(self, values, floating, e8m0=False):
        self.floating = floating
        self.int_mode = True
        self.sci_mode = False
        self.max_width = 1

        if not floating:
            if values.size:
                if values.dtype == np.bool_:
                    cands = [bool(v) for v in np.unique(values)]
                else:
                    cands = [int(values.max()), int(values.min())]
                self.max_width = max(1, max(len(str(v)) for v in cands))
            return

        if e8m0:
            # float8_e8m0fnu has no zero: torch's ``ne(0)`` compares with 0 cast to the dtype, its smallest
            # value 2**-127, and its ``isfinite`` lets nan through.
            nz = values[values != 2.0 ** -127]
        else:
            nz = values[np.isfinite(values) & (values != 0)]
        if nz.size == 0:
            return

        absval = np.abs(nz)
        if np.isnan(absval).any():
            vmin = vmax = math.nan
        else:
            vmin, vmax = float(absval.min()), float(absval.max())
        # nan never equals its ceil, so a nan (float8_e8m0fnu only) clears integer mode
        self.int_mode = bool(np.all(nz == np.ceil(nz)))
        if PRINT_OPTS.sci_mode is None:
            self.sci_mode = vmax / vmin > 1000.0 or vmax > 1.0e8 or vmin < 1.0e-4
        else:
            self.sci_mode = PRINT_OPTS.sci_mode

        cands = _extremes(nz)
        if self.sci_mode:
            widths = [len(_fmt_sci(v)) for v in cands]
        elif self.int_mode:
            widths = [len(_fmt_int(v)) + 1 for v in cands]
        else:
            widths = [len(_fmt_fixed(v)) for v in cands]
        self.max_width = max([self.max_width] + widths)

    def width(self):
        return self.max_width

    def format(self, value):
        if self.floating:
            if self.sci_mode:
                s = _fmt_sci(value)
            elif self.int_mode:
                s = _fmt_int(value)
                if not (math.isinf(value) or math.isnan(value)):
                    s += "."
            else:
                s = _fmt_fixed(value)
        else:
            s = str(value)
        return s.rjust(self.max_width)


def _complex_str(real, imag, fmt_re, fmt_im):
    re_s = fmt_re.format(real)
    im_s = (fmt_im.format(imag) + "j").lstrip()
    if im_s[0] in "+-":
        return re_s + im_s
    return re_s + "+" + im_s


# ----------------------------------------------------------------------------------------------------------
# layout


def _summarized(a):
    """The part of ``a`` that is printed when summarising (what the formatters are computed from)."""
    e = PRINT_OPTS.edgeitems
    if a.ndim == 0:
        return a
    if a.ndim == 1:
        if a.shape[0] > 2 * e:
            # note: with edgeitems == 0 this is a[:0] + a[-0:], i.e. the whole vector, as in torch
            return np.concatenate((a[:e], a[-e:]))
        return a
    if not e:
        return a[tuple(slice(0, 0) for _ in range(a.ndim))]
    n = a.shape[0]
    idx = list(range(e)) + list(range(n - e, n)) if n > 2 * e else range(n)
    return np.stack([_summarized(a[i]) for i in idx])


class _Printer:
    def __init__(self, summarize, fmt1, fmt2=None):
        self.summarize = summarize
        self.fmt1 = fmt1
        self.fmt2 = fmt2

    def elem(self, v):
        if self.fmt2 is not None:
            return _complex_str(v.real, v.imag, self.fmt1, self.fmt2)
        return self.fmt1.format(v)

    def vector(self, row, indent):
        width = self.fmt1.width() + 2
        if self.fmt2 is not None:
            width += self.fmt2.width() + 1
        per_line = max(1, math.floor((PRINT_OPTS.linewidth - indent) / width))
        e = PRINT_OPTS.edgeitems
        if self.summarize and not e:
            items = ["..."]
        elif self.summarize and len(row) > 2 * e:
            items = ([self.elem(v) for v in row[:e]] + [" ..."] + [self.elem(v) for v in row[-e:]])
        else:
            items = [self.elem(v) for v in row]
        lines = [", ".join(items[i:i + per_line]) for i in range(0, len(items), per_line)]
        return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"

    def block(self, a, indent):
        """The text of numpy array ``a`` (float64 / complex128 / ints / bools) at ``indent``."""
        if a.ndim == 0:
            return self.elem(a.item())
        if a.ndim == 1:
            return self.vector(a.tolist(), indent)
        n = a.shape[0]
        e = PRINT_OPTS.edgeitems
        if self.summarize and n > 2 * e:
            parts = ([self.block(a[i], indent + 1) for i in range(e)] + ["..."]
                     + [self.block(a[i], indent + 1) for i in range(n - e, n)])
        else:
            parts = [self.block(a[i], indent + 1) for i in range(n)]
        return "[" + ("," + "\n" * (a.ndim - 1) + " " * (indent + 1)).join(parts) + "]"


def _host_array(t):
    """The values as float64 / complex128 numpy (exact for every torch float type) or raw ints/bools."""
    a = np.asarray(t._host_values())
    d = t.dtype
    if d.is_complex:
        return a.astype(np.complex128)
    if d.is_floating_point:
        return a.astype(np.float64)
    if d.name == "bool":
        return a.astype(np.bool_)
    return a


def _tensor_str(t, indent):
    shape = tuple(t.shape)
    numel = math.prod(shape)
    if numel == 0:
        return "[]"
    summarize = numel > PRINT_OPTS.threshold
    a = _host_array(t)
    d = t.dtype

    def formatter(part, floating):
        src = _summarized(part) if summarize else part
        return _Formatter(src.reshape(-1), floating, e8m0=d.name == _E8M0)

    if d.is_complex:
        p = _Printer(summarize, formatter(a.real, True), formatter(a.imag, True))
    else:
        p = _Printer(summarize, formatter(a, d.is_floating_point))
    return p.block(a, indent)


def _add_suffixes(text, suffixes, indent):
    out = [text]
    last_line_len = len(text) - text.rfind("\n") + 1
    for suffix in suffixes:
        if last_line_len + len(suffix) + 2 > PRINT_OPTS.linewidth:
            out.append(",\n" + " " * indent + suffix)
            last_line_len = indent + len(suffix)
        else:
            out.append(", " + suffix)
            last_line_len += len(suffix) + 2
    out.append(")")
    return "".join(out)


def _check_supported(t):
    """Reject the tensor kinds this printer does not know (the protocol does not produce them yet)."""
    if getattr(t, "is_sparse", False):
        raise NotImplementedError("torchjax: printing sparse tensors is not supported")
    layout = getattr(t, "layout", None)
    if layout is not None and "strided" not in str(layout):
        raise NotImplementedError(f"torchjax: printing tensors with layout {layout} (sparse) is not supported")
    if getattr(t, "is_quantized", False) or getattr(t.dtype, "_kind", None) == "q":
        raise NotImplementedError("torchjax: printing quantized tensors is not supported")
    if getattr(t, "is_nested", False):
        raise NotImplementedError("torchjax: printing nested tensors is not supported")
    names = getattr(t, "names", None)
    if names is not None and any(n is not None for n in names):
        raise NotImplementedError("torchjax: printing named tensors is not supported")


def tensor_repr(t, *, tensor_contents=None):
    """What ``repr(t)`` (and ``str(t)``) is for the equivalent torch tensor."""
    _check_supported(t)
    prefix = "tensor("
    indent = len(prefix)
    suffixes = []

    if t.device.type != "cpu":
        suffixes.append("device='" + str(t.device) + "'")

    default = _dt.get_default_dtype()
    default_complex = _dt.complex128 if default.name == "float64" else _dt.complex64
    dname = t.dtype.name
    shape = tuple(t.shape)
    if math.prod(shape) == 0:
        if len(shape) != 1:
            suffixes.append("size=" + str(shape))
        # nothing to infer an integer dtype from: any non-default dtype is shown
        if dname != default.name:
            suffixes.append("dtype=" + repr(t.dtype))
        text = "[]" if tensor_contents is None else tensor_contents
    else:
        if not PRINT_OPTS.edgeitems:
            suffixes.append("size=" + str(shape))
        if dname not in (default.name, default_complex.name, "int64", "bool"):
            suffixes.append("dtype=" + repr(t.dtype))
        text = _tensor_str(t, indent) if tensor_contents is None else tensor_contents

    grad_fn = t.grad_fn
    if grad_fn is not None:
        suffixes.append("grad_fn=<" + grad_fn.name().rsplit("::", 1)[-1] + ">")
    elif t.requires_grad:
        suffixes.append("requires_grad=True")

    return _add_suffixes(prefix + text, suffixes, indent)
