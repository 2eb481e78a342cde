"""torch.jit: script/trace return compiled modules that print and compute as torch's; save/load round-trips
through jax.export (torchjax's own file format) and the loaded module runs, and differentiates, without the Python
class. The same module code runs in both libraries (same seed, same weights)."""
import io

import numpy as np
import pytest

from tests._compare import assert_same, torch, torchjax

DATA = np.random.default_rng(0).standard_normal((7, 4)).astype(np.float32)
IMG = np.random.default_rng(1).standard_normal((3, 1, 12, 12)).astype(np.float32)


def _mlp(xp):
    nn = xp.nn

    class MLP(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(4, 6)
            self.seq = nn.Sequential(nn.ReLU(), nn.Linear(6, 3))
            self.register_buffer("shift", xp.ones(3))

        def forward(self, x):
            return xp.tanh(self.seq(self.fc(x))) + self.shift

    xp.manual_seed(0)
    return MLP()


def _convnet(xp):
    nn = xp.nn

    class ConvNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(1, 4, 3)
            self.bn = nn.BatchNorm2d(4)
            self.pool = nn.MaxPool2d(2)
            self.fc = nn.Linear(4 * 5 * 5, 5)

        def forward(self, x):
            x = self.pool(xp.relu(self.bn(self.conv(x))))
            return xp.log_softmax(self.fc(x.flatten(1)), dim=1)

    xp.manual_seed(0)
    m = ConvNet()
    m.bn.running_mean.fill_(0.1)
    m.bn.running_var.fill_(2.0)
    return m.eval()


def test_script_prints_and_computes_as_torch():
    out = {}
    for xp in (torch, torchjax):
        m = _mlp(xp)
        s = xp.jit.script(m)
        x = xp.tensor(DATA)
        y = s(x)
        out[xp.__name__] = (repr(s), repr(s.fc), s.original_name, type(s).__name__, s(x), m(x),
                            isinstance(s, xp.jit.ScriptModule), sorted(s.state_dict()), s.training)
        s.eval()
        out[xp.__name__] += (s.training, m.training, s.fc.training, m.fc.training, s.fc.weight is m.fc.weight)
    e, a = out["torch"], out["torchjax"]
    assert a[:4] == e[:4]
    assert_same(e[4], a[4])
    np.testing.assert_allclose(a[4].detach().numpy(), a[5].detach().numpy(), rtol=1e-6, atol=1e-6)
    assert a[6:] == e[6:]


def test_trace_prints_as_torch():
    reprs = {}
    for xp in (torch, torchjax):
        t = xp.jit.trace(_mlp(xp), xp.tensor(DATA))
        reprs[xp.__name__] = (repr(t), type(t).__name__, repr(t.seq), type(t.seq).__name__, t.original_name)
    assert reprs["torchjax"] == reprs["torch"]


@pytest.mark.parametrize("how", ["script", "script_uncalled", "trace"])
def test_save_load_round_trip(how, tmp_path):
    res = {}
    for xp in (torch, torchjax):
        m = _mlp(xp)
        x = xp.tensor(DATA)
        if how == "trace":
            c = xp.jit.trace(m, x[:2])
        else:
            c = xp.jit.script(m)
            if how == "script":
                c(x)
        path = tmp_path / f"{xp.__name__}.pt"
        c.save(str(path))
        loaded = xp.jit.load(str(path))
        y = loaded(x)  # another batch size than the example: the export is polymorphic in the batch dimension
        y.sum().backward()
        res[xp.__name__] = (repr(loaded), type(loaded).__name__, sorted(loaded.state_dict()), loaded.training,
                            type(y.grad_fn).__name__, y, loaded.fc.weight.grad, getattr(loaded.seq, "1").bias.grad,
                            m(x))
        assert loaded.fc.weight.requires_grad
    e, a = res["torch"], res["torchjax"]
    assert a[:5] == e[:5]
    assert_same(e[5], a[5])
    assert_same(e[6], a[6], atol=1e-5)
    assert_same(e[7], a[7], atol=1e-5)
    # the loaded module computes what the original module computes
    np.testing.assert_allclose(a[5].detach().numpy(), a[8].detach().numpy(), rtol=1e-6, atol=1e-6)


def test_loaded_module_runs_without_the_class(tmp_path):
    """The file alone rebuilds the module: it is loaded in a process that never defines the class."""
    import subprocess
    import sys
    import os
    path = tmp_path / "convnet.pt"
    m = _convnet(torchjax)
    x = torchjax.tensor(IMG)
    t = torchjax.jit.trace(m, x)
    t.save(str(path))
    expected = m(x).detach().numpy()
    np.save(tmp_path / "x.npy", IMG)
    code = ("import sys, numpy as np, torchjax as torch\n"
            "m = torch.jit.load(sys.argv[1])\n"
            "with torch.no_grad():\n"
            "    y = m(torch.tensor(np.load(sys.argv[2])))\n"
            "np.save(sys.argv[3], y.numpy())\n"
            "print(type(m).__name__, m.training, y.requires_grad)\n")
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env = dict(os.environ, PYTHONPATH=root, JAX_PLATFORMS="cpu")
    r = subprocess.run([sys.executable, "-c", code, str(path), str(tmp_path / "x.npy"), str(tmp_path / "y.npy")],
                       capture_output=True, text=True, env=env, timeout=300, cwd=str(tmp_path))
    assert r.returncode == 0, r.stderr[-3000:]
    assert r.stdout.strip() == "RecursiveScriptModule False False"
    np.testing.assert_allclose(np.load(tmp_path / "y.npy"), expected, rtol=1e-5, atol=1e-6)


def test_convnet_trace_matches_torch(tmp_path):
    res = {}
    for xp in (torch, torchjax):
        m = _convnet(xp)
        x = xp.tensor(IMG)
        t = xp.jit.trace(m, x)
        buf = io.BytesIO()
        xp.jit.save(t, buf)
        buf.seek(0)
        loaded = xp.jit.load(buf)
        res[xp.__name__] = (t(x), loaded(x), loaded(x[:1]), loaded.bn.running_var)
    assert_same(res["torch"], res["torchjax"], atol=1e-5)


def test_function_and_extra_files(tmp_path):
    def f(a, b):
        return a * 2 + b.sin()

    a, b = torchjax.tensor(DATA), torchjax.tensor(DATA[::-1].copy())
    tf = torchjax.jit.trace(f, (a, b))
    np.testing.assert_allclose(tf(a, b).numpy(), f(a, b).numpy(), rtol=1e-6)
    sf = torchjax.jit.script(f)
    np.testing.assert_allclose(sf(a, b).numpy(), f(a, b).numpy(), rtol=1e-6)
    path = str(tmp_path / "f.pt")
    torchjax.jit.save(tf, path)
    g = torchjax.jit.load(path)
    np.testing.assert_allclose(g(a, b).numpy(), f(a, b).numpy(), rtol=1e-6)

    m = torchjax.jit.script(_mlp(torchjax))
    m.save(path, _extra_files={"note.txt": "hello"})
    extra = {"note.txt": ""}
    torchjax.jit.load(path, _extra_files=extra)
    assert extra["note.txt"] == b"hello"


def test_errors_and_formats(tmp_path):
    # a loaded module checks its inputs against the exported signature
    m = torchjax.jit.script(_mlp(torchjax))
    path = str(tmp_path / "m.pt")
    m.save(path)
    loaded = torchjax.jit.load(path)
    assert set(loaded._loaded.exported.platforms) == {"cpu", "cuda"}  # one file for CPUs and GPUs
    with pytest.raises(RuntimeError, match="exported for shape"):
        loaded(torchjax.zeros(2, 5))
    with pytest.raises(RuntimeError, match="expected 1 argument"):
        loaded(torchjax.zeros(2, 4), torchjax.zeros(2, 4))
    # PyTorch's own TorchScript archives are another format
    tpath = str(tmp_path / "torch_script.pt")
    torch.jit.script(_mlp(torch)).save(tpath)
    with pytest.raises(NotImplementedError, match="TorchScript archive"):
        torchjax.jit.load(tpath)
    for xp in (torch, torchjax):
        with pytest.raises(ValueError, match="does not exist"):
            xp.jit.load(str(tmp_path / "missing.pt"))
    assert torchjax.jit.is_scripting() is torch.jit.is_scripting()
    assert torchjax.jit.is_tracing() is torch.jit.is_tracing()


def test_training_modes_and_dropout(tmp_path):
    """A script module has its own training flag (as torch's); save() exports the mode the module is in."""
    res = {}
    for xp in (torch, torchjax):
        xp.manual_seed(0)
        m = xp.nn.Sequential(xp.nn.Linear(4, 4), xp.nn.Dropout(0.5))
        s = xp.jit.script(m)
        s.eval()
        x = xp.tensor(DATA)
        path = str(tmp_path / f"{xp.__name__}.pt")
        s.save(path)
        loaded = xp.jit.load(path)
        with xp.no_grad():
            res[xp.__name__] = (m.training, s.training, loaded.training, s(x), loaded(x), m.eval()(x))
    assert_same(res["torch"], res["torchjax"])
    # torchjax cannot export a forward that draws random numbers (one draw would be replayed forever)
    m = torchjax.nn.Sequential(torchjax.nn.Linear(4, 4), torchjax.nn.Dropout(0.5))
    s = torchjax.jit.script(m)
    state = torchjax.get_rng_state()
    with pytest.raises(NotImplementedError, match="draws random numbers"):
        s.save(str(tmp_path / "train.pt"))
    assert torchjax.equal(torchjax.get_rng_state(), state)


def test_outputs_grad_fn_and_gradients_as_torch():
    """Outputs carry the grad_fn torch shows (the last op's; TorchScript's later calls show its own graph node, which
    torchjax does not imitate) and backward gives torch's gradients."""
    res = {}
    for xp in (torch, torchjax):
        m = _mlp(xp)
        x = xp.tensor(DATA, requires_grad=True)
        t = xp.jit.trace(m, x)
        s = xp.jit.script(_mlp(xp))
        y1, y2, ys = t(x), t(x), s(x)
        (y1.sum() + (ys * ys).sum()).backward()
        res[xp.__name__] = (type(y1.grad_fn).__name__, type(y2.grad_fn).__name__, type(ys.grad_fn).__name__, y1, ys,
                            x.grad, m.fc.weight.grad, s.fc.weight.grad)
    assert_same(res["torch"], res["torchjax"], atol=1e-5)


def test_legacy_script_module_subclass(tmp_path):
    """class M(torch.jit.ScriptModule) with @torch.jit.script_method: runs, saves and loads as torch's."""
    res = {}
    for xp in (torch, torchjax):
        class M(xp.jit.ScriptModule):
            def __init__(self):
                super().__init__()
                self.fc = xp.nn.Linear(4, 2)

            @xp.jit.script_method
            def forward(self, x):
                return xp.relu(self.fc(x))

        xp.manual_seed(0)
        m = M()
        x = xp.tensor(DATA)
        y = m(x)
        path = str(tmp_path / f"{xp.__name__}.pt")
        m.save(path)
        loaded = xp.jit.load(path)
        res[xp.__name__] = (repr(loaded), y, loaded(x))
    assert res["torchjax"][0] == res["torch"][0]
    assert_same(res["torch"][1:], res["torchjax"][1:])


def _lenet(xp):
    nn, F = xp.nn, xp.nn.functional

    class LeNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(1, 6, 5)
            self.conv2 = nn.Conv2d(6, 16, 5)
            self.fc1 = nn.Linear(16 * 5 * 5, 120)
            self.fc2 = nn.Linear(120, 10)

        def forward(self, x):
            x = F.max_pool2d(F.relu(self.conv1(x)), (2, 2))
            x = F.max_pool2d(F.relu(self.conv2(x)), 2)
            x = x.view(-1, 16 * 5 * 5)
            return self.fc2(F.relu(self.fc1(x)))

    return LeNet()


def _text(xp):
    nn = xp.nn

    class Text(nn.Module):
        def __init__(self):
            super().__init__()
            self.emb = nn.Embedding(50, 16)
            self.lstm = nn.LSTM(16, 8, batch_first=True)
            self.fc = nn.Linear(8, 3)

        def forward(self, ids):
            out, (h, c) = self.lstm(self.emb(ids))
            return self.fc(h[-1])

    return Text()


@pytest.mark.parametrize("which", ["lenet", "text", "transformer"])
def test_common_models_export_polymorphic_in_batch(which, tmp_path):
    """LeNet (view), an Embedding+LSTM model and a TransformerEncoderLayer export with a symbolic batch dimension:
    the loaded module runs other batch sizes and equals the eager module (and torch's)."""
    rng = np.random.default_rng(3)
    if which == "lenet":
        make, shapes = _lenet, [(2, 1, 32, 32), (5, 1, 32, 32)]
        inputs = [rng.standard_normal(s).astype(np.float32) for s in shapes]
    elif which == "text":
        make, inputs = _text, [rng.integers(0, 50, (2, 7)), rng.integers(0, 50, (3, 7))]
    else:
        def make(xp):
            return xp.nn.TransformerEncoderLayer(16, 2, 32, dropout=0.0, batch_first=True).eval()
        inputs = [rng.standard_normal(s).astype(np.float32) for s in [(2, 5, 16), (4, 5, 16)]]
    res = {}
    for xp in (torch, torchjax):
        xp.manual_seed(0)
        m = make(xp)
        xs = [xp.tensor(a) for a in inputs]
        with xp.no_grad():
            res[xp.__name__] = [m(x) for x in xs]
        if xp is torchjax:
            path = str(tmp_path / "m.pt")
            xp.jit.trace(m, xs[0]).save(path)
            loaded = xp.jit.load(path)
            assert loaded._loaded.inputs[0][0] is None  # the batch dimension is symbolic
            with xp.no_grad():
                res["loaded"] = [loaded(x) for x in xs]
    assert_same(res["torch"], res["torchjax"], atol=1e-5)
    assert_same(res["torch"], res["loaded"], atol=1e-5)
