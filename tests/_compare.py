"""Run the same code against real torch and torchjax and compare (the numpy_cupy_allclose pattern).

    def body(xp):                      # xp is torch or torchjax
        x = xp.tensor(A, requires_grad=True)
        return x.exp().sum(0), [x]     # outputs, and inputs to differentiate (optional)
    check(body)                        # values, dtypes, shapes, then gradients of sum(out * cotangent)
    check_error(lambda xp: xp.ones(2) @ xp.ones(3))   # same exception type on both sides
"""
import numpy as np
import pytest

torch = pytest.importorskip("torch")
import torchjax  # noqa: E402

RNG = np.random.default_rng(0)


def is_tensor(x):
    return isinstance(x, (torch.Tensor, torchjax.Tensor))


def to_numpy(x):
    if isinstance(x, torch.Tensor):
        x = x.detach()
        if x.dtype == torch.bfloat16:
            x = x.float()
        return x.cpu().numpy()
    if isinstance(x, torchjax.Tensor):
        x = x.detach()
        if x.dtype == torchjax.bfloat16:
            x = x.float()
        return np.asarray(x._host_values())
    return np.asarray(x)


def dtype_name(x):
    return str(x.dtype).replace("torch.", "")


def assert_same(expected, actual, rtol=1e-5, atol=1e-6, check_dtype=True, path="out"):
    """Compare a torch result (tensors, nested tuples/lists/dicts, numbers) with a torchjax one."""
    if isinstance(expected, torch.Tensor):
        assert isinstance(actual, torchjax.Tensor), f"{path}: expected a Tensor, got {type(actual).__name__}"
        assert tuple(expected.shape) == tuple(actual.shape), f"{path}: shape {tuple(actual.shape)} != " \
                                                             f"{tuple(expected.shape)}"
        if check_dtype:
            assert dtype_name(expected) == dtype_name(actual), f"{path}: dtype {actual.dtype} != {expected.dtype}"
        e, a = to_numpy(expected), to_numpy(actual)
        if e.dtype.kind in "fc" or a.dtype.kind in "fc":
            np.testing.assert_allclose(a, e, rtol=rtol, atol=atol, equal_nan=True, err_msg=path)
        else:
            np.testing.assert_array_equal(a, e, err_msg=path)
        return
    if isinstance(expected, (tuple, list)):
        assert isinstance(actual, (tuple, list)), f"{path}: expected a sequence, got {type(actual).__name__}"
        assert len(expected) == len(actual), f"{path}: length {len(actual)} != {len(expected)}"
        for i, (e, a) in enumerate(zip(expected, actual)):
            assert_same(e, a, rtol, atol, check_dtype, f"{path}[{i}]")
        return
    if isinstance(expected, dict):
        assert set(expected) == set(actual), f"{path}: keys differ"
        for k in expected:
            assert_same(expected[k], actual[k], rtol, atol, check_dtype, f"{path}[{k!r}]")
        return
    if isinstance(expected, float) and isinstance(actual, float):
        np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol, equal_nan=True, err_msg=path)
        return
    if isinstance(expected, (torch.dtype, torch.Size, torch.device)):
        assert str(expected) == str(actual), f"{path}: {actual} != {expected}"
        return
    assert expected == actual and type(expected) is type(actual), f"{path}: {actual!r} != {expected!r}"


def _flat_tensors(out):
    if is_tensor(out):
        return [out]
    if isinstance(out, (tuple, list)):
        return [t for o in out for t in _flat_tensors(o)]
    return []


def check(body, rtol=1e-5, atol=1e-6, grad_rtol=None, grad_atol=None, check_dtype=True, grads=True):
    """body(xp) -> output or (output, [inputs]); compares outputs, then gradients w.r.t. the inputs."""
    results = {}
    for name, xp in (("torch", torch), ("torchjax", torchjax)):
        r = body(xp)
        out, inputs = (r if isinstance(r, tuple) and len(r) == 2 and isinstance(r[1], list) else (r, None))
        results[name] = (out, inputs)
    (to, ti), (jo, ji) = results["torch"], results["torchjax"]
    assert_same(to, jo, rtol, atol, check_dtype)
    if not grads or not ti:
        return
    touts = [t for t in _flat_tensors(to) if t.requires_grad]
    jouts = [t for t in _flat_tensors(jo) if t.requires_grad]
    assert len(touts) == len(jouts), "different number of differentiable outputs"
    if not touts:
        return
    cts = [RNG.standard_normal(tuple(t.shape)) for t in touts]
    tloss = sum((t * torch.tensor(c, dtype=t.dtype)).sum() for t, c in zip(touts, cts))
    jloss = sum((t * torchjax.tensor(c, dtype=t.dtype)).sum() for t, c in zip(jouts, cts))
    tg = torch.autograd.grad(tloss, ti, allow_unused=True)
    jg = torchjax.autograd.grad(jloss, ji, allow_unused=True)
    assert_same(list(tg), list(jg), grad_rtol or rtol * 10, grad_atol or atol * 10, check_dtype, "grad")


def check_error(body, match=None):
    """Both libraries raise the same exception type (and, optionally, a message matching `match`)."""
    errors = {}
    for name, xp in (("torch", torch), ("torchjax", torchjax)):
        try:
            body(xp)
        except Exception as e:  # noqa: BLE001 - we compare whatever is raised
            errors[name] = e
        else:
            errors[name] = None
    te, je = errors["torch"], errors["torchjax"]
    assert te is not None, "torch did not raise"
    assert je is not None, f"torchjax did not raise (torch raised {type(te).__name__}: {te})"
    assert isinstance(je, type(te)), f"torchjax raised {type(je).__name__}: {je}; torch raised {type(te).__name__}: {te}"
    if match is not None:
        import re
        assert re.search(match, str(je)), f"message {str(je)!r} does not match {match!r}"
    return te, je


def randn(*shape, dtype=np.float32):
    return RNG.standard_normal(shape).astype(dtype)
