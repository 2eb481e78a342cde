"""torchjax's tensor printing against real torch's repr, character for character.

Real tensors are wrapped in a shim exposing exactly the protocol torchjax Tensors provide to the printer
(shape, dtype, device, requires_grad, is_leaf, grad_fn, _host_values), and ``tensor_repr(shim)`` must equal
``repr(torch_tensor)``.
"""
import itertools
import math
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")
ml_dtypes = pytest.importorskip("ml_dtypes")

from torchjax import _dtype as tj_dtype  # noqa: E402
from torchjax import _tensor_str as ts  # noqa: E402

warnings.filterwarnings("ignore", message="ComplexHalf support is experimental")


# ---------------------------------------------------------------------------------------------------------
# the shim


class _Device:
    def __init__(self, s):
        self._s = s
        self.type = s.split(":")[0]

    def __str__(self):
        return self._s


class _GradFn:
    def __init__(self, node):
        self._name = type(node).__name__

    def name(self):
        return self._name


_VIA_FLOAT32 = {"bfloat16": ml_dtypes.bfloat16, "float8_e4m3fn": ml_dtypes.float8_e4m3fn,
                "float8_e5m2": ml_dtypes.float8_e5m2, "float8_e4m3fnuz": ml_dtypes.float8_e4m3fnuz,
                "float8_e5m2fnuz": ml_dtypes.float8_e5m2fnuz, "float8_e8m0fnu": ml_dtypes.float8_e8m0fnu}


class Shim:
    """A real torch tensor seen through the torchjax printing protocol, nothing more."""

    def __init__(self, t, device=None):
        self._t = t
        self.shape = tuple(t.shape)
        self.dtype = tj_dtype.BY_NAME[str(t.dtype).split(".")[-1]]
        self.device = _Device(device or str(t.device))
        self.requires_grad = t.requires_grad
        self.is_leaf = t.is_leaf
        self.grad_fn = None if t.grad_fn is None else _GradFn(t.grad_fn)

    def _host_values(self):
        t = self._t.detach()
        name = self.dtype.name
        if name in _VIA_FLOAT32:
            return t.float().numpy().astype(_VIA_FLOAT32[name])
        if name == "complex32":
            return t.to(torch.complex64).numpy()
        return t.numpy()


def check(t, device=None, **contents):
    expected = repr(t) if device is None else _torch_repr_on(t, device)
    if device is None:
        assert str(t) == expected
    got = ts.tensor_repr(Shim(t, device), **contents)
    assert got == expected, f"\n--- torch ---\n{expected}\n--- torchjax ---\n{got}"


def _torch_repr_on(t, device):
    """torch's repr of ``t`` as if it lived on ``device`` (no GPU here): torch is made to believe its default
    device is not the CPU, so that it emits its device suffix, which is then renamed before torch lays out
    the suffixes (their wrapping depends on the suffix's length)."""
    import torch._tensor_str as tts

    real_default, real_add = torch._C._get_default_device, tts._add_suffixes

    def add_suffixes(tensor_str, suffixes, indent, force_newline):
        suffixes = ["device='" + device + "'" if s == "device='cpu'" else s for s in suffixes]
        return real_add(tensor_str, suffixes, indent, force_newline)

    torch._C._get_default_device = lambda: "not-cpu"
    tts._add_suffixes = add_suffixes
    try:
        out = repr(t)
    finally:
        torch._C._get_default_device, tts._add_suffixes = real_default, real_add
    assert "device='" + device + "'" in out
    return out


@pytest.fixture(autouse=True)
def _restore():
    yield
    torch.set_printoptions(profile="default")
    ts.set_printoptions(profile="default")
    torch.set_default_dtype(torch.float32)
    tj_dtype.set_default_dtype(tj_dtype.float32)


def set_opts(**kw):
    torch.set_printoptions(**kw)
    ts.set_printoptions(**kw)
    assert ts.get_printoptions() == torch._tensor_str.get_printoptions()


def set_default(name):
    torch.set_default_dtype(getattr(torch, name))
    tj_dtype.set_default_dtype(tj_dtype.BY_NAME[name])


# ---------------------------------------------------------------------------------------------------------
# values

