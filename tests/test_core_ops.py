"""The core ops of issue 2, each compared with real torch: values, dtypes, shapes and gradients."""
import numpy as np
import pytest

from _compare import check, check_error, randn, torch, torchjax  # noqa: F401

A = randn(3, 4)
B = randn(3, 4)
POS = np.abs(randn(3, 4)) + 0.5
UNIT = np.clip(randn(3, 4) * 0.3, -0.9, 0.9).astype(np.float32)

UNARY = {
    "exp": A, "log": POS, "sqrt": POS, "abs": A, "neg": A, "sign": A, "relu": A, "sigmoid": A, "tanh": A,
    "sin": A, "cos": A, "tan": UNIT, "asin": UNIT, "acos": UNIT, "atan": A, "sinh": A, "cosh": A, "asinh": A,
    "acosh": POS + 1, "atanh": UNIT, "exp2": A, "expm1": A, "log2": POS, "log10": POS, "log1p": POS, "rsqrt": POS,
    "reciprocal": POS, "erf": A, "erfc": A, "erfinv": UNIT, "lgamma": POS, "digamma": POS, "floor": A, "ceil": A,
    "trunc": A, "frac": A, "square": A, "round": A * 3, "sinc": A, "deg2rad": A, "rad2deg": A,
}


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary(name):
    def body(xp):
        x = xp.tensor(UNARY[name], requires_grad=True)
        return getattr(xp, name)(x), [x]
    grads = name not in ("sign", "floor", "ceil", "trunc", "round")
    check(body, rtol=1e-5, atol=1e-5, grads=grads)


@pytest.mark.parametrize("name", ["exp", "sqrt", "abs", "neg", "sigmoid", "tanh", "floor"])
def test_unary_int_inputs(name):
    check(lambda xp: getattr(xp, name)(xp.tensor([[1, 2], [3, 4]])), rtol=1e-6)


@pytest.mark.parametrize("name", ["exp_", "abs_", "neg_", "sqrt_", "clamp_", "relu_", "sigmoid_"])
def test_unary_inplace_through_view(name):
    def body(xp):
        base = xp.tensor(POS.copy())
        v = base[1:, ::2]
        args = (0.6, 1.0) if name == "clamp_" else ()
        r = getattr(v, name)(*args)
        return base, r, v
    check(body)


BINARY = ["add", "sub", "mul", "div", "pow", "atan2", "maximum", "minimum", "fmod", "remainder", "hypot",
          "eq", "ne", "lt", "le", "gt", "ge", "logaddexp", "copysign", "xlogy", "fmax", "fmin"]


@pytest.mark.parametrize("name", BINARY)
def test_binary_broadcast_and_grad(name):
    a, b = POS, POS[0]
    diff = name not in ("eq", "ne", "lt", "le", "gt", "ge", "fmod", "remainder", "copysign")

    def body(xp):
        x = xp.tensor(a, requires_grad=diff)
        y = xp.tensor(b, requires_grad=diff)
        return getattr(xp, name)(x, y), ([x, y] if diff else None)
    check(body, rtol=1e-5, atol=1e-5, grads=diff)


DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "bfloat16", "float32", "float64",
          "complex64"]


def _values(dtype):
    if dtype == "bool":
        return np.array([[True, False], [False, True]])
    if dtype.startswith(("int", "uint")):
        return np.array([[1, 2], [3, 4]], dtype=dtype)
    return np.array([[1.5, -2.0], [3.25, 4.0]], dtype=np.float64)


@pytest.mark.parametrize("da", DTYPES)
@pytest.mark.parametrize("db", DTYPES)
@pytest.mark.parametrize("op", ["add", "mul", "div", "eq"])
def test_binary_promotion(op, da, db):
    def body(xp):
        x = xp.tensor(_values(da), dtype=getattr(xp, da))
        y = xp.tensor(_values(db), dtype=getattr(xp, db))
        return getattr(xp, op)(x, y)
    check(body, rtol=1e-2, atol=1e-2)


@pytest.mark.parametrize("da", DTYPES)
@pytest.mark.parametrize("scalar", [2, 2.5, True, 1 + 2j])
@pytest.mark.parametrize("op", ["add", "mul", "sub"])
def test_scalar_promotion(op, da, scalar):
    if isinstance(scalar, complex) and da in ("float16", "bfloat16", "bool"):
        pytest.skip("complex32 (ComplexHalf) has no JAX dtype; torch marks it experimental")
    if op == "sub" and (da == "bool" or isinstance(scalar, bool)):
        return check_error(lambda xp: getattr(xp, op)(xp.tensor(_values(da), dtype=getattr(xp, da)), scalar))

    def body(xp):
        x = xp.tensor(_values(da), dtype=getattr(xp, da))
        return getattr(xp, op)(x, scalar), getattr(xp, op)(x[0, 0], scalar)
    check(body, rtol=1e-2, atol=1e-2)


