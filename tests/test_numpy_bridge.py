"""The NumPy bridge shares memory in both directions on the CPU, exactly as torch's does."""
import numpy as np

from _compare import assert_same, check_error, torch, torchjax


def both(body):
    return body(torch), body(torchjax)


def _text(body):
    out = {}
    for name, xp in (("torch", torch), ("torchjax", torchjax)):
        lines = []
        body(xp, lines.append)
        out[name] = "\n".join(str(x) for x in lines)
    assert out["torchjax"] == out["torch"]


def test_seed_bridge_tensor_to_numpy():
    def body(xp, p):
        a = xp.ones(5)
        p(a)
        b = a.numpy()
        p(b)
        a.add_(1)
        p(a)
        p(b)
    _text(body)


def test_seed_bridge_numpy_to_tensor():
    def body(xp, p):
        a = np.ones(5)
        b = xp.from_numpy(a)
        np.add(a, 1, out=a)
        p(a)
        p(b)
    _text(body)


def test_sharing_through_views_and_inplace_ops():
    def body(xp, p):
        t = xp.arange(12.0).view(3, 4)
        n = t.numpy()
        t[1].mul_(10)
        n[0, 0] = -5
        p(t)
        p(n)
        v = t[:, 1]
        nv = v.numpy()
        nv[:] = 7
        p(t)
        u = t.t()
        p(u.numpy().flags["C_CONTIGUOUS"])
        p(u.numpy())
    _text(body)


def test_from_numpy_dtypes_and_strides():
    for dt in (np.float32, np.float64, np.int32, np.int64, np.uint8, np.bool_, np.int16, np.complex64):
        a = (np.arange(6) % 3).astype(dt).reshape(2, 3)
        t, j = torch.from_numpy(a), torchjax.from_numpy(a)
        assert_same(t, j)
    a = np.arange(12, dtype=np.float32).reshape(3, 4)[:, ::2]
    assert_same(torch.from_numpy(a), torchjax.from_numpy(a))
    assert torchjax.from_numpy(a).stride() == torch.from_numpy(a).stride()
    check_error(lambda xp: xp.from_numpy(np.arange(4)[::-1]))
    check_error(lambda xp: xp.ones(2, requires_grad=True).numpy())


def test_as_tensor_and_array_protocol():
    a = np.ones(3, dtype=np.float32)
    for xp in (torch, torchjax):
        t = xp.as_tensor(a)
        a[0] = 9
        assert t[0].item() == 9  # shares
        a[0] = 1
        u = xp.tensor(a)
        a[1] = 5
        assert u[1].item() == 1  # copies
        a[1] = 1
        assert np.asarray(xp.ones(2) * 2).tolist() == [2.0, 2.0]
        assert isinstance(np.sin(xp.ones(2)), xp.Tensor)


def test_value_returns_to_jax_when_numpy_releases():
    t = torchjax.ones(4)
    n = t.numpy()
    assert t._storage._host is not None
    del n
    (t * 2).sum()
    assert t._storage._host is None and t._storage._array is not None
