"""Ops run under autocast in both libraries; the test compares output dtypes (and values loosely) with torch's.

Each case is `name: fn(xp, inputs)` where `inputs` holds float32 tensors (a: 4x5, b: 5x3, sq: 4x4 spd matrix,
x3: 2x3x4, x4: 2x3x6x6 image, x5: 1x2x4x4x4 volume, v: 5, i: long targets, ...) created identically for both.
"""
import numpy as np

R = np.random.default_rng(7)


def make_inputs(xp, dtype=None):
    dt = dtype or xp.float32
    f = lambda *s: xp.tensor(R.standard_normal(s).astype(np.float32)).to(dt)  # noqa: E731
    sq = R.standard_normal((4, 4)).astype(np.float32)
    sq = sq @ sq.T + 4 * np.eye(4, dtype=np.float32)
    R.bit_generator.state = np.random.default_rng(7).bit_generator.state  # same draws for every library
    g = np.random.default_rng(11)
    arr = lambda *s: g.standard_normal(s).astype(np.float32)  # noqa: E731
    t = lambda a: xp.tensor(a).to(dt)  # noqa: E731
    return {
        "a": t(arr(4, 5)), "b": t(arr(5, 3)), "c": t(arr(4, 3)), "v": t(arr(5)), "w": t(arr(4)),
        "sq": t(sq), "x3": t(arr(2, 3, 4)), "y3": t(arr(2, 4, 5)), "z3": t(arr(2, 3, 5)),
        "x4": t(arr(2, 3, 6, 6)), "x5": t(arr(1, 2, 4, 4, 4)), "x1d": t(arr(2, 3, 8)),
        "w4": t(arr(4, 3, 3, 3)), "w1d": t(arr(4, 3, 3)), "w5": t(arr(3, 2, 2, 2, 2)),
        "p": t(np.abs(arr(4, 5)) + 0.1), "prob": t(1 / (1 + np.exp(-arr(4, 5)))),
        "i": xp.tensor(g.integers(0, 5, (4,))), "y": t(np.sign(arr(4)) + (arr(4) == 0)),
        "q": t(arr(2, 2, 4, 8)), "k": t(arr(2, 2, 6, 8)), "val": t(arr(2, 2, 6, 8)),
        "lw": t(arr(3, 5)), "lb": t(arr(3)), "ln_w": t(arr(5)), "alpha": t(np.full(3, 0.25, np.float32)),
        "sig": t(arr(64)), "bw": t(arr(3, 5, 5)),
    }


def F(xp):
    return xp.nn.functional