def test_zero_dim_promotion():
    check(lambda xp: (xp.ones(3, dtype=xp.float16) + xp.tensor(1.0, dtype=xp.float64),
                      xp.ones(3, dtype=xp.int32) + xp.tensor(1.5),
                      xp.ones(3, dtype=xp.int8) * xp.tensor(1000),
                      xp.tensor([1, 2]) / xp.tensor([2, 2]),
                      xp.tensor(3) // 2, 7 // xp.tensor([2, 3]), 2 ** xp.tensor([1.0, 2.0]), 2.0 - xp.ones(2)))


@pytest.mark.parametrize("mode", [None, "trunc", "floor"])
def test_div_rounding(mode):
    check(lambda xp: (xp.div(xp.tensor([7., -7., 5.5]), xp.tensor([2., 2., -2.]), rounding_mode=mode),
                      xp.div(xp.tensor([7, -7, 5]), xp.tensor([2, 2, -2]), rounding_mode=mode)))


def test_add_alpha_and_errors():
    check(lambda xp: (xp.add(xp.tensor(A), xp.tensor(B), alpha=2), xp.sub(xp.tensor(A), 1, alpha=3),
                      xp.tensor([1, 2]).add(xp.tensor([3, 4]), alpha=2)))
    check_error(lambda xp: xp.add(xp.tensor([1, 2]), xp.tensor([1, 2]), alpha=0.5))
    check_error(lambda xp: xp.ones(3) + xp.ones(4), match="must match the size")
    check_error(lambda xp: xp.tensor([1, 2]).add_(1.5))
    check_error(lambda xp: xp.ones(3).add_(xp.ones(2, 3)))
    check_error(lambda xp: xp.tensor([1]) ** -1)
    check_error(lambda xp: -xp.tensor([True]))
    check_error(lambda xp: xp.add(xp.ones(2), "a"))


def test_clamp_where_lerp_addcmul():
    def body(xp):
        x = xp.tensor(A, requires_grad=True)
        y = xp.tensor(B, requires_grad=True)
        return (x.clamp(-0.5, 0.5), x.clamp(min=0.1), x.clamp(max=xp.tensor(B)), xp.where(x > 0, x, y),
                xp.where(x > 0, x, 0.0), xp.lerp(x, y, 0.3), xp.addcmul(x, x, y, value=0.5),
                xp.addcdiv(x, x, y.abs() + 1, value=2)), [x, y]
    check(body)
    check_error(lambda xp: xp.clamp(xp.ones(2)))
    check_error(lambda xp: xp.where(xp.ones(2), xp.ones(2), xp.zeros(2)))


REDUCTIONS = [
    ("sum", {}), ("sum", {"dim": 1}), ("sum", {"dim": (0, 1), "keepdim": True}), ("mean", {}),
    ("mean", {"dim": 0, "keepdim": True}), ("prod", {"dim": 1}), ("amax", {"dim": 1}), ("amin", {}),
    ("std", {}), ("std", {"dim": 1, "keepdim": True}), ("var", {"dim": 0, "correction": 0}),
    ("var", {"unbiased": False}), ("norm", {}), ("norm", {"p": 1, "dim": 1}), ("norm", {"p": float("inf")}),
    ("logsumexp", {"dim": 1}), ("softmax", {"dim": 1}), ("log_softmax", {"dim": 0}), ("cumsum", {"dim": 1}),
    ("cumprod", {"dim": 0}), ("max", {}), ("min", {}),
]


@pytest.mark.parametrize("name,kw", REDUCTIONS, ids=[f"{n}-{k}" for n, k in REDUCTIONS])
def test_reductions(name, kw):
    def body(xp):
        x = xp.tensor(A, requires_grad=True)
        return getattr(x, name)(**kw), [x]
    check(body, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("name", ["max", "min", "median", "sort", "topk", "kthvalue"])
def test_values_indices(name):
    args = {"max": (1,), "min": (0, True), "median": (1,), "sort": (1, True), "topk": (2,), "kthvalue": (2, 1)}

    def body(xp):
        x = xp.tensor(A, requires_grad=True)
        r = getattr(x, name)(*args[name])
        return (r.values, r.indices), [x]
    check(body)


def test_int_reductions_and_argmax():
    check(lambda xp: (xp.tensor([[1, 2], [3, 4]]).sum(), xp.tensor([True, True]).sum(), xp.tensor(A).argmax(),
                      xp.tensor(A).argmin(1, keepdim=True), xp.tensor([[1, 2]], dtype=xp.int32).prod(1),
                      xp.tensor([1, 0]).all(), xp.tensor([[1, 0]], dtype=xp.uint8).any(1), xp.tensor(A).all(),
                      xp.count_nonzero(xp.tensor([[0, 1], [2, 0]]), 0), xp.tensor([1, 2]).cumsum(0)))
    check_error(lambda xp: xp.tensor([1, 2]).mean())
    check_error(lambda xp: xp.ones(0).max())
    check_error(lambda xp: xp.ones(2, 3).sum(2))


def test_max_return_types_print():
    r = torchjax.tensor([[1., 5.], [7., 2.]]).max(1)
    t = torch.tensor([[1., 5.], [7., 2.]]).max(1)
    assert repr(r) == repr(t)
    assert r.values.tolist() == t.values.tolist()


def test_matmul_family():
    M, N, V = randn(3, 4), randn(4, 5), randn(4)
    BT, CT = randn(2, 3, 4), randn(2, 4, 5)

    def body(xp):
        m, n, v = (xp.tensor(a, requires_grad=True) for a in (M, N, V))
        b, c = xp.tensor(BT, requires_grad=True), xp.tensor(CT, requires_grad=True)
        return (m @ n, m.mm(n), m @ v, v @ n, v @ v, b @ c, xp.bmm(b, c), b @ n, m @ c, xp.mv(m, v), xp.dot(v, v),
                xp.outer(v, v), xp.addmm(xp.ones(5), m, n, beta=0.5, alpha=2),
                xp.einsum("bij,bjk->bik", b, c)), [m, n, v, b, c]
    check(body, rtol=1e-4, atol=1e-5)
    check_error(lambda xp: xp.mm(xp.ones(2, 3), xp.ones(4, 5)), match="cannot be multiplied")
    check_error(lambda xp: xp.ones(2, 3) @ xp.ones(3, 2, dtype=xp.float64))
    check_error(lambda xp: xp.bmm(xp.ones(2, 3), xp.ones(3, 2)))
    check_error(lambda xp: xp.dot(xp.ones(2, 2), xp.ones(2, 2)))
    check_error(lambda xp: xp.ones(2, 3, 4) @ xp.ones(3, 5, 6))


def test_grad_fn_names():
    names = ["x + 1", "1 - x", "x * 2", "2 / x", "x / 2", "x ** 2", "2 ** x", "x.pow(x)", "-x", "x.exp()",
             "x.sum()", "x.sum(0)", "x.mean()", "x.max()", "x.max(0).values", "x[0]", "x[:, 1]", "x[0, 1:3]",
             "x[None]", "x[[0, 1]]", "x.t()", "x.T", "x.view(12)", "x.reshape(12)", "x.t().reshape(12)",
             "x.squeeze()", "x.unsqueeze(0)", "x.expand(2, 3, 4)", "x.unbind()[0]", "x.chunk(2)[0]",
             "x.split(2)[0]", "x.t().contiguous()", "x.clone()", "x.double()", "x @ x.t()", "x.clamp(0, 1)",
             "x.softmax(0)", "x.log_softmax(0)", "x.relu()", "x.std()", "x.norm()", "x.sort()[0]",
             "x.masked_fill(x > 0, 0)", "x.index_select(0, idx)", "x.gather(0, idx2)", "x.flatten()",
             "x.transpose(0, 1)", "x.permute(1, 0)", "x.narrow(0, 1, 2)", "x.amax(0)", "x.cumsum(0)"]
    for e in names:
        got = []
        for xp in (torch, torchjax):
            x = xp.tensor(A, requires_grad=True)
            idx = xp.tensor([0, 2])  # noqa: F841
            idx2 = xp.zeros(3, 4, dtype=xp.long)  # noqa: F841
            got.append(eval(e).grad_fn.name())
        assert got[0] == got[1], f"{e}: {got[1]} != torch's {got[0]}"


def test_cat_stack_split():
    def body(xp):
        x = xp.tensor(A, requires_grad=True)
        y = xp.tensor(B, requires_grad=True)
        return (xp.cat([x, y]), xp.cat([x, y], 1), xp.cat([x, xp.tensor([])]), xp.stack([x, y], 2),
                xp.hstack([x, y]), xp.vstack([x, y]), x.split([1, 2]), x.chunk(3, 1), x.unbind(1),
                xp.cat([x, xp.ones(3, 4, dtype=xp.float64)])), [x, y]
    check(body)
    check_error(lambda xp: xp.cat([xp.ones(2, 3), xp.ones(3, 4)]))
    check_error(lambda xp: xp.stack([xp.ones(2), xp.ones(3)]))
    check_error(lambda xp: xp.cat([]))


def test_gather_scatter_select():
    idx = np.array([[0, 2, 1, 0], [2, 2, 0, 1]])

    def body(xp):
        x = xp.tensor(A, requires_grad=True)
        i = xp.tensor(idx)
        return (x.gather(0, i), xp.zeros(3, 4).scatter(0, i, xp.ones(2, 4)), x.index_select(1, xp.tensor([3, 0])),
                x.masked_select(x > 0), x.masked_fill(x < 0, 1.0), xp.zeros(3, 4).scatter_add(0, i, xp.ones(2, 4)),
                x.take(xp.tensor([0, 5, 11])), x.scatter(0, i, 2.0)), [x]
    check(body)
    check_error(lambda xp: xp.ones(3).index_select(0, xp.tensor([5])))
    check_error(lambda xp: xp.ones(3, 4).gather(0, xp.tensor([[5]])))
    check_error(lambda xp: xp.ones(3).masked_fill(xp.ones(3), 0))


def test_creation_ops():
    check(lambda xp: (xp.zeros(2, 3), xp.ones((2,)), xp.full((2, 2), 7), xp.full((2,), 1.5), xp.full((1,), True),
                      xp.arange(5), xp.arange(1, 4, 0.5), xp.arange(10, 0, -3), xp.linspace(0, 1, 7),
                      xp.linspace(-1, 1, 4, dtype=xp.float64), xp.logspace(0, 2, 3), xp.eye(3, 2),
                      xp.zeros_like(xp.ones(2, dtype=xp.int32)), xp.ones_like(xp.ones(2), dtype=xp.float64),
                      xp.full_like(xp.ones(2), 3), xp.tensor([[1, 2], [3, 4]]), xp.tensor(3.5), xp.tensor([]),
                      xp.tensor([1, 2.5]), xp.tensor([True, False]), xp.tensor([[]]), xp.tensor(np.arange(3)),
                      xp.as_tensor([1, 2], dtype=xp.float16), xp.tensor([1 + 2j]), xp.empty(2, 3).shape,
                      xp.ones(2).new_zeros(3), xp.ones(2, dtype=xp.int8).new_tensor([1, 2]),
                      xp.ones(2).new_full((2,), 4), xp.scalar_tensor(2), xp.complex(xp.ones(2), xp.zeros(2))))
    check_error(lambda xp: xp.tensor([[1, 2], [3]]))
    check_error(lambda xp: xp.zeros(-1))
    check_error(lambda xp: xp.arange(0, 10, -1))
    check_error(lambda xp: xp.arange(0, 10, 0))


def test_conversions():
    def body(xp):
        x = xp.tensor(A * 3)
        return (x.long(), x.int(), x.half(), x.bfloat16().float(), x.double(), x.bool(), x.to(xp.int16),
                x.type(xp.float64), x.type_as(xp.ones(1, dtype=xp.int8)), x.to("cpu"), x.byte(), x.char(),
                x.to(xp.ones(1, dtype=xp.float64)), x.cfloat())
    check(body)
    for xp in (torch, torchjax):
        x = xp.ones(2)
        assert x.float() is x and x.to("cpu") is x and x.to(xp.float32) is x and x.to(x) is x
        assert x.type() == "torch.FloatTensor" and x.long().type() == "torch.LongTensor"
    assert torchjax.tensor(3.5).item() == 3.5 and torchjax.tensor([1, 2]).tolist() == [1, 2]
    assert torchjax.tensor([[1.5]]).tolist() == [[1.5]] and isinstance(torchjax.tensor(True).item(), bool)
    check_error(lambda xp: xp.ones(2).item())
    check_error(lambda xp: bool(xp.ones(2)))
    check_error(lambda xp: len(xp.tensor(1)))
    check_error(lambda xp: float(xp.ones(2)))


def test_aliases_and_misc():
    check(lambda xp: (xp.tensor(A).clip(0, 1), xp.absolute(xp.tensor(A)), xp.multiply(xp.tensor(A), 2),
                      xp.subtract(xp.tensor(A), 1), xp.divide(xp.tensor(A), 2), xp.negative(xp.tensor(A)),
                      xp.equal(xp.tensor(A), xp.tensor(A)), xp.allclose(xp.tensor(A), xp.tensor(A) + 1e-9),
                      xp.isclose(xp.tensor(A), xp.tensor(B)), xp.tensor(A).flatten(), xp.tensor(A).numel(),
                      xp.tensor(A).dim(), xp.tensor(A).ndim, xp.tensor(A).size(1), xp.tensor(A).size(),
                      xp.tensor(A).element_size(), xp.is_tensor(xp.ones(1)), xp.numel(xp.ones(2, 3)),
                      xp.tensor(A).is_floating_point(), xp.ones(1, dtype=xp.complex64).is_complex()))
