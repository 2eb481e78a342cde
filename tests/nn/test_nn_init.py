"""nn.init and default layer initialisation against torch.

Distribution checks (bounds, moments) run always. The "same seed gives the same weights as torch" tests need the
CPU generator to reproduce torch's streams (issue 10); they are skipped, with that reason, until it does."""
import math
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")
import torchjax  # noqa: E402

from tests._compare import assert_same, check_error  # noqa: E402

warnings.filterwarnings("ignore", category=UserWarning)


def _generator_matches_torch():
    torch.manual_seed(123)
    torchjax.manual_seed(123)
    a = torch.empty(64).uniform_(-1, 1).numpy()
    b = np.asarray(torchjax.empty(64).uniform_(-1, 1).tolist(), np.float32)
    c = torch.empty(64).normal_().numpy()
    d = np.asarray(torchjax.empty(64).normal_().tolist(), np.float32)
    return np.array_equal(a, b) and np.array_equal(c, d)


needs_exact_rng = pytest.mark.skipif(not _generator_matches_torch(),
                                     reason="needs the torch-exact CPU generator (issue 10)")


@pytest.mark.parametrize("nl,param", [("linear", None), ("conv2d", None), ("sigmoid", None), ("tanh", None),
                                      ("relu", None), ("leaky_relu", None), ("leaky_relu", 0.2), ("selu", None),
                                      ("leaky_relu", 3)])
def test_calculate_gain(nl, param):
    assert torch.nn.init.calculate_gain(nl, param) == torchjax.nn.init.calculate_gain(nl, param)


def test_calculate_gain_errors_and_fans():
    check_error(lambda xp: xp.nn.init.calculate_gain("foo"))
    check_error(lambda xp: xp.nn.init.calculate_gain("leaky_relu", True))
    for shape in [(3, 4), (5, 3, 2, 2), (6, 2, 3, 3, 3)]:
        assert torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(shape)) == \
            torchjax.nn.init._calculate_fan_in_and_fan_out(torchjax.empty(shape))
    check_error(lambda xp: xp.nn.init._calculate_fan_in_and_fan_out(xp.empty(3)))
    check_error(lambda xp: xp.nn.init.kaiming_uniform_(xp.empty(3, 4), mode="fan_x"))
    check_error(lambda xp: xp.nn.init.eye_(xp.empty(3, 4, 5)))
    check_error(lambda xp: xp.nn.init.dirac_(xp.empty(3, 4)))
    check_error(lambda xp: xp.nn.init.orthogonal_(xp.empty(3)))


def _vals(t):
    return np.asarray(t.detach().tolist(), np.float64).reshape(-1)


def test_uniform_family_bounds_and_moments():
    torchjax.manual_seed(0)
    w = torchjax.empty(400, 300)
    bound = math.sqrt(6.0 / (1 + 5) / 300)  # kaiming_uniform_(a=sqrt(5)), fan_in=300
    torchjax.nn.init.kaiming_uniform_(w, a=math.sqrt(5))
    v = _vals(w)
    assert v.min() >= -bound and v.max() <= bound
    np.testing.assert_allclose(v.std(), bound / math.sqrt(3), rtol=0.02)
    torchjax.nn.init.xavier_uniform_(w, gain=2.0)
    a = 2.0 * math.sqrt(6.0 / 700)
    v = _vals(w)
    assert v.min() >= -a and v.max() <= a
    torchjax.nn.init.uniform_(w, -0.3, 0.1)
    v = _vals(w)
    assert v.min() >= -0.3 and v.max() <= 0.1
    np.testing.assert_allclose(v.mean(), -0.1, atol=0.005)


def test_normal_family_moments():
    torchjax.manual_seed(0)
    w = torchjax.empty(500, 400)
    torchjax.nn.init.kaiming_normal_(w, mode="fan_out", nonlinearity="relu")
    np.testing.assert_allclose(_vals(w).std(), math.sqrt(2.0 / 500), rtol=0.02)
    torchjax.nn.init.xavier_normal_(w)
    np.testing.assert_allclose(_vals(w).std(), math.sqrt(2.0 / 900), rtol=0.02)
    torchjax.nn.init.normal_(w, 1.0, 0.5)
    np.testing.assert_allclose(_vals(w).mean(), 1.0, atol=0.01)
    torchjax.nn.init.trunc_normal_(w, 0.0, 1.0, -0.5, 0.8)
    v = _vals(w)
    assert v.min() >= -0.5 and v.max() <= 0.8
    torchjax.nn.init.trunc_normal_(w, std=0.02)
    assert _vals(w).max() <= 2.0


def test_deterministic_initialisers():
    for name, args in [("constant_", (0.3,)), ("ones_", ()), ("zeros_", ()), ("eye_", ())]:
        t = getattr(torch.nn.init, name)(torch.empty(3, 4), *args)
        j = getattr(torchjax.nn.init, name)(torchjax.empty(3, 4), *args)
        assert_same(t, j)
    for shape, groups in [((4, 2, 3), 1), ((6, 3, 3, 3), 2), ((2, 2, 3, 3, 3), 1)]:
        assert_same(torch.nn.init.dirac_(torch.empty(shape), groups),
                    torchjax.nn.init.dirac_(torchjax.empty(shape), groups))