FLOAT_DTYPES = ["float32", "float64", "float16", "bfloat16"]
FLOAT8_DTYPES = ["float8_e4m3fn", "float8_e5m2", "float8_e4m3fnuz", "float8_e5m2fnuz", "float8_e8m0fnu"]
COMPLEX_DTYPES = ["complex64", "complex128", "complex32"]
INT_DTYPES = ["uint8", "int8", "int16", "int32", "int64", "uint16", "uint32", "uint64"]
ALL_DTYPES = ["bool"] + INT_DTYPES + FLOAT_DTYPES + FLOAT8_DTYPES + COMPLEX_DTYPES

FLOAT_KINDS = ["normal", "small", "int", "bigint", "wide", "tiny", "huge", "special", "zeros", "nan",
               "infs", "negzero", "intspecial", "near1000", "round9"]


def float_values(rng, kind, n):
    if kind == "normal":
        return rng.standard_normal(n)
    if kind == "small":
        return rng.standard_normal(n) * 1e-3
    if kind == "int":
        return rng.integers(-50, 50, n).astype(float)
    if kind == "bigint":
        return rng.integers(-10**9, 10**9, n).astype(float)
    if kind == "wide":
        return 10 ** rng.uniform(-8, 12, n) * rng.choice([-1, 1], n)
    if kind == "tiny":
        return rng.standard_normal(n) * 1e-8
    if kind == "huge":
        return rng.standard_normal(n) * 1e12
    if kind == "special":
        v = rng.standard_normal(n) * 10
        m = rng.random(n)
        v[m < 0.15] = np.inf
        v[(m >= 0.15) & (m < 0.3)] = -np.inf
        v[(m >= 0.3) & (m < 0.45)] = np.nan
        v[(m >= 0.45) & (m < 0.55)] = -0.0
        return v
    if kind == "zeros":
        return np.zeros(n)
    if kind == "nan":
        return np.full(n, np.nan)
    if kind == "infs":
        return rng.choice([np.inf, -np.inf, 0.0], n)
    if kind == "negzero":
        return rng.choice([-0.0, 0.0, 1.0, -2.0], n)
    if kind == "intspecial":
        return rng.choice([np.inf, -np.inf, np.nan, 3.0, -7.0, 120.0, -0.0], n)
    if kind == "near1000":  # ratio max/min right around the sci-mode switch
        return rng.choice([1.0, 999.0, 1000.0, 1000.5, 0.5, 500.25], n)
    if kind == "round9":  # values that round up to an extra digit
        return rng.choice([9.99996, -9.99996, 99.99999, 0.99999, 1e-4, 9.9999e7, 1e8], n)
    raise AssertionError(kind)


def make_tensor(dtype, shape, kind="normal", seed=0):
    rng = np.random.default_rng(seed)
    n = math.prod(shape)
    tdt = getattr(torch, dtype)
    if dtype == "bool":
        return torch.from_numpy(rng.random(n) < 0.5).reshape(shape)
    if dtype in INT_DTYPES:
        info = np.iinfo(dtype)
        span = {"normal": (-100, 100), "wide": (info.min, info.max), "small": (0, 10)}.get(kind, (-1000, 1000))
        lo, hi = max(span[0], info.min), min(span[1], info.max)
        v = rng.integers(lo, hi, n, dtype=np.dtype(dtype), endpoint=True)
        return torch.from_numpy(v.astype(dtype)).reshape(shape)
    if dtype in COMPLEX_DTYPES:
        re_kind, _, im_kind = kind.partition("/")
        v = float_values(rng, re_kind, n) + 1j * float_values(rng, im_kind or re_kind, n)
        return torch.from_numpy(v).reshape(shape).to(tdt)
    with np.errstate(all="ignore"):
        v = float_values(rng, kind, n)
    return torch.from_numpy(v).reshape(shape).to(tdt)


SHAPES = [(), (1,), (4,), (3, 4), (2, 3, 4), (2, 2, 2, 3), (17,), (3, 25)]
EMPTY_SHAPES = [(0,), (0, 3), (3, 0), (2, 0, 4), (0, 0), (1, 1, 0)]
BIG_SHAPES = [(1001,), (40, 40), (5, 300), (12, 12, 12), (3, 4, 5, 30), (2000, 1)]


def kinds_for(dtype):
    if dtype == "bool":
        return ["normal"]
    if dtype in INT_DTYPES:
        return ["normal", "wide", "small"]
    if dtype in COMPLEX_DTYPES:
        return ["normal", "int", "wide", "special", "int/normal", "zeros/negzero", "tiny/huge", "nan/int",
                "negzero/int", "intspecial"]
    return FLOAT_KINDS


SWEEP = [(d, s, k) for d in ALL_DTYPES for s in SHAPES for k in kinds_for(d)]


