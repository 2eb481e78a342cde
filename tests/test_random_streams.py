"""torchjax._random must reproduce PyTorch's CPU random streams bit for bit.

Real torch is the oracle (the module is skipped without it).  Every comparison is on raw bytes (so NaN,
-0.0 and bfloat16 payloads count) and, where the op consumes the stream, the generator state bytes are
compared afterwards as well, which proves the stream positions line up.
"""
import copy
import pickle
import struct
import warnings

import ml_dtypes
import numpy as np
import pytest

torch = pytest.importorskip("torch")

from torchjax import _random as R  # noqa: E402
from torchjax import _random_kernels as K  # noqa: E402

F = torch.nn.functional
BF16 = np.dtype(ml_dtypes.bfloat16)
FLOATS = [np.dtype(np.float32), np.dtype(np.float64), np.dtype(np.float16), BF16]
SEEDS = range(21)
SHAPES = [(), (1,), (7,), (15,), (16,), (17,), (100,), (1000,), (3, 4, 5)]
TORCH_DTYPES = {
    np.dtype(np.float32): torch.float32, np.dtype(np.float64): torch.float64, np.dtype(np.float16): torch.float16,
    BF16: torch.bfloat16, np.dtype(np.int64): torch.int64, np.dtype(np.int32): torch.int32,
    np.dtype(np.int16): torch.int16, np.dtype(np.int8): torch.int8, np.dtype(np.uint8): torch.uint8,
    np.dtype(bool): torch.bool, np.dtype(np.uint16): torch.uint16, np.dtype(np.uint32): torch.uint32,
    np.dtype(np.uint64): torch.uint64, np.dtype(np.complex64): torch.complex64,
    np.dtype(np.complex128): torch.complex128,
}
INTS = [np.dtype(t) for t in (np.int64, np.int32, np.int16, np.int8, np.uint8, bool)]
UINTS = [np.dtype(t) for t in (np.uint16, np.uint32, np.uint64)]

# The float32/half/bfloat16 randn fill uses AVX2 polynomials; other CPUs run torch's scalar kernels.
EXACT_FILL = K._CAPABILITY == "avx2"
needs_fill = pytest.mark.skipif(not EXACT_FILL, reason="torch runs its scalar normal kernel on this CPU")


def td(dt):
    return TORCH_DTYPES[np.dtype(dt)]


def tnp(t):
    """torch tensor -> numpy with the same bytes (bfloat16 and the barebones unsigned types included)."""
    t = t.detach().cpu()
    if t.dtype == torch.bfloat16:
        return t.view(torch.int16).numpy().view(BF16)
    signed = {torch.uint16: (torch.int16, np.uint16), torch.uint32: (torch.int32, np.uint32),
              torch.uint64: (torch.int64, np.uint64)}
    if t.dtype in signed:
        s, u = signed[t.dtype]
        return t.view(s).numpy().view(u)
    return t.numpy()


def to_torch(a):
    a = np.asarray(a)
    if a.dtype == BF16:
        return torch.from_numpy(a.view(np.int16).copy()).view(torch.bfloat16)
    return torch.from_numpy(a.copy())


def same_bits(a, b):
    a, b = np.asarray(a), np.asarray(b)
    return a.shape == b.shape and a.dtype == b.dtype and np.array_equal(
        a.reshape(-1).view(np.uint8), b.reshape(-1).view(np.uint8))


def pair(seed):
    return R.Generator().manual_seed(seed), torch.Generator().manual_seed(seed)


def assert_same(mine, theirs, g=None, tg=None, what=""):
    mine = np.asarray(mine)
    assert same_bits(mine, theirs), f"{what}: values differ\nmine  {mine.reshape(-1)[:8]}\ntorch {np.asarray(theirs).reshape(-1)[:8]}"
    if g is not None:
        assert same_bits(g._state_bytes(), tnp(tg.get_state())), f"{what}: generator states differ"


def with_gen(tg, fn):
    """Run a torch function that only uses the default generator, with ``tg``'s state."""
    saved = torch.get_rng_state()
    torch.set_rng_state(tg.get_state())
    try:
        return fn()
    finally:
        tg.set_state(torch.get_rng_state())
        torch.set_rng_state(saved)


# --------------------------------------------------------------------------------------------- seeding


def test_capability_matches_torch():
    cap = torch.backends.cpu.get_cpu_capability()
    if K._CAPABILITY == "avx2":
        assert cap in ("AVX2", "AVX512")
    else:
        assert cap not in ("AVX2", "AVX512")


@pytest.mark.parametrize("seed", [0, 1, 42, 2**32 - 1, 2**32, 2**32 + 5, 2**63 + 7, 2**64 - 1, -1, -(2**63),
                                  67280421310721])
def test_manual_seed_state_bytes(seed):
    g, tg = pair(seed)
    assert g.initial_seed() == tg.initial_seed()
    assert_same(g._state_bytes(), tnp(tg.get_state()), what="state after seeding")
    assert_same(g._uniform((5,)), tnp(torch.rand(5, generator=tg)), g, tg, "first draws")