CASES = {
    # lower precision on CPU
    "mm": lambda xp, d: xp.mm(d["a"], d["b"]),
    "Tensor.mm": lambda xp, d: d["a"].mm(d["b"]),
    "matmul": lambda xp, d: xp.matmul(d["a"], d["b"]),
    "@": lambda xp, d: d["a"] @ d["b"],
    "matmul_1d": lambda xp, d: xp.matmul(d["a"], d["v"]),
    "bmm": lambda xp, d: xp.bmm(d["x3"], d["y3"]),
    "baddbmm": lambda xp, d: xp.baddbmm(d["z3"], d["x3"], d["y3"]),
    "addbmm": lambda xp, d: xp.addbmm(d["c"][:3], d["x3"][:, :3], d["y3"][:, :, :3]),
    "addmm": lambda xp, d: xp.addmm(d["c"], d["a"], d["b"]),
    "Tensor.addmm": lambda xp, d: d["c"].addmm(d["a"], d["b"]),
    "linear": lambda xp, d: F(xp).linear(d["a"], d["lw"], d["lb"]),
    "linear_nobias": lambda xp, d: F(xp).linear(d["a"], d["lw"]),
    "nn.Linear": lambda xp, d: _seeded(xp, lambda: xp.nn.Linear(5, 3))(d["a"]),
    "conv1d": lambda xp, d: F(xp).conv1d(d["x1d"], d["w1d"]),
    "conv2d": lambda xp, d: F(xp).conv2d(d["x4"], d["w4"], padding=1),
    "conv3d": lambda xp, d: F(xp).conv3d(d["x5"], d["w5"]),
    "nn.Conv2d": lambda xp, d: _seeded(xp, lambda: xp.nn.Conv2d(3, 4, 3))(d["x4"]),
    "conv_transpose1d": lambda xp, d: F(xp).conv_transpose1d(d["x1d"], d["w1d"].transpose(0, 1)[:, :3].contiguous()),
    "conv_transpose2d": lambda xp, d: F(xp).conv_transpose2d(d["x4"], d["w4"].transpose(0, 1).contiguous()),
    "prelu": lambda xp, d: F(xp).prelu(d["x4"], d["alpha"]),
    "sdpa": lambda xp, d: F(xp).scaled_dot_product_attention(d["q"], d["k"], d["val"]),
    "einsum": lambda xp, d: xp.einsum("ij,jk->ik", d["a"], d["b"]),
    "tensordot": lambda xp, d: xp.tensordot(d["a"], d["b"], dims=1),
    "mv": lambda xp, d: xp.mv(d["a"], d["v"]),
    "dot": lambda xp, d: xp.dot(d["v"], d["v"]),
    "outer": lambda xp, d: xp.outer(d["v"], d["w"]),
    "inner": lambda xp, d: xp.inner(d["a"], d["a"]),
    "bilinear": lambda xp, d: F(xp).bilinear(d["a"], d["a"], d["bw"]),
    "nn.MultiheadAttention": lambda xp, d: _seeded(xp, lambda: xp.nn.MultiheadAttention(8, 2, batch_first=True))(
        d["k"][0], d["k"][0], d["k"][0])[0],
    # float32 on CPU
    "cross_entropy": lambda xp, d: F(xp).cross_entropy(d["a"], d["i"]),
    "cross_entropy_bf16in": lambda xp, d: F(xp).cross_entropy(d["a"].to(xp.bfloat16), d["i"]),
    "nll_loss": lambda xp, d: F(xp).nll_loss(F(xp).log_softmax(d["a"], 1), d["i"]),
    "mse_loss": lambda xp, d: F(xp).mse_loss(d["a"], d["p"]),
    "mse_loss_bf16": lambda xp, d: F(xp).mse_loss(d["a"].to(xp.bfloat16), d["p"]),
    "l1_loss": lambda xp, d: F(xp).l1_loss(d["a"], d["p"]),
    "smooth_l1_loss": lambda xp, d: F(xp).smooth_l1_loss(d["a"], d["p"]),
    "huber_loss": lambda xp, d: F(xp).huber_loss(d["a"], d["p"]),
    "kl_div": lambda xp, d: F(xp).kl_div(d["a"], d["prob"], reduction="batchmean"),
    "bce": lambda xp, d: F(xp).binary_cross_entropy(d["prob"], d["prob"]),
    "bce_with_logits": lambda xp, d: F(xp).binary_cross_entropy_with_logits(d["a"], d["prob"]),
    "soft_margin_loss": lambda xp, d: F(xp).soft_margin_loss(d["w"], d["y"]),
    "margin_ranking_loss": lambda xp, d: F(xp).margin_ranking_loss(d["w"], d["w"] * 2, d["y"]),
    "hinge_embedding_loss": lambda xp, d: F(xp).hinge_embedding_loss(d["w"], d["y"]),
    "cosine_embedding_loss": lambda xp, d: F(xp).cosine_embedding_loss(d["a"], d["p"], d["y"]),
    "triplet_margin_loss": lambda xp, d: F(xp).triplet_margin_loss(d["a"], d["p"], d["prob"]),
    "multi_margin_loss": lambda xp, d: F(xp).multi_margin_loss(d["a"], d["i"]),
    "poisson_nll_loss": lambda xp, d: F(xp).poisson_nll_loss(d["a"], d["p"]),
    "prod": lambda xp, d: xp.prod(d["a"]),
    "prod_dim": lambda xp, d: d["a"].prod(1),
    "cdist": lambda xp, d: xp.cdist(d["a"], d["p"]),
    "trace": lambda xp, d: xp.trace(d["sq"]),
    "inverse": lambda xp, d: xp.inverse(d["sq"]),
    "linalg.inv": lambda xp, d: xp.linalg.inv(d["sq"]),
    "linalg.cholesky": lambda xp, d: xp.linalg.cholesky(d["sq"]),
    "linalg.solve": lambda xp, d: xp.linalg.solve(d["sq"], d["c"]),
    "linalg.svdvals": lambda xp, d: xp.linalg.svdvals(d["a"]),
    "linalg.eigvalsh": lambda xp, d: xp.linalg.eigvalsh(d["sq"]),
    "linalg.qr": lambda xp, d: xp.linalg.qr(d["a"])[0],
    "quantile": lambda xp, d: xp.quantile(d["v"], 0.3),
    "max_pool3d": lambda xp, d: F(xp).max_pool3d(d["x5"], 2),
    "avg_pool3d": lambda xp, d: F(xp).avg_pool3d(d["x5"], 2),
    "adaptive_avg_pool3d": lambda xp, d: F(xp).adaptive_avg_pool3d(d["x5"], 2),
    "pad_reflect": lambda xp, d: F(xp).pad(d["x4"], (1, 1, 1, 1), mode="reflect"),
    "pad_replicate": lambda xp, d: F(xp).pad(d["x4"], (1, 1, 1, 1), mode="replicate"),
    "pad_constant": lambda xp, d: F(xp).pad(d["x4"], (1, 1, 1, 1)),
    "grid_sample": lambda xp, d: F(xp).grid_sample(d["x4"], d["x4"][:, :2].permute(0, 2, 3, 1).tanh(),
                                                   align_corners=False),
    "fft.fft": lambda xp, d: xp.fft.fft(d["v"]).real,
    "fft.rfft": lambda xp, d: xp.fft.rfft(d["v"]).real,
    # promote on CPU
    "cat_mixed": lambda xp, d: xp.cat([d["a"], d["a"].to(xp.bfloat16)]),
    "cat_bf16": lambda xp, d: xp.cat([d["a"].to(xp.bfloat16), d["a"].to(xp.bfloat16)]),
    "stack_mixed": lambda xp, d: xp.stack([d["a"].to(xp.bfloat16), d["a"]]),
    "index_copy": lambda xp, d: d["a"].index_copy(0, xp.tensor([0, 2]), d["a"][:2].to(xp.bfloat16)),
    # not listed on CPU: run in the input's dtype
    "softmax": lambda xp, d: F(xp).softmax(d["a"], 1),
    "softmax_bf16": lambda xp, d: F(xp).softmax(d["a"].to(xp.bfloat16), 1),
    "log_softmax": lambda xp, d: d["a"].log_softmax(1),
    "layer_norm": lambda xp, d: F(xp).layer_norm(d["a"], (5,), d["ln_w"]),
    "layer_norm_bf16in": lambda xp, d: F(xp).layer_norm(d["a"].to(xp.bfloat16), (5,), d["ln_w"], d["ln_w"]),
    "exp": lambda xp, d: d["a"].exp(),
    "sum": lambda xp, d: d["a"].sum(),
    "cumsum": lambda xp, d: d["a"].cumsum(0),
    "relu": lambda xp, d: F(xp).relu(d["a"]),
    "gelu_bf16": lambda xp, d: F(xp).gelu(d["a"].to(xp.bfloat16)),
    "add_mixed": lambda xp, d: d["a"].to(xp.bfloat16) + d["a"],
    "pow": lambda xp, d: d["p"] ** 2,
    "norm": lambda xp, d: d["a"].norm(),
    "addcmul": lambda xp, d: xp.addcmul(d["a"], d["a"].to(xp.bfloat16), d["a"]),
    "batch_norm": lambda xp, d: F(xp).batch_norm(d["x4"], None, None, training=True),
    "embedding": lambda xp, d: F(xp).embedding(d["i"], d["a"]),
    "interpolate": lambda xp, d: F(xp).interpolate(d["x4"], scale_factor=2, mode="bilinear"),
    "max_pool2d": lambda xp, d: F(xp).max_pool2d(d["x4"], 2),
    "double_mm": lambda xp, d: xp.mm(d["a"].double(), d["b"].double()),
    "int_add": lambda xp, d: d["i"] + 1,
    "mm_out_of_region_bf16_mix": lambda xp, d: xp.mm(d["a"].to(xp.bfloat16), d["b"]),
    "nn.GRU": lambda xp, d: _seeded(xp, lambda: xp.nn.GRU(5, 3, batch_first=True))(d["y3"])[0],
    "nn.TransformerEncoderLayer": lambda xp, d: _seeded(xp, lambda: xp.nn.TransformerEncoderLayer(
        8, 2, 16, dropout=0.0, batch_first=True))(d["k"][0]),
}


def _seeded(xp, make):
    xp.manual_seed(0)
    return make()