@pytest.mark.parametrize("dtype,shape,kind", SWEEP)
def test_sweep(dtype, shape, kind):
    check(make_tensor(dtype, shape, kind, seed=hash((dtype, shape, kind)) % 2**32))


@pytest.mark.parametrize("dtype,shape", list(itertools.product(ALL_DTYPES, EMPTY_SHAPES)))
def test_empty(dtype, shape):
    check(torch.empty(shape, dtype=getattr(torch, dtype)))


@pytest.mark.parametrize("dtype,shape,kind", [(d, s, k) for d in ALL_DTYPES for s in BIG_SHAPES
                                              for k in kinds_for(d)[:3]])
def test_summarized(dtype, shape, kind):
    check(make_tensor(dtype, shape, kind, seed=len(shape)))


@pytest.mark.parametrize("exp", range(-12, 16))
@pytest.mark.parametrize("dtype", ["float32", "float64", "complex128"])
def test_magnitudes(exp, dtype):
    rng = np.random.default_rng(exp + 100)
    v = rng.standard_normal(12) * 10.0 ** exp
    t = torch.from_numpy(v).to(getattr(torch, dtype))
    check(t)
    check(t.reshape(3, 4))
    check(t[0])
    check(torch.complex(t.real.round(), t.imag.round()) if t.is_complex() else t.round())


def test_integer_valued_floats():
    check(torch.tensor([1., 2.]))
    check(torch.tensor([1., -2., 3000.]))
    check(torch.tensor([1e8, 1.]))
    check(torch.tensor([1e9, 1.]))
    check(torch.tensor(5.))
    check(torch.tensor(-0.))
    check(torch.tensor([0., -0.]))
    check(torch.tensor([float("inf"), 1.]))
    check(torch.tensor([float("nan"), -1.]))
    check(torch.tensor([float("nan"), 1.5]))
    check(torch.tensor([1e-5, 1.]))
    check(torch.tensor([123456789., 0.5]))
    check(torch.tensor([2. ** 60]))
    check(torch.tensor([3e38, -3e38]))
    check(torch.tensor([1e308, 1e-308], dtype=torch.float64))
    check(torch.tensor([5e-324, 1.], dtype=torch.float64))
    check(torch.tensor([1e100, 1.], dtype=torch.float64))
    check(torch.tensor([1e-100, 1.], dtype=torch.float64))
    check(torch.tensor([65504., 1.], dtype=torch.float16))
    check(torch.tensor([6e-8, 1.], dtype=torch.float16))


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "bfloat16", "complex128"])
def test_sci_mode_boundaries(dtype):
    d = getattr(torch, dtype)
    for vals in ([1e-4, 0.5], [1e-4, 0.05], [1e8, 1e6], [1e8 + 8, 1e6], [1e8, 0.5], [1.0, 1000.0], [0.5, 500.0],
                 [0.5, 500.5], [1e-4], [1e8], [-1e-4, 1e-3], [0.001, 1.0], [0.00099, 0.5], [99999999.0, 1.5]):
        check(torch.tensor(vals, dtype=torch.float64).to(d))


def test_scalars():
    for d in ALL_DTYPES:
        check(make_tensor(d, (), "normal", seed=3))
    check(torch.tensor(True))
    check(torch.tensor(2 ** 63, dtype=torch.uint64))
    check(torch.tensor(2 ** 64 - 1, dtype=torch.uint64))
    check(torch.tensor(-2 ** 63))
    check(torch.tensor(1 + 2j))
    check(torch.tensor(-0.0 - 0.0j))
    check(torch.tensor(complex(float("nan"), float("inf"))))
    check(torch.tensor(complex(1.5, -float("inf"))))


def test_float8_specials():
    v = torch.tensor([0.25, 1, 2, 1e30, float("nan"), 448, -0.0, 1e-3, float("inf")])
    for d in FLOAT8_DTYPES:
        check(v.to(getattr(torch, d)))
        check(v[:4].to(getattr(torch, d)))
        check(torch.tensor([1., 2., 4.]).to(getattr(torch, d)))
        check(torch.tensor([float("nan"), 4.]).to(getattr(torch, d)))
    for sci in (True, False):
        set_opts(sci_mode=sci)
        check(v.to(torch.float8_e8m0fnu))
        check(torch.tensor([1., 2., 4.]).to(torch.float8_e8m0fnu))