def test_default_construction_and_seed_errors():
    g, tg = R.Generator(), torch.Generator()
    assert g.initial_seed() == tg.initial_seed() == R.DEFAULT_RNG_SEED
    assert same_bits(g._state_bytes(), tnp(tg.get_state()))
    assert g.device == "cpu"
    for bad in (2**64, -(2**63) - 1):
        with pytest.raises(ValueError):
            tg.manual_seed(bad)
        with pytest.raises(ValueError):
            g.manual_seed(bad)
    with pytest.raises(RuntimeError):
        g.get_offset()


@needs_fill
def test_module_level_functions():
    assert R.manual_seed(123) is R.default_generator
    assert R.initial_seed() == 123
    torch.manual_seed(123)
    assert_same(R.default_generator._normal((20,)), tnp(torch.randn(20)), what="default generator")
    s = R.seed()
    assert 0 <= s < 2**64 and R.initial_seed() == s
    assert R.manual_seed(3.0).initial_seed() == 3  # torch.manual_seed does int(seed)


_SCALAR_KERNEL_CHECK = r"""
import numpy as np, torch
from torchjax import _random as R
from torchjax import _random_kernels as K
assert torch.backends.cpu.get_cpu_capability() == "DEFAULT" and K._CAPABILITY == "default"
for seed in range(3):
    g, tg = R.Generator().manual_seed(seed), torch.Generator().manual_seed(seed)
    pairs = [
        (g._normal((1000 + seed,), np.float32), torch.randn(1000 + seed, generator=tg)),
        (g._normal((37,), np.float16, 0.5, 2.0), torch.empty(37, dtype=torch.float16).normal_(0.5, 2.0, generator=tg)),
        (g._normal((5,), np.float64, 0.5, 2.0), torch.empty(5, dtype=torch.float64).normal_(0.5, 2.0, generator=tg)),
        (g._uniform((300,), np.float32, -0.37, 2.9), torch.empty(300).uniform_(-0.37, 2.9, generator=tg)),
        (g._uniform((300,), np.float64, -0.37, 2.9), torch.empty(300, dtype=torch.float64).uniform_(-0.37, 2.9, generator=tg)),
        (g._cauchy((50,), np.float64, 0.5, 3.0), torch.empty(50, dtype=torch.float64).cauchy_(0.5, 3.0, generator=tg)),
    ]
    for mine, theirs in pairs:
        assert np.array_equal(mine.view(np.uint8), theirs.numpy().view(np.uint8))
    assert np.array_equal(g._state_bytes(), tg.get_state().numpy())
print("ok")
"""


def test_scalar_kernels_without_avx2():
    """ATEN_CPU_CAPABILITY=default makes torch run its scalar (no AVX2, no FMA) kernels; we follow."""
    import os
    import subprocess
    import sys

    env = dict(os.environ, ATEN_CPU_CAPABILITY="default")
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env["PYTHONPATH"] = root + os.pathsep + env.get("PYTHONPATH", "")
    res = subprocess.run([sys.executable, "-c", _SCALAR_KERNEL_CHECK], env=env, capture_output=True, text=True,
                         timeout=300)
    assert res.returncode == 0 and res.stdout.strip().endswith("ok"), res.stdout + res.stderr


def test_nondeterministic_seed_reseeds_like_manual_seed():
    g = R.Generator()
    g._normal((1,))  # leaves a cached normal behind; seed() must drop it like torch does
    s = g.seed()
    ref = R.Generator().manual_seed(s)
    assert same_bits(g._state_bytes(), ref._state_bytes())


# ------------------------------------------------------------------------------------------ continuous


@pytest.mark.parametrize("dt", FLOATS, ids=str)
def test_rand(dt):
    for seed in SEEDS:
        g, tg = pair(seed)
        for shape in SHAPES:
            assert_same(g._uniform(shape, dt), tnp(torch.rand(shape, dtype=td(dt), generator=tg)), g, tg,
                        f"rand {dt} {shape} seed {seed}")


@pytest.mark.parametrize("dt", FLOATS, ids=str)
@pytest.mark.parametrize("bounds", [(-0.37, 2.9), (-1e-3, 1e-3), (5.0, 5.0), (-30000.0, 30000.0), (0.0, 3.0)])
def test_uniform_bounds(dt, bounds):
    for seed in range(4):
        g, tg = pair(seed)
        for shape in [(7,), (100,), (3, 4, 5)]:
            mine = g._uniform(shape, dt, *bounds)
            theirs = tnp(torch.empty(shape, dtype=td(dt)).uniform_(*bounds, generator=tg))
            assert_same(mine, theirs, g, tg, f"uniform_{bounds} {dt} {shape}")