def test_orthogonal_and_sparse():
    torchjax.manual_seed(0)
    for shape in [(5, 3), (3, 5), (4, 2, 2)]:
        w = torchjax.nn.init.orthogonal_(torchjax.empty(shape), gain=1.5)
        m = np.asarray(w.tolist()).reshape(shape[0], -1)
        if m.shape[0] >= m.shape[1]:
            np.testing.assert_allclose(m.T @ m, 2.25 * np.eye(m.shape[1]), atol=1e-5)
        else:
            np.testing.assert_allclose(m @ m.T, 2.25 * np.eye(m.shape[0]), atol=1e-5)
    w = torchjax.nn.init.sparse_(torchjax.empty(10, 4), 0.3)
    assert (np.asarray(w.tolist()) == 0).sum(0).tolist() == [3, 3, 3, 3]


def test_init_no_grad_and_deprecated():
    for xp in (torch, torchjax):
        p = xp.nn.Parameter(xp.empty(3, 4))
        xp.nn.init.kaiming_uniform_(p)
        assert p.grad_fn is None and p.requires_grad
        with pytest.warns(FutureWarning):
            xp.nn.init.uniform(xp.empty(2))


SEEDED = [
    ("Linear", lambda nn: nn.Linear(7, 5)), ("Bilinear", lambda nn: nn.Bilinear(3, 4, 2)),
    ("Conv2d", lambda nn: nn.Conv2d(3, 4, 3)), ("ConvTranspose2d", lambda nn: nn.ConvTranspose2d(3, 4, 3, groups=1)),
    ("Conv1d_groups", lambda nn: nn.Conv1d(4, 6, 3, groups=2)), ("Embedding", lambda nn: nn.Embedding(10, 3, 2)),
    ("LSTM", lambda nn: nn.LSTM(3, 4, 2, bidirectional=True, proj_size=2)), ("GRUCell", lambda nn: nn.GRUCell(3, 4)),
    ("MultiheadAttention", lambda nn: nn.MultiheadAttention(8, 2, add_bias_kv=True, kdim=4, vdim=5)),
    ("TransformerEncoderLayer", lambda nn: nn.TransformerEncoderLayer(8, 2, 16)),
    ("PReLU", lambda nn: nn.PReLU(3)), ("BatchNorm2d", lambda nn: nn.BatchNorm2d(3)),
    ("Sequential", lambda nn: nn.Sequential(nn.Conv2d(1, 6, 5), nn.ReLU(), nn.Linear(16, 10))),
]


@needs_exact_rng
@pytest.mark.parametrize("name,build", SEEDED, ids=[s[0] for s in SEEDED])
def test_same_seed_same_weights(name, build):
    torch.manual_seed(0)
    tm = build(torch.nn)
    torchjax.manual_seed(0)
    jm = build(torchjax.nn)
    ts, js = tm.state_dict(), jm.state_dict()
    assert list(ts) == list(js)
    for k in ts:
        assert_same(ts[k], js[k], rtol=0, atol=0, path=k)


@needs_exact_rng
@pytest.mark.parametrize("fn", ["uniform_", "normal_", "xavier_uniform_", "xavier_normal_", "kaiming_uniform_",
                                "kaiming_normal_", "trunc_normal_", "orthogonal_"])
def test_same_seed_same_init(fn):
    torch.manual_seed(3)
    t = getattr(torch.nn.init, fn)(torch.empty(6, 5))
    torchjax.manual_seed(3)
    j = getattr(torchjax.nn.init, fn)(torchjax.empty(6, 5))
    assert_same(t, j, rtol=1e-6, atol=1e-7 if fn != "orthogonal_" else 1e-6)


RANDOM_LAYERS = [
    ("dropout", lambda xp, x: xp.nn.functional.dropout(x, 0.3)),
    ("dropout2d", lambda xp, x: xp.nn.functional.dropout2d(x, 0.3)),
    ("alpha_dropout", lambda xp, x: xp.nn.functional.alpha_dropout(x, 0.3, True)),
    ("feature_alpha_dropout", lambda xp, x: xp.nn.functional.feature_alpha_dropout(x, 0.3, True)),
    ("rrelu", lambda xp, x: xp.nn.functional.rrelu(x, training=True)),
    ("gumbel_softmax", lambda xp, x: xp.nn.functional.gumbel_softmax(x[:, :, 0, 0], tau=0.5)),
    ("gumbel_softmax_hard", lambda xp, x: xp.nn.functional.gumbel_softmax(x[:, :, 0, 0], hard=True)),
    ("sdpa_dropout", lambda xp, x: xp.nn.functional.scaled_dot_product_attention(x, x, x, dropout_p=0.3)),
    ("fractional_max_pool2d", lambda xp, x: xp.nn.functional.fractional_max_pool2d(x, 2, output_size=2)),
    ("lstm_dropout", lambda xp, x: xp.nn.LSTM(3, 4, 2, dropout=0.5)(x[:, :, 0, :])[0]),
    ("mha_dropout", lambda xp, x: xp.nn.MultiheadAttention(6, 2, dropout=0.5)(x[None, :, :, 0, 0], x[None, :, :, 0, 0],
                                                                              x[None, :, :, 0, 0])[0]),
]


@needs_exact_rng
@pytest.mark.parametrize("name,fn", RANDOM_LAYERS, ids=[r[0] for r in RANDOM_LAYERS])
def test_same_seed_same_randomness(name, fn):
    x = np.random.default_rng(0).standard_normal((8, 6, 3, 3)).astype(np.float32)
    torch.manual_seed(0)
    a = fn(torch, torch.tensor(x))
    torchjax.manual_seed(0)
    b = fn(torchjax, torchjax.tensor(x))
    assert_same(a, b, rtol=1e-5, atol=1e-6)