def test_bool_and_ints():
    check(torch.tensor([True, False, True]))
    check(torch.tensor([True, True]))
    check(torch.tensor([[True], [False]]))
    check(torch.arange(10))
    check(torch.arange(-5, 5).reshape(2, 5))
    check(torch.tensor([2 ** 64 - 1, 3], dtype=torch.uint64))
    check(torch.tensor([-2 ** 63, 2 ** 63 - 1]))
    check(torch.arange(2000))
    check(torch.arange(2000, dtype=torch.int8))


# ---------------------------------------------------------------------------------------------------------
# print options

OPTION_SETS = [
    dict(precision=0), dict(precision=1), dict(precision=2), dict(precision=8), dict(precision=12),
    dict(threshold=0), dict(threshold=5), dict(threshold=math.inf), dict(threshold=10, edgeitems=1),
    dict(edgeitems=0), dict(edgeitems=0, threshold=5), dict(edgeitems=1, threshold=1), dict(edgeitems=5),
    dict(linewidth=10), dict(linewidth=30), dict(linewidth=45), dict(linewidth=120), dict(linewidth=200),
    dict(sci_mode=True), dict(sci_mode=False), dict(sci_mode=True, precision=1),
    dict(sci_mode=False, precision=10), dict(profile="short"), dict(profile="full"),
    dict(profile="short", precision=6), dict(profile="full", linewidth=40, sci_mode=True),
]
OPTION_TENSORS = [("float32", (7,), "normal"), ("float32", (3, 5), "wide"), ("float64", (2, 3, 4), "special"),
                  ("float32", (30,), "int"), ("int64", (4, 9), "wide"), ("complex64", (3, 4), "normal"),
                  ("complex128", (25,), "int/normal"), ("float16", (6, 6), "huge"), ("bool", (20,), "normal"),
                  ("float32", (), "normal"), ("bfloat16", (2, 2, 2), "round9"), ("float64", (1200,), "wide"),
                  ("int32", (15, 15), "normal"), ("float32", (4, 0), "normal"), ("complex64", (2, 40, 3), "special")]


@pytest.mark.parametrize("opts", OPTION_SETS, ids=[str(o) for o in OPTION_SETS])
@pytest.mark.parametrize("spec", OPTION_TENSORS, ids=["-".join(map(str, s)) for s in OPTION_TENSORS])
def test_printoptions(opts, spec):
    t = make_tensor(*spec, seed=7)
    set_opts(**opts)
    check(t)
    t2 = t.float() if not (t.dtype.is_complex or t.dtype == torch.bool) else t
    if t2.numel():
        check(t2.requires_grad_() if t2.dtype.is_floating_point or t2.dtype.is_complex else t2)


def test_option_api():
    assert ts.get_printoptions() == torch._tensor_str.get_printoptions()
    ts.set_printoptions(precision=2, sci_mode=True)
    assert ts.get_printoptions()["precision"] == 2 and ts.get_printoptions()["sci_mode"] is True
    ts.set_printoptions(linewidth=50)  # like torch, sci_mode goes back to automatic
    assert ts.get_printoptions() == dict(precision=2, threshold=1000, edgeitems=3, linewidth=50, sci_mode=None)
    ts.set_printoptions(profile="full")
    assert ts.get_printoptions()["threshold"] == math.inf and ts.get_printoptions()["precision"] == 4
    ts.set_printoptions(profile="default")
    before = ts.get_printoptions()
    with ts.printoptions(precision=1, threshold=3):
        with torch._tensor_str.printoptions(precision=1, threshold=3):
            assert ts.get_printoptions() == torch._tensor_str.get_printoptions()
            check(torch.arange(10.) / 3)
    assert ts.get_printoptions() == before


# ---------------------------------------------------------------------------------------------------------
# suffixes


@pytest.mark.parametrize("default", ["float64", "float16", "bfloat16"])
@pytest.mark.parametrize("dtype", ALL_DTYPES)
def test_default_dtype(default, dtype):
    set_default(default)
    check(make_tensor(dtype, (5,), "normal", seed=1))
    check(make_tensor(dtype, (), "int", seed=1))
    check(torch.empty((0,), dtype=getattr(torch, dtype)))
    check(torch.empty((2, 0), dtype=getattr(torch, dtype)))