@pytest.mark.parametrize("dt", FLOATS, ids=str)
def test_randn(dt):
    for seed in SEEDS:
        g, tg = pair(seed)
        for shape in SHAPES + [(33,), (48,), (250,)]:
            if not EXACT_FILL and dt != np.float64 and int(np.prod(shape)) >= 16:
                continue
            assert_same(g._normal(shape, dt), tnp(torch.randn(shape, dtype=td(dt), generator=tg)), g, tg,
                        f"randn {dt} {shape} seed {seed}")


@pytest.mark.parametrize("dt", FLOATS, ids=str)
@pytest.mark.parametrize("mean,std", [(0.3, 0.02), (-2.5, 3.7), (1e3, 1e-3), (0.0, 0.0)])
def test_normal_mean_std(dt, mean, std):
    for seed in range(4):
        g, tg = pair(seed)
        for shape in [(), (5,), (16,), (37,), (3, 4, 5)]:
            if not EXACT_FILL and dt != np.float64 and int(np.prod(shape)) >= 16:
                continue
            mine = g._normal(shape, dt, mean, std)
            theirs = tnp(torch.empty(shape, dtype=td(dt)).normal_(mean, std, generator=tg))
            assert_same(mine, theirs, g, tg, f"normal_({mean}, {std}) {dt} {shape}")


def test_normal_noncontiguous_uses_serial_path():
    g, tg = pair(5)
    t = torch.empty(8, 6).t()  # 48 elements, not contiguous -> per-element double path
    t.normal_(generator=tg)
    mine = g._normal((48,), np.float32, contiguous=False)  # torch fills in memory order
    assert_same(mine, tnp(t.t().contiguous()).reshape(-1), g, tg, "non-contiguous normal_")


def test_normal_fill_injected_uniforms():
    """Feed chosen 32-bit words into torch's float32 Box-Muller fill (crafted MT states) and compare."""
    if not EXACT_FILL:
        pytest.skip("torch uses its scalar normal kernel on this CPU")
    rs = np.random.RandomState(0)
    words = np.concatenate([rs.randint(0, 2**24, 1 << 16), np.arange(2048), 2**24 - 1 - np.arange(2048),
                            (2**23 + np.arange(-1024, 1024))]).astype(np.uint32)
    words = np.concatenate([words, np.zeros(-len(words) % 608, np.uint32)])
    theirs = []
    for chunk in words.reshape(-1, 608):
        torch.set_rng_state(torch.from_numpy(crafted_state(chunk)))
        theirs.append(torch.randn(608).numpy())
    theirs = np.concatenate(theirs)
    mine = K._box_muller16_f32(words.reshape(-1, 16), 0.0, 1.0).reshape(-1)
    assert same_bits(mine, theirs)