def test_autograd_suffixes():
    a = torch.tensor([1.5, 2.0], requires_grad=True)
    check(a)
    check(a + 1)
    check(a * 2)
    check(a.sum())
    check((a * 2).detach())
    check(torch.empty(0, requires_grad=True))
    check(torch.zeros(2, 3, dtype=torch.float64, requires_grad=True))
    check((torch.zeros(2, 3, dtype=torch.float64, requires_grad=True) + 1).exp())
    check(torch.zeros(0, 3, dtype=torch.float64, requires_grad=True) * 2)
    check(torch.randn(5, 40, requires_grad=True) @ torch.randn(40, 40))
    set_opts(linewidth=40)
    check(torch.randn(3, 3, dtype=torch.float64, requires_grad=True) * 2)
    check(torch.tensor([1.5, 2.25, 1e5], dtype=torch.float64, requires_grad=True) * 2)


@pytest.mark.parametrize("spec", [("float32", (3,), "normal"), ("float64", (2, 2), "int"),
                                  ("int64", (4,), "normal"), ("float32", (0,), "normal"),
                                  ("float32", (2, 0), "normal"), ("int32", (30, 30), "normal"),
                                  ("complex64", (), "normal"), ("float32", (9,), "wide")])
def test_device_suffix(spec):
    t = make_tensor(*spec, seed=2)
    check(t, device="cuda:0")
    if t.is_floating_point():
        check(t.requires_grad_() * 2, device="cuda:0")
    set_opts(edgeitems=0)
    check(t, device="cuda:1")


def test_long_suffix_wrapping():
    for lw in (20, 40, 60, 80):
        set_opts(linewidth=lw)
        for n in range(1, 12):
            t = (torch.arange(float(n), dtype=torch.float64) * 1.5).requires_grad_()
            check(t)
            check(t * 2)
            check(t.to(torch.int16))
            check(t.reshape(1, n).to(torch.int16))


def test_tensor_contents():
    t = torch.tensor([1, 2], dtype=torch.int32)
    expected = torch._tensor_str._str(t, tensor_contents="[...]")
    assert ts.tensor_repr(Shim(t), tensor_contents="[...]") == expected
    t = torch.empty(0, 2)
    expected = torch._tensor_str._str(t, tensor_contents="[]")
    assert ts.tensor_repr(Shim(t), tensor_contents="[]") == expected


def test_unsupported_kinds():
    class Sparse(Shim):
        is_sparse = True

    class Named(Shim):
        names = ("N", None)

    with pytest.raises(NotImplementedError, match="sparse"):
        ts.tensor_repr(Sparse(torch.zeros(2)))
    with pytest.raises(NotImplementedError, match="named"):
        ts.tensor_repr(Named(torch.zeros(2, 2)))


# ---------------------------------------------------------------------------------------------------------
# randomized sweep


def _random_case(rng):
    dtype = ALL_DTYPES[rng.integers(len(ALL_DTYPES))]
    ndim = int(rng.integers(0, 5))
    big = rng.random() < 0.2
    shape = tuple(int(rng.integers(0 if rng.random() < 0.05 else 1, 40 if big else 7)) for _ in range(ndim))
    kinds = kinds_for(dtype)
    kind = kinds[rng.integers(len(kinds))]
    opts = {}
    if rng.random() < 0.5:
        for name, choices in (("precision", [0, 1, 2, 3, 5, 8]), ("threshold", [0, 1, 10, 50, 1000, math.inf]),
                              ("edgeitems", [0, 1, 2, 3, 4]), ("linewidth", [15, 40, 80, 100, 150]),
                              ("sci_mode", [None, True, False]), ("profile", [None, "short", "full"])):
            if rng.random() < 0.35:
                opts[name] = choices[rng.integers(len(choices))]
    default = ["float32", "float64"][int(rng.random() < 0.25)]
    grad = rng.random() < 0.2
    device = "cuda:0" if rng.random() < 0.1 else None
    return dtype, shape, kind, opts, default, grad, device


RANDOM_CASES = 600


@pytest.mark.parametrize("i", range(RANDOM_CASES))
def test_random(i):
    rng = np.random.default_rng(12345 + i)
    dtype, shape, kind, opts, default, grad, device = _random_case(rng)
    set_default(default)
    set_opts(**opts)
    t = make_tensor(dtype, shape, kind, seed=int(rng.integers(2 ** 31)))
    if grad and (t.is_floating_point() or t.is_complex()) and dtype in ("float32", "float64", "complex64",
                                                                          "complex128", "float16", "bfloat16"):
        t = t.requires_grad_()
        if rng.random() < 0.5:
            t = t * 1
    check(t, device=device)