def untemper(y):
    y = np.asarray(y, np.uint64)
    mask = np.uint64(0xFFFFFFFF)

    def inv_right(v, s):
        x = v.copy()
        for _ in range(32 // s + 1):
            x = v ^ (x >> np.uint64(s))
        return x & mask

    def inv_left(v, s, m):
        x = v.copy()
        for _ in range(32 // s + 1):
            x = v ^ ((x << np.uint64(s)) & np.uint64(m))
        return x & mask

    return inv_right(inv_left(inv_left(inv_right(y, 18), 15, 0xefc60000), 7, 0x9d2c5680), 11)


def crafted_state(words):
    """A torch CPU state whose next ``len(words)`` (<= 623) 32-bit outputs are ``words``."""
    key = np.zeros(624, np.uint64)
    key[:len(words)] = untemper(words)
    buf = bytearray(5056)
    struct.pack_into("<QiiQ", buf, 0, 0, 624, 1, 0)
    buf[24:24 + 8 * 624] = key.astype("<u8").tobytes()
    return np.frombuffer(bytes(buf), np.uint8).copy()


@needs_fill
@pytest.mark.parametrize("dt", [np.dtype(np.complex64), np.dtype(np.complex128)], ids=str)
def test_complex(dt):
    for seed in range(6):
        g, tg = pair(seed)
        for shape in [(3,), (7,), (8,), (9,), (2, 20)]:
            assert_same(g._uniform(shape, dt), tnp(torch.rand(shape, dtype=td(dt), generator=tg)), g, tg, "crand")
            assert_same(g._normal(shape, dt), tnp(torch.randn(shape, dtype=td(dt), generator=tg)), g, tg, "crandn")


@pytest.mark.parametrize("dt", FLOATS, ids=str)
def test_other_distributions(dt):
    for seed in range(8):
        g, tg = pair(seed)
        for shape in [(), (7,), (100,), (3, 4, 5)]:
            t = lambda: torch.empty(shape, dtype=td(dt))  # noqa: E731
            assert_same(g._exponential(shape, dt, 1.7), tnp(t().exponential_(1.7, generator=tg)), g, tg, "exponential")
            assert_same(g._geometric(shape, dt, 0.3), tnp(t().geometric_(0.3, generator=tg)), g, tg, "geometric")
            assert_same(g._cauchy(shape, dt, 0.5, 2.0), tnp(t().cauchy_(0.5, 2.0, generator=tg)), g, tg, "cauchy")
            assert_same(g._log_normal(shape, dt, 0.1, 0.7), tnp(t().log_normal_(0.1, 0.7, generator=tg)), g, tg,
                        "log_normal")


@pytest.mark.parametrize("dt", INTS[:-1], ids=str)
def test_geometric_integer_dtypes(dt):
    for seed in range(4):
        g, tg = pair(seed)
        assert_same(g._geometric((50,), dt, 0.2), tnp(torch.empty(50, dtype=td(dt)).geometric_(0.2, generator=tg)),
                    g, tg, "geometric int")


@needs_fill
@pytest.mark.parametrize("dt", FLOATS, ids=str)
def test_normal_tensor_mean_std(dt):
    rs = np.random.RandomState(5)
    for shape in [(), (3,), (16,), (5, 7), (40,)]:
        mean = np.asarray(rs.randn(*shape) * 3).astype(dt)
        std = np.asarray(rs.rand(*shape) * 2).astype(dt)
        tm, ts = to_torch(mean), to_torch(std)
        for seed in range(3):
            g, tg = pair(seed)
            assert_same(g._normal_tensor(mean, std), tnp(torch.normal(tm, ts, generator=tg)), g, tg, "normal(t, t)")
            assert_same(g._normal_tensor(mean, 0.7), tnp(torch.normal(tm, 0.7, generator=tg)), g, tg, "normal(t, f)")
            assert_same(g._normal_tensor(-1.3, std), tnp(torch.normal(-1.3, ts, generator=tg)), g, tg, "normal(f, t)")
    m, s = rs.randn(5, 1).astype(dt), rs.rand(7).astype(dt)
    g, tg = pair(1)
    assert_same(g._normal_tensor(m, s), tnp(torch.normal(to_torch(m), to_torch(s), generator=tg)), g, tg, "bcast")
    assert_same(g._normal_tensor(2.0, 3.0, (20,)), tnp(torch.normal(2.0, 3.0, (20,), generator=tg)), g, tg, "ff")


# -------------------------------------------------------------------------------------------- discrete


@pytest.mark.parametrize("dt", FLOATS + INTS + UINTS, ids=str)
def test_randint(dt):
    hi = 2 if dt == np.dtype(bool) else 100
    for seed in SEEDS:
        g, tg = pair(seed)
        for shape in SHAPES:
            assert_same(g._randint(shape, dt, 0, hi), tnp(torch.randint(0, hi, shape, dtype=td(dt), generator=tg)),
                        g, tg, f"randint {dt} {shape}")
    if dt.kind in "fi" and dt != np.dtype(np.uint8):
        g, tg = pair(3)
        assert_same(g._randint((30,), dt, -5, 7), tnp(torch.randint(-5, 7, (30,), dtype=td(dt), generator=tg)),
                    g, tg, "negative from")


@pytest.mark.parametrize("lo,hi", [(0, 2**28 - 1), (0, 2**28), (-2**40, 2**40), (5, 2**33), (-2**63, 2**63 - 1),
                                   (0, 1), (-7, -3)])
def test_randint_ranges_int64(lo, hi):
    for seed in range(5):
        g, tg = pair(seed)
        assert_same(g._randint((50,), np.int64, lo, hi), tnp(torch.randint(lo, hi, (50,), generator=tg)), g, tg,
                    f"randint [{lo}, {hi})")


def test_random_from_and_full_range():
    for seed in range(4):
        g, tg = pair(seed)
        for dt in [np.int64, np.int32, np.int16, np.int8, np.uint8, np.float32, np.float64, np.float16, BF16,
                   np.uint16, np.uint32]:
            dt = np.dtype(dt)
            assert_same(g._randint((20,), dt, 3, None), tnp(torch.empty(20, dtype=td(dt)).random_(3, None, generator=tg)),
                        g, tg, f"random_(3) {dt}")
        for dt in [np.int64, np.float32, np.float64, BF16]:
            dt = np.dtype(dt)
            assert_same(g._randint((20,), dt, -2**63, None),
                        tnp(torch.empty(20, dtype=td(dt)).random_(-2**63, None, generator=tg)), g, tg, f"full {dt}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        g, tg = pair(1)  # float dtypes adjust from/to beyond their exact-integer range
        assert_same(g._randint((20,), np.float32, 2**25 + 3, 2**26 + 1),
                    tnp(torch.empty(20).random_(2**25 + 3, 2**26 + 1, generator=tg)), g, tg, "float from/to adjust")
    with pytest.raises(RuntimeError):
        torch.empty(3, dtype=torch.uint64).random_(3, None)
    with pytest.raises(RuntimeError):
        R.Generator()._randint((3,), np.uint64, 3, None)


@pytest.mark.parametrize("dt", FLOATS + INTS, ids=str)
def test_random_no_bounds(dt):
    for seed in range(8):
        g, tg = pair(seed)
        for shape in [(), (7,), (100,), (3, 4, 5)]:
            assert_same(g._random(shape, dt), tnp(torch.empty(shape, dtype=td(dt)).random_(generator=tg)), g, tg,
                        f"random_() {dt}")


@pytest.mark.parametrize("n", [0, 1, 2, 3, 10, 100, 1000, 12345, 100000])
def test_randperm(n):
    for seed in range(3 if n > 1000 else 21):
        g, tg = pair(seed)
        assert_same(g._randperm(n), tnp(torch.randperm(n, generator=tg)), g, tg, f"randperm({n})")


@pytest.mark.parametrize("dt", [np.int32, np.int16, np.uint8, np.float32, np.float64, np.float16, BF16], ids=str)
def test_randperm_dtypes(dt):
    g, tg = pair(4)
    n = 200
    assert_same(g._randperm(n, dt), tnp(torch.randperm(n, dtype=td(dt), generator=tg)), g, tg, f"randperm {dt}")


def test_randperm_large_one_seed():
    g, tg = pair(11)
    assert_same(g._randperm(10**6), tnp(torch.randperm(10**6, generator=tg)), g, tg, "randperm(1e6)")


def _fisher_yates_loop(r, n):
    a = list(range(n))
    for i in range(n - 1):
        z = int(r[i]) % (n - i)
        a[i], a[i + z] = a[i + z], a[i]
    return np.array(a, dtype=np.int64)


def _inside_out_loop(r, n):
    a = [0] * n
    for i in range(n):
        z = int(r[i]) % (i + 1)
        a[i] = i
        a[i] = a[z]
        a[z] = i
    return np.array(a, dtype=np.int64)


def test_randperm_algorithms_against_loops():
    """Both shuffles ATen uses (n < 2**32 // 20 and the 64-bit inside-out one for larger n) vs plain loops."""
    rs = np.random.RandomState(0)
    for trial in range(400):
        n = int(rs.randint(1, 300))
        kind = trial % 4
        if kind == 0:
            r = rs.randint(0, 2**32, n, dtype=np.uint64)
        elif kind == 1:
            r = rs.randint(0, 3, n).astype(np.uint64)  # many self-swaps and repeated targets
        elif kind == 2:
            r = np.zeros(n, np.uint64)
        else:
            r = (rs.randint(0, 2**32, n, dtype=np.uint64) << np.uint64(31)) | rs.randint(0, 2**31, n).astype(np.uint64)
        r32 = (r & np.uint64(0xFFFFFFFF)).astype(np.uint32)
        assert np.array_equal(K._fisher_yates(r32[:n - 1], n), _fisher_yates_loop(r32, n))
        assert np.array_equal(K._inside_out(r, n), _inside_out_loop(r, n))


# ------------------------------------------------------------------------------------------- bernoulli


@pytest.mark.parametrize("dt", FLOATS + INTS, ids=str)
def test_bernoulli_scalar(dt):
    for seed in range(8):
        g, tg = pair(seed)
        for shape in [(), (7,), (100,), (3, 4, 5)]:
            assert_same(g._bernoulli_scalar(shape, dt, 0.3), tnp(torch.empty(shape, dtype=td(dt)).bernoulli_(0.3, generator=tg)),
                        g, tg, "bernoulli_(p)")
    x = torch.zeros(4, 5, dtype=td(dt))
    g, tg = pair(2)
    assert_same(g._bernoulli_scalar((4, 5), dt, 0.8), tnp(torch.bernoulli(x, p=0.8, generator=tg)), g, tg,
                "torch.bernoulli(x, p)")


@pytest.mark.parametrize("pdt", FLOATS, ids=str)
def test_bernoulli_tensor(pdt):
    rs = np.random.RandomState(1)
    for shape in [(), (5,), (17,), (3, 4, 5)]:
        p = np.asarray(rs.rand(*shape)).astype(pdt)
        tp = to_torch(p)
        for seed in range(4):
            g, tg = pair(seed)
            assert_same(g._bernoulli_tensor(p), tnp(torch.bernoulli(tp, generator=tg)), g, tg, "bernoulli(p)")
            for odt in [np.dtype(np.float32), np.dtype(bool), np.dtype(np.int64)]:
                assert_same(g._bernoulli_tensor(p, odt, shape),
                            tnp(torch.empty(shape, dtype=td(odt)).bernoulli_(tp, generator=tg)), g, tg, "bernoulli_(p)")
    p = rs.rand(5).astype(pdt)
    g, tg = pair(0)
    assert_same(g._bernoulli_tensor(p, np.float32, (3, 5)), tnp(torch.empty(3, 5).bernoulli_(to_torch(p), generator=tg)),
                g, tg, "broadcast p")


# --------------------------------------------------------------------------------------------- dropout


def _apply(x, noise, b, dt):
    if noise is None:
        return x
    c = np.float64 if dt == np.float64 else np.float32
    out = (x.astype(c) * noise.astype(c)).astype(dt)
    return out if b is None else (out.astype(c) + b.astype(c)).astype(dt)


@pytest.mark.parametrize("dt", FLOATS, ids=str)
def test_dropout(dt):
    for seed in range(3):
        for shape in [(7,), (4, 33), (2, 3, 5, 5)]:
            x = torch.randn(shape).to(td(dt))
            xn = tnp(x)
            for p in [0.0, 0.1, 0.5, 0.9, 1.0]:
                g, tg = pair(seed)
                theirs = tnp(with_gen(tg, lambda: F.dropout(x, p, True)))
                assert_same(_apply(xn, *g._dropout_noise(shape, dt, p), dt), theirs, g, tg, f"dropout p={p}")
                g, tg = pair(seed)
                keep = tnp(with_gen(tg, lambda: F.dropout(torch.ones(shape, dtype=td(dt)), p, True) != 0))
                assert_same(g._dropout_mask(shape, dt, p), keep, g, tg, f"dropout mask p={p}")


@pytest.mark.parametrize("dt", FLOATS, ids=str)
def test_feature_and_alpha_dropout(dt):
    for seed in range(2):
        for shape, fn in [((2, 3, 5, 5), F.dropout2d), ((2, 3, 4), F.dropout1d), ((2, 3, 2, 2, 2), F.dropout3d)]:
            x = torch.randn(shape).to(td(dt))
            xn = tnp(x)
            fshape = shape[:2] + (1,) * (len(shape) - 2)
            for p in [0.1, 0.5, 0.9]:
                g, tg = pair(seed)
                assert_same(_apply(xn, *g._dropout_noise(fshape, dt, p), dt), tnp(with_gen(tg, lambda: fn(x, p, True))),
                            g, tg, f"{fn.__name__} p={p}")
                g, tg = pair(seed)
                assert_same(_apply(xn, *g._dropout_noise(shape, dt, p, alpha=True), dt),
                            tnp(with_gen(tg, lambda: F.alpha_dropout(x, p, True))), g, tg, f"alpha_dropout p={p}")
                g, tg = pair(seed)
                assert_same(_apply(xn, *g._dropout_noise(fshape, dt, p, alpha=True), dt),
                            tnp(with_gen(tg, lambda: F.feature_alpha_dropout(x, p, True))), g, tg,
                            f"feature_alpha_dropout p={p}")


# ----------------------------------------------------------------------------------------- multinomial


@pytest.mark.parametrize("dt", FLOATS, ids=str)
def test_multinomial(dt):
    rs = np.random.RandomState(3)
    for shape in [(5,), (100,), (4, 7), (3, 1000)]:
        probs = rs.rand(*shape).astype(dt)
        tprobs = to_torch(probs)
        for ns, repl in [(1, False), (1, True), (3, False), (3, True), (shape[-1], False), (50, True)]:
            for seed in range(2):
                g, tg = pair(seed)
                assert_same(g._multinomial(probs, ns, repl), tnp(torch.multinomial(tprobs, ns, repl, generator=tg)),
                            g, tg, f"multinomial {shape} n={ns} replacement={repl}")


@pytest.mark.parametrize("dt", [np.dtype(np.float32), np.dtype(np.float64)], ids=str)
def test_multinomial_zero_probability_ties(dt):
    """Zero-probability categories tie in torch's topk; the order must follow libstdc++'s algorithms."""
    bases = [np.array([1.0, 0, 0, 0, 0, 1, 0, 0]), np.eye(1, 41, 7)[0], np.r_[np.zeros(300), 1.0, np.zeros(200), 2.0],
             np.r_[np.ones(5), np.zeros(400)], np.r_[np.zeros(70), [3.0, 1.0], np.zeros(2000)]]
    for base in bases:
        probs = base.astype(dt)
        for ns in sorted({1, 2, 3, 8, len(base) // 2, len(base)}):
            for seed in range(3):
                g, tg = pair(seed)
                assert_same(g._multinomial(probs, ns, False), tnp(torch.multinomial(to_torch(probs), ns, False, generator=tg)),
                            g, tg, f"ties n={len(base)} k={ns}")


# --------------------------------------------------------------------------------------- stream / state


def _mixed_mine(g):
    parts = [g._uniform((5,)), g._normal((3,)), g._randint((4,), None, 0, 10), g._randperm(20), g._normal((1,), np.float64),
             g._normal((100,)), g._normal((2,), np.float16), g._log_normal((3,)), g._bernoulli_scalar((9,), None, 0.4),
             g._multinomial(np.array([0.2, 0.3, 0.5]), 4, True), g._exponential((6,)), g._normal((1,)),
             g._randint((3,), None, 0, 2**40), g._random((5,), np.int64), g._uniform((33,), np.float16), g._randperm(300),
             g._normal((17,), BF16), g._dropout_mask((40,), np.float32, 0.25), g._multinomial(np.ones(10), 3, False)]
    return np.concatenate([np.asarray(p, np.float64).reshape(-1) for p in parts])


def _mixed_torch(tg):
    parts = [torch.rand(5, generator=tg), torch.randn(3, generator=tg), torch.randint(0, 10, (4,), generator=tg),
             torch.randperm(20, generator=tg), torch.randn(1, dtype=torch.float64, generator=tg), torch.randn(100, generator=tg),
             torch.randn(2, dtype=torch.float16, generator=tg), torch.empty(3).log_normal_(generator=tg),
             torch.empty(9).bernoulli_(0.4, generator=tg),
             torch.multinomial(torch.tensor([0.2, 0.3, 0.5], dtype=torch.float64), 4, True, generator=tg),
             torch.empty(6).exponential_(generator=tg), torch.randn(1, generator=tg), torch.randint(0, 2**40, (3,), generator=tg),
             torch.empty(5, dtype=torch.int64).random_(generator=tg), torch.rand(33, dtype=torch.float16, generator=tg),
             torch.randperm(300, generator=tg), torch.randn(17, dtype=torch.bfloat16, generator=tg),
             with_gen(tg, lambda: F.dropout(torch.ones(40), 0.25, True) != 0),
             torch.multinomial(torch.ones(10, dtype=torch.float64), 3, False, generator=tg)]
    return torch.cat([p.double().reshape(-1) for p in parts])


@needs_fill
@pytest.mark.parametrize("seed", SEEDS)
def test_mixed_sequence(seed):
    g, tg = pair(seed)
    assert_same(_mixed_mine(g), tnp(_mixed_torch(tg)), g, tg, "mixed sequence")
    assert_same(_mixed_mine(g), tnp(_mixed_torch(tg)), g, tg, "mixed sequence, second round")


def test_state_roundtrip_torch_to_mine_and_back():
    for seed in range(6):
        tg = torch.Generator().manual_seed(seed)
        torch.randn(3, generator=tg)  # leaves a cached double normal in the state
        torch.rand(700 + seed, generator=tg)
        st = tnp(tg.get_state())
        g = R.Generator()
        g._load_state_bytes(st)
        assert same_bits(g._state_bytes(), st) and g.initial_seed() == seed
        assert_same(g._normal((5,)), tnp(torch.randn(5, generator=tg)), g, tg, "draws after loading torch's state")
        back = torch.Generator()
        back.set_state(torch.from_numpy(g._state_bytes()))
        assert same_bits(tnp(back.get_state()), g._state_bytes())
        assert_same(g._uniform((1000,)), tnp(torch.rand(1000, generator=back)), what="torch continues my state")
    # a pending float normal cache (no CPU kernel creates one, but the bytes carry it) survives both ways
    st = g._state_bytes().copy()
    st[5048:5052] = np.frombuffer(struct.pack("<f", 1.25), np.uint8)
    st[5052] = 1
    g._load_state_bytes(st)
    assert same_bits(g._state_bytes(), st)
    torch.set_rng_state(torch.from_numpy(st))
    assert same_bits(tnp(torch.get_rng_state()), st)


@pytest.mark.parametrize("k", [0, 1, 623, 624, 625, 1248])
def test_state_bytes_at_block_boundaries(k):
    g, tg = pair(7)
    if k:
        g._randint((k,), None, 0, 100)
        torch.randint(0, 100, (k,), generator=tg)
    assert same_bits(g._state_bytes(), tnp(tg.get_state()))
    g2 = R.Generator()
    g2._load_state_bytes(tnp(tg.get_state()))
    assert_same(g2._uniform((700,)), tnp(torch.rand(700, generator=tg)), g2, tg, "continue after load")


def test_invalid_state_rejected():
    g = R.Generator()
    with pytest.raises(RuntimeError):
        g._load_state_bytes(np.zeros(10, np.uint8))
    with pytest.raises(RuntimeError):
        g._load_state_bytes(np.zeros(5056, np.uint8))  # seeded == 0 / left == 0


def test_clone_copy_pickle():
    g, tg = pair(9)
    g._normal((1,))  # cached sample must be carried along
    torch.randn(1, generator=tg)
    for other in (g.clone_state(), copy.copy(g), copy.deepcopy(g), pickle.loads(pickle.dumps(g))):
        assert other is not g and other.initial_seed() == g.initial_seed()
        assert same_bits(other._state_bytes(), g._state_bytes())
    c = g.clone_state()
    tc = tg.clone_state()
    assert_same(c._normal((3,)), tnp(torch.randn(3, generator=tc)), c, tc, "clone")
    assert_same(g._normal((3,)), tnp(torch.randn(3, generator=tg)), g, tg, "original unaffected by the clone")


def test_jax_key_is_reproducible_and_advances_two_words():
    jax = pytest.importorskip("jax")
    a, b = R.Generator().manual_seed(5), R.Generator().manual_seed(5)
    ka, kb = a._jax_key(), b._jax_key()
    assert np.array_equal(jax.random.key_data(ka), jax.random.key_data(kb))
    ref = R.Generator().manual_seed(5)
    ref._u32(2)
    assert same_bits(a._state_bytes(), ref._state_bytes())
    assert not np.array_equal(jax.random.key_data(a._jax_key()), jax.random.key_data(ka))
    x = jax.random.normal(kb, (3,))
    assert x.shape == (3,)


# ---------------------------------------------------------------------------------------- data loading


def test_data_utils_stream_usage():
    """The generator calls documented in the module docstring for torch.utils.data."""
    from torch.utils.data import DataLoader, RandomSampler, SubsetRandomSampler, WeightedRandomSampler, random_split

    for seed in range(4):
        torch.manual_seed(seed)
        batches = [b.tolist() for b in DataLoader(range(10), batch_size=3, shuffle=True)]
        after = tnp(torch.rand(3))
        d = R.manual_seed(seed)
        d._random((), np.int64)  # DataLoader _base_seed (drawn before the sampler runs)
        sampler_gen = R.Generator().manual_seed(int(d._random((), np.int64)))  # RandomSampler's private seed
        perm = sampler_gen._randperm(10).tolist()
        assert [perm[i:i + 3] for i in range(0, 10, 3)] == batches
        assert same_bits(d._uniform((3,)), after)

        tg = torch.Generator().manual_seed(seed)
        batches = [b.tolist() for b in DataLoader(range(10), batch_size=4, shuffle=True, generator=tg)]
        g = R.Generator().manual_seed(seed)
        g._random((), np.int64)
        perm = g._randperm(10).tolist()
        g._randperm(10)  # RandomSampler draws a second randperm and slices it to nothing
        assert [perm[i:i + 4] for i in range(0, 10, 4)] == batches
        assert same_bits(g._state_bytes(), tnp(tg.get_state()))

        tg = torch.Generator().manual_seed(seed)
        idx = list(RandomSampler(range(13), replacement=True, num_samples=70, generator=tg))
        g = R.Generator().manual_seed(seed)
        mine = [g._randint((32,), None, 0, 13), g._randint((32,), None, 0, 13), g._randint((6,), None, 0, 13)]
        assert np.concatenate(mine).tolist() == idx

        w = [0.1, 0.9, 0.4, 0.0, 2.0]
        tg = torch.Generator().manual_seed(seed)
        idx = list(WeightedRandomSampler(w, 8, generator=tg)) + list(WeightedRandomSampler(w, 3, replacement=False, generator=tg))
        g = R.Generator().manual_seed(seed)
        wd = np.array(w, np.float64)
        assert g._multinomial(wd, 8, True).tolist() + g._multinomial(wd, 3, False).tolist() == idx

        torch.manual_seed(seed)
        idx = list(SubsetRandomSampler([5, 6, 7, 8]))
        parts = [list(p) for p in random_split(range(9), [4, 5])]
        d = R.manual_seed(seed)
        assert [[5, 6, 7, 8][i] for i in d._randperm(4).tolist()] == idx
        q = d._randperm(9).tolist()
        assert [q[:4], q[4:]] == parts


# -------------------------------------------------------------------------------------------- errors


def test_argument_errors_match_torch():
    g = R.Generator()
    cases = [
        (lambda: g._uniform((3,), np.float32, 2.0, 1.0), lambda: torch.empty(3).uniform_(2.0, 1.0)),
        (lambda: g._normal((3,), np.float32, 0.0, -1.0), lambda: torch.empty(3).normal_(0.0, -1.0)),
        (lambda: g._randint((3,), np.int64, 5, 5), lambda: torch.randint(5, 5, (3,))),
        (lambda: g._randint((3,), np.uint8, 0, 300), lambda: torch.randint(0, 300, (3,), dtype=torch.uint8)),
        (lambda: g._bernoulli_scalar((3,), np.float32, 1.5), lambda: torch.empty(3).bernoulli_(1.5)),
        (lambda: g._multinomial(np.ones(3), 4, False), lambda: torch.multinomial(torch.ones(3), 4, False)),
        (lambda: g._multinomial(np.zeros(3), 1, False), lambda: torch.multinomial(torch.zeros(3), 1, False)),
        (lambda: g._exponential((3,), np.int64), lambda: torch.empty(3, dtype=torch.int64).exponential_()),
        (lambda: g._geometric((3,), np.float32, 1.0), lambda: torch.empty(3).geometric_(1.0)),
        (lambda: g._normal((3,), np.int64), lambda: torch.empty(3, dtype=torch.int64).normal_()),
        (lambda: g._randperm(3000, np.float16), lambda: torch.randperm(3000, dtype=torch.float16)),
        (lambda: g._uniform((3,), np.float16, -6e4, 6e4), lambda: torch.empty(3, dtype=torch.float16).uniform_(-6e4, 6e4)),
    ]
    for mine, theirs in cases:
        with pytest.raises(RuntimeError):
            theirs()
        with pytest.raises(RuntimeError):
            mine()
