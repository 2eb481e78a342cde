"""Every layer family: printing, state_dict layout, forward and backward (inputs and parameters) against torch with
torch's weights loaded, in train and eval mode."""
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")
import torchjax  # noqa: E402

from tests._compare import assert_same, check_error  # noqa: E402
from tests.nn._helpers import compare_module, copy_state, pair, randn, tj  # noqa: E402

warnings.filterwarnings("ignore", category=UserWarning)

LAYERS = [
    ("Conv1d", lambda nn: nn.Conv1d(4, 6, 3, stride=2, padding=1, dilation=2), [(2, 4, 11)]),
    ("Conv2d_reflect", lambda nn: nn.Conv2d(3, 4, 3, padding=1, padding_mode="reflect"), [(2, 3, 6, 7)]),
    ("Conv2d_same_groups", lambda nn: nn.Conv2d(4, 6, (3, 2), padding="same", groups=2, bias=False),
     [(2, 4, 6, 7)]),
    ("Conv3d_circular", lambda nn: nn.Conv3d(2, 3, 2, padding=1, padding_mode="circular"), [(1, 2, 4, 5, 3)]),
    ("ConvTranspose2d", lambda nn: nn.ConvTranspose2d(3, 4, 3, stride=2, padding=1, output_padding=1),
     [(2, 3, 5, 4)]),
    ("ConvTranspose1d_groups", lambda nn: nn.ConvTranspose1d(4, 6, 3, groups=2, dilation=2), [(2, 4, 7)]),
    ("ConvTranspose3d", lambda nn: nn.ConvTranspose3d(2, 3, 2, stride=(1, 2, 2)), [(1, 2, 3, 4, 3)]),
    ("MaxPool2d", lambda nn: nn.MaxPool2d(3, 2, 1, ceil_mode=True), [(2, 3, 8, 8)]),
    ("AvgPool2d", lambda nn: nn.AvgPool2d(3, 2, 1, count_include_pad=False), [(2, 3, 8, 8)]),
    ("AdaptiveAvgPool2d", lambda nn: nn.AdaptiveAvgPool2d((3, 2)), [(2, 3, 7, 8)]),
    ("AdaptiveMaxPool1d", lambda nn: nn.AdaptiveMaxPool1d(3), [(2, 3, 8)]),
    ("LPPool2d", lambda nn: nn.LPPool2d(2, 2), [(2, 3, 6, 6)]),
    ("BatchNorm1d", lambda nn: nn.BatchNorm1d(4), [(5, 4)]),
    ("BatchNorm2d_nomomentum", lambda nn: nn.BatchNorm2d(3, momentum=None, affine=False), [(4, 3, 3, 3)]),
    ("BatchNorm3d_notrack", lambda nn: nn.BatchNorm3d(2, track_running_stats=False), [(2, 2, 3, 3, 3)]),
    ("InstanceNorm2d_track", lambda nn: nn.InstanceNorm2d(3, affine=True, track_running_stats=True),
     [(2, 3, 4, 4)]),
    ("LayerNorm", lambda nn: nn.LayerNorm((3, 4), bias=False), [(2, 3, 4)]),
    ("GroupNorm", lambda nn: nn.GroupNorm(2, 4), [(2, 4, 5)]),
    ("RMSNorm", lambda nn: nn.RMSNorm(4, eps=1e-3), [(2, 3, 4)]),
    ("LocalResponseNorm", lambda nn: nn.LocalResponseNorm(3), [(2, 5, 3, 3)]),
    ("Embedding", lambda nn: nn.Embedding(10, 3, padding_idx=2), ["idx"]),
    ("EmbeddingBag", lambda nn: nn.EmbeddingBag(10, 3, mode="sum"), ["idx"]),
    ("PixelShuffle", lambda nn: nn.PixelShuffle(2), [(1, 8, 3, 3)]),
    ("Upsample", lambda nn: nn.Upsample(scale_factor=2, mode="bilinear"), [(1, 2, 3, 4)]),
    ("UpsamplingNearest2d", lambda nn: nn.UpsamplingNearest2d(size=(5, 7)), [(1, 2, 3, 4)]),
    ("ReflectionPad2d", lambda nn: nn.ReflectionPad2d((1, 2, 0, 1)), [(1, 2, 3, 4)]),
    ("ConstantPad1d", lambda nn: nn.ConstantPad1d(2, 3.5), [(1, 2, 3)]),
    ("ZeroPad2d", lambda nn: nn.ZeroPad2d(1), [(1, 2, 3, 3)]),
    ("CosineSimilarity", lambda nn: nn.CosineSimilarity(dim=1), [(3, 4), (3, 4)]),
    ("PairwiseDistance", lambda nn: nn.PairwiseDistance(p=1.5), [(3, 4), (3, 4)]),
    ("ChannelShuffle", lambda nn: nn.ChannelShuffle(2), [(1, 4, 2, 2)]),
    ("Fold", lambda nn: nn.Fold((4, 5), 2), [(2, 8, 12)]),
    ("Unfold", lambda nn: nn.Unfold(2, padding=1), [(2, 2, 3, 4)]),
    ("PReLU", lambda nn: nn.PReLU(3), [(2, 3, 4)]),
    ("Softmax2d", lambda nn: nn.Softmax2d(), [(2, 3, 4, 4)]),
    ("Flatten", lambda nn: nn.Flatten(0, 1), [(2, 3, 4)]),
    ("PixelUnshuffle", lambda nn: nn.PixelUnshuffle(2), [(1, 2, 4, 6)]),
    ("UpsamplingBilinear2d", lambda nn: nn.UpsamplingBilinear2d(scale_factor=2), [(1, 2, 3, 4)]),
    ("Upsample_bicubic_size", lambda nn: nn.Upsample(size=(5, 3), mode="bicubic", align_corners=False),
     [(1, 2, 3, 4)]),
    ("Upsample_trilinear", lambda nn: nn.Upsample(scale_factor=(1.5, 2, 1), mode="trilinear"), [(1, 1, 2, 3, 2)]),
    ("Hardsigmoid", lambda nn: nn.Hardsigmoid(), [(3, 4)]),
    ("CrossMapLRN2d", lambda nn: nn.CrossMapLRN2d(3, alpha=1e-3, beta=0.75, k=2.0), [(2, 5, 3, 3)]),
    ("CrossMapLRN2d_5", lambda nn: nn.CrossMapLRN2d(5, alpha=0.3, beta=0.5), [(2, 7, 2, 3)]),
    ("Identity", lambda nn: nn.Identity(3, unused="x"), [(2, 3)]),
    ("Unflatten", lambda nn: nn.Unflatten(1, (2, 3)), [(4, 6)]),
    ("TransformerDecoder", lambda nn: nn.TransformerDecoder(
        nn.TransformerDecoderLayer(8, 2, dim_feedforward=16, dropout=0.0, norm_first=True), 2, nn.LayerNorm(8)),
     [(5, 2, 8), (4, 2, 8)]),
]


def _inputs(specs):
    out = []
    for i, s in enumerate(specs):
        if s == "idx":
            out.append(np.array([[1, 2, 4, 2], [9, 3, 2, 0]]))
        else:
            out.append(randn(*s, seed=i))
    return out


@pytest.mark.parametrize("train", [True, False])
@pytest.mark.parametrize("name,build,specs", LAYERS, ids=[l[0] for l in LAYERS])
def test_layer(name, build, specs, train):
    tm, jm, _, _ = compare_module(build, _inputs(specs), rtol=1e-4, atol=1e-5, train=train)
    assert repr(tm) == repr(jm)
    # buffers after the forward (running statistics) are the same too
    assert_same(dict(tm.named_buffers()), dict(jm.named_buffers()), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("mode", ["RNN", "LSTM", "GRU"])
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("batch_first", [False, True])
def test_rnn(mode, bidirectional, batch_first):
    def build(nn):
        kw = dict(num_layers=2, bidirectional=bidirectional, batch_first=batch_first)
        if mode == "LSTM":
            kw["proj_size"] = 2
        if mode == "RNN":
            kw["nonlinearity"] = "relu"
        return getattr(nn, mode)(3, 4, **kw)
    x = randn(2, 5, 3) if batch_first else randn(5, 2, 3)
    nd = 2 if bidirectional else 1
    h0 = randn(2 * nd, 2, 2 if mode == "LSTM" else 4, seed=1)
    if mode == "LSTM":
        c0 = randn(2 * nd, 2, 4, seed=2)
        compare_module(build, [x, (h0, c0)], rtol=1e-4, atol=1e-5,
                       call=lambda m, a, hc: m(a, tuple(t for t in hc)))
    else:
        compare_module(build, [x, h0], rtol=1e-4, atol=1e-5)
    compare_module(build, [x[0] if batch_first else x[:, 0]], rtol=1e-4, atol=1e-5)


def test_rnn_packed_sequences():
    from torch.nn.utils import rnn as trnn
    jrnn = torchjax.nn.utils.rnn

    def build(nn):
        return nn.LSTM(3, 4, 2, bidirectional=True)
    tm, jm = pair(build)
    x = randn(5, 3, 3)
    lengths = [5, 2, 4]
    xt = torch.tensor(x, requires_grad=True)
    xj = tj(xt)
    pt = trnn.pack_padded_sequence(xt, lengths, enforce_sorted=False)
    pj = jrnn.pack_padded_sequence(xj, lengths, enforce_sorted=False)
    assert_same(pt.data, pj.data)
    assert_same(pt.batch_sizes, pj.batch_sizes)
    assert_same(pt.sorted_indices, pj.sorted_indices)
    ot, (ht, ct) = tm(pt)
    oj, (hj, cj) = jm(pj)
    assert_same(ot.data, oj.data, rtol=1e-4, atol=1e-5)
    assert_same((ht, ct), (hj, cj), rtol=1e-4, atol=1e-5)
    pt_out, lt = trnn.pad_packed_sequence(ot, batch_first=True)
    pj_out, lj = jrnn.pad_packed_sequence(oj, batch_first=True)
    assert_same(pt_out, pj_out, rtol=1e-4, atol=1e-5)
    assert_same(lt, lj)
    (pt_out.pow(2).sum() + ht.sum()).backward()
    (pj_out.pow(2).sum() + hj.sum()).backward()
    assert_same(xt.grad, xj.grad, rtol=1e-3, atol=1e-4)
    for (n, p), (_, q) in zip(tm.named_parameters(), jm.named_parameters()):
        assert_same(p.grad, q.grad, rtol=1e-3, atol=1e-4, path=n)


def test_rnn_utils():
    from torch.nn.utils import rnn as trnn
    jrnn = torchjax.nn.utils.rnn
    seqs = [randn(4, 2, seed=0), randn(2, 2, seed=1), randn(3, 2, seed=2)]
    for bf in (False, True):
        for side in ("right", "left"):
            assert_same(trnn.pad_sequence([torch.tensor(s) for s in seqs], batch_first=bf, padding_value=-1.0,
                                          padding_side=side),
                        jrnn.pad_sequence([torchjax.tensor(s) for s in seqs], batch_first=bf, padding_value=-1.0,
                                          padding_side=side))
    pt = trnn.pack_sequence([torch.tensor(s) for s in seqs], enforce_sorted=False)
    pj = jrnn.pack_sequence([torchjax.tensor(s) for s in seqs], enforce_sorted=False)
    assert_same(tuple(pt), tuple(pj))
    assert_same(trnn.unpack_sequence(pt), jrnn.unpack_sequence(pj))
    te, je = check_error(lambda xp: __import__("torch" if xp is torch else "torchjax").nn.utils.rnn
                         .pack_padded_sequence(xp.ones(3, 2, 1), [1, 3]))
    assert str(te) == str(je)


@pytest.mark.parametrize("cell", ["RNNCell", "LSTMCell", "GRUCell"])
def test_cells(cell):
    build = lambda nn: getattr(nn, cell)(3, 4)  # noqa: E731
    compare_module(build, [randn(2, 3)], rtol=1e-4, atol=1e-5)
    compare_module(build, [randn(3)], rtol=1e-4, atol=1e-5)


def test_multihead_attention():
    for kw in (dict(), dict(batch_first=True, add_bias_kv=True, add_zero_attn=True), dict(kdim=3, vdim=5)):
        build = lambda nn, kw=kw: nn.MultiheadAttention(8, 2, **kw)  # noqa: E731
        kdim = kw.get("kdim", 8)
        vdim = kw.get("vdim", 8)
        q = randn(2, 4, 8) if kw.get("batch_first") else randn(4, 2, 8)
        k = randn(2, 5, kdim, seed=1) if kw.get("batch_first") else randn(5, 2, kdim, seed=1)
        v = randn(2, 5, vdim, seed=2) if kw.get("batch_first") else randn(5, 2, vdim, seed=2)
        compare_module(build, [q, k, v], rtol=1e-4, atol=1e-5)
        compare_module(build, [q, k, v], rtol=1e-4, atol=1e-5,
                       call=lambda m, a, b, c: m(a, b, c, need_weights=False,
                                                 key_padding_mask=(torch if isinstance(a, torch.Tensor) else
                                                                   torchjax).tensor([[False] * 4 + [True]] * 2)))


def test_transformer():
    def build(nn):
        return nn.Transformer(8, 2, 1, 1, 16, dropout=0.0, batch_first=True, norm_first=True, activation="gelu")
    src, tgt = randn(2, 5, 8), randn(2, 3, 8, seed=1)
    tm, jm, _, _ = compare_module(build, [src, tgt], rtol=1e-4, atol=1e-5)
    assert repr(tm) == repr(jm)
    mask_t = torch.nn.Transformer.generate_square_subsequent_mask(3)
    mask_j = torchjax.nn.Transformer.generate_square_subsequent_mask(3)
    assert_same(mask_t, mask_j)
    compare_module(build, [src, tgt], rtol=1e-4, atol=1e-5,
                   call=lambda m, a, b: m(a, b, tgt_mask=(mask_t if isinstance(a, torch.Tensor) else mask_j),
                                          tgt_is_causal=True))


def test_dropout_modules_shapes():
    for build, shape in [(lambda nn: nn.Dropout(0.3), (4, 5)), (lambda nn: nn.Dropout2d(0.3), (2, 3, 4, 4)),
                         (lambda nn: nn.AlphaDropout(0.2), (4, 5)), (lambda nn: nn.RReLU(), (4, 5))]:
        tm, jm = build(torch.nn), build(torchjax.nn)
        assert repr(tm) == repr(jm)
        y = jm(torchjax.tensor(randn(*shape)))
        assert tuple(y.shape) == shape
        jm.eval()
        tm.eval()
        assert_same(tm(torch.tensor(randn(*shape))), jm(torchjax.tensor(randn(*shape))))


def test_lazy_modules():
    for build, shape in [(lambda nn: nn.LazyConv2d(4, 3), (2, 3, 5, 5)), (lambda nn: nn.LazyBatchNorm1d(), (4, 3)),
                         (lambda nn: nn.LazyLinear(2), (3, 4)),
                         (lambda nn: nn.LazyConvTranspose1d(2, 3), (2, 3, 5))]:
        tm, jm = build(torch.nn), build(torchjax.nn)
        assert list(tm.state_dict()) == list(jm.state_dict())
        xt = torch.tensor(randn(*shape))
        tm(xt)
        jm(tj(xt))
        assert type(tm).__name__ == type(jm).__name__
        assert list(tm.state_dict()) == list(jm.state_dict())
        copy_state(jm, tm)
        assert_same(tm(xt), jm(tj(xt)), rtol=1e-5, atol=1e-6)


def test_bn_eval_uses_running_stats_and_counts_batches():
    tm, jm = pair(lambda nn: nn.BatchNorm1d(3, momentum=None))
    for s in range(3):
        x = randn(6, 3, seed=s)
        tm(torch.tensor(x))
        jm(torchjax.tensor(x))
    assert_same(dict(tm.named_buffers()), dict(jm.named_buffers()), rtol=1e-5, atol=1e-6)
    tm.eval()
    jm.eval()
    x = randn(2, 3, seed=7)
    assert_same(tm(torch.tensor(x)), jm(torchjax.tensor(x)), rtol=1e-5, atol=1e-6)


LOSS_MODULES = [
    ("L1Loss", lambda nn: nn.L1Loss(reduction="sum")), ("MSELoss", lambda nn: nn.MSELoss()),
    ("SmoothL1Loss", lambda nn: nn.SmoothL1Loss(beta=0.5)), ("HuberLoss", lambda nn: nn.HuberLoss(delta=0.3)),
    ("SoftMarginLoss", lambda nn: nn.SoftMarginLoss()), ("KLDivLoss", lambda nn: nn.KLDivLoss("batchmean", True)),
    ("BCEWithLogitsLoss", lambda nn: nn.BCEWithLogitsLoss(pos_weight=(torch if nn is torch.nn else torchjax)
                                                          .tensor([1.0, 2.0, 0.5, 3.0]))),
    ("PoissonNLLLoss", lambda nn: nn.PoissonNLLLoss(full=True)),
]


@pytest.mark.parametrize("name,build", LOSS_MODULES, ids=[l[0] for l in LOSS_MODULES])
def test_loss_modules(name, build):
    x = randn(5, 4)
    t = np.abs(randn(5, 4, seed=1)) / 4
    compare_module(build, [x, t], rtol=1e-5, atol=1e-6, call=lambda m, a, b: m(a, b.detach()))
    assert repr(build(torch.nn)) == repr(build(torchjax.nn))


def test_class_loss_modules():
    x = randn(5, 4)
    t = np.array([1, 0, 3, 2, 2])
    for build in (lambda nn: nn.CrossEntropyLoss(label_smoothing=0.1), lambda nn: nn.NLLLoss(ignore_index=0),
                  lambda nn: nn.MultiMarginLoss(p=2), lambda nn: nn.CrossEntropyLoss(reduction="none")):
        compare_module(build, [x, t], rtol=1e-5, atol=1e-6)
    compare_module(lambda nn: nn.CrossEntropyLoss(weight=(torch if nn is torch.nn else torchjax)
                                                  .tensor([1.0, 2.0, 0.5, 3.0])), [x, t])
    tm, jm = pair(lambda nn: nn.CrossEntropyLoss(weight=(torch if nn is torch.nn else torchjax).ones(4)))
    assert list(tm.state_dict()) == list(jm.state_dict()) == ["weight"]


def test_adaptive_log_softmax():
    x = randn(6, 16)
    t = np.array([0, 3, 7, 12, 15, 2])
    tm, jm, _, _ = compare_module(lambda nn: nn.AdaptiveLogSoftmaxWithLoss(16, 20, [4, 10], div_value=2.0), [x, t],
                                  rtol=1e-5, atol=1e-6)
    assert repr(tm) == repr(jm)
    assert_same(tm.log_prob(torch.tensor(x)), jm.log_prob(torchjax.tensor(x)), rtol=1e-5, atol=1e-6)
    assert_same(tm.predict(torch.tensor(x)), jm.predict(torchjax.tensor(x)))


def test_data_parallel_single_device():
    tm, jm = pair(lambda nn: nn.DataParallel(nn.Linear(3, 2)))
    assert repr(tm) == repr(jm)
    assert list(tm.state_dict()) == list(jm.state_dict()) == ["module.weight", "module.bias"]
    x = randn(4, 3)
    assert_same(tm(torch.tensor(x)), jm(torchjax.tensor(x)))


def _loss_specs():
    r = np.random.default_rng(3)
    x, y = randn(5, 4), randn(5, 4, seed=1)
    prob = r.uniform(0.1, 0.9, (5, 4)).astype(np.float32)
    sign = np.sign(randn(5, 4, seed=2)).astype(np.float32)
    sign5 = np.sign(randn(5, seed=4)).astype(np.float32)
    cls = np.array([1, 0, 3, 2, 2])
    logp = (x - np.log(np.exp(x).sum(1, keepdims=True))).astype(np.float32)
    mlm = np.array([[1, -1, 0, 0], [2, 3, -1, 0], [0, 1, 2, 3], [3, 3, -1, 1], [-1, 0, 0, 0]])
    W = lambda nn: (torch if nn is torch.nn else torchjax).tensor([1.0, 2.0, 0.5, 3.0])  # noqa: E731
    lp = randn(7, 3, 5, seed=5)
    lp = (lp - np.log(np.exp(lp).sum(2, keepdims=True))).astype(np.float32)
    # name: (build(nn, reduction), inputs, number of leading inputs that get gradients)
    return {
        "L1Loss": (lambda nn, red: nn.L1Loss(reduction=red), [x, y], 2),
        "MSELoss": (lambda nn, red: nn.MSELoss(reduction=red), [x, y], 2),
        "SmoothL1Loss": (lambda nn, red: nn.SmoothL1Loss(reduction=red, beta=0.5), [x, y], 2),
        "HuberLoss": (lambda nn, red: nn.HuberLoss(reduction=red, delta=0.4), [x, y], 2),
        "SoftMarginLoss": (lambda nn, red: nn.SoftMarginLoss(reduction=red), [x, sign], 1),
        "BCELoss": (lambda nn, red: nn.BCELoss(weight=W(nn), reduction=red), [prob, prob[::-1].copy()], 1),
        "BCEWithLogitsLoss": (lambda nn, red: nn.BCEWithLogitsLoss(reduction=red, pos_weight=W(nn)), [x, prob], 1),
        "KLDivLoss": (lambda nn, red: nn.KLDivLoss(reduction=red), [logp, prob], 1),
        "KLDivLoss_log_target": (lambda nn, red: nn.KLDivLoss(reduction=red, log_target=True), [logp, y], 2),
        "PoissonNLLLoss": (lambda nn, red: nn.PoissonNLLLoss(reduction=red), [x, np.abs(y)], 1),
        "PoissonNLLLoss_full": (lambda nn, red: nn.PoissonNLLLoss(log_input=False, full=True, reduction=red),
                                [prob, np.abs(y) * 3], 1),
        "GaussianNLLLoss": (lambda nn, red: nn.GaussianNLLLoss(full=True, reduction=red), [x, y, prob], 3),
        "CrossEntropyLoss": (lambda nn, red: nn.CrossEntropyLoss(weight=W(nn), ignore_index=0, label_smoothing=0.1,
                                                                 reduction=red), [x, cls], 1),
        "CrossEntropyLoss_probs": (lambda nn, red: nn.CrossEntropyLoss(label_smoothing=0.2, reduction=red),
                                   [x, prob / prob.sum(1, keepdims=True)], 1),
        "NLLLoss": (lambda nn, red: nn.NLLLoss(weight=W(nn), ignore_index=2, reduction=red), [logp, cls], 1),
        "HingeEmbeddingLoss": (lambda nn, red: nn.HingeEmbeddingLoss(margin=0.5, reduction=red), [x, sign], 1),
        "MultiLabelSoftMarginLoss": (lambda nn, red: nn.MultiLabelSoftMarginLoss(weight=W(nn), reduction=red),
                                     [x, (sign > 0).astype(np.float32)], 1),
        "MultiLabelMarginLoss": (lambda nn, red: nn.MultiLabelMarginLoss(reduction=red), [x, mlm], 1),
        "MultiMarginLoss": (lambda nn, red: nn.MultiMarginLoss(p=2, margin=0.7, weight=W(nn), reduction=red),
                            [x, cls], 1),
        "CosineEmbeddingLoss": (lambda nn, red: nn.CosineEmbeddingLoss(margin=0.1, reduction=red), [x, y, sign5], 2),
        "MarginRankingLoss": (lambda nn, red: nn.MarginRankingLoss(margin=0.2, reduction=red),
                              [x[:, 0].copy(), y[:, 0].copy(), sign5], 2),
        "TripletMarginLoss": (lambda nn, red: nn.TripletMarginLoss(p=1.5, swap=True, reduction=red),
                              [x, y, randn(5, 4, seed=6)], 3),
        "TripletMarginWithDistanceLoss": (lambda nn, red: nn.TripletMarginWithDistanceLoss(margin=0.5, reduction=red),
                                          [x, y, randn(5, 4, seed=6)], 3),
        "CTCLoss": (lambda nn, red: nn.CTCLoss(blank=0, reduction=red, zero_infinity=True),
                    [lp, np.array([[1, 2, 2], [3, 4, 1], [1, 1, 1]]), np.array([7, 2, 5]), np.array([3, 2, 3])], 1),
        "LinearCrossEntropyLoss": (lambda nn, red: nn.LinearCrossEntropyLoss(4, 3, bias=True, reduction=red,
                                                                            label_smoothing=0.1), [x, cls % 3], 1),
    }


_LOSS_SPECS = _loss_specs()


@pytest.mark.parametrize("reduction", ["none", "mean", "sum", "batchmean"])
@pytest.mark.parametrize("name", sorted(_LOSS_SPECS))
def test_every_loss_module_every_reduction(name, reduction):
    """Every torch loss module (AdaptiveLogSoftmaxWithLoss has no reduction; tested above) with every reduction:
    printing, state_dict, output and gradients against torch; an unknown reduction raises torch's error."""
    build, inputs, n_grad = _LOSS_SPECS[name]
    if reduction == "batchmean" and not name.startswith("KLDiv"):
        te, je = check_error(lambda xp: build(xp.nn, reduction)(*[xp.tensor(a) for a in inputs]))
        assert str(te) == str(je)
        return
    torch.manual_seed(0)
    torchjax.manual_seed(0)
    assert repr(build(torch.nn, reduction)) == repr(build(torchjax.nn, reduction))

    def call(m, *args):
        return m(*args[:n_grad], *[a.detach() for a in args[n_grad:]])
    compare_module(lambda nn: build(nn, reduction), inputs, rtol=1e-5, atol=1e-6, call=call)


def test_max_unpool_modules():
    for d in (1, 2, 3):
        shape = (2, 3) + (4,) * d
        x = randn(*shape)

        def call(m, a, d=d):
            pool = getattr((torch if isinstance(a, torch.Tensor) else torchjax).nn, f"MaxPool{d}d")(2, 2,
                                                                                                return_indices=True)
            y, idx = pool(a)
            return m(y, idx, output_size=a.shape)
        tm, jm, _, _ = compare_module(lambda nn, d=d: getattr(nn, f"MaxUnpool{d}d")(2, 2), [x], call=call)
        assert repr(tm) == repr(jm)


def test_nll_loss2d_and_dropout1d_seeded():
    x = randn(2, 3, 4, 5)
    t = np.random.default_rng(0).integers(0, 3, (2, 4, 5))
    compare_module(lambda nn: nn.NLLLoss2d(), [x, t], call=lambda m, a, b: m(a.log_softmax(1), b))
    for build, shape in ((lambda nn: nn.Dropout1d(0.4), (2, 6, 3)), (lambda nn: nn.FeatureAlphaDropout(0.3),
                                                                     (2, 6, 3, 2, 2)),
                         (lambda nn: nn.Dropout3d(), (2, 6, 3, 2, 2))):
        outs = []
        for xp in (torch, torchjax):
            xp.manual_seed(5)
            outs.append(build(xp.nn)(xp.ones(*shape)))
        assert_same(outs[0], outs[1])


def test_lazy_instance_norm():
    x = randn(2, 3, 5)
    outs = []
    for xp in (torch, torchjax):
        m = xp.nn.LazyInstanceNorm1d(affine=True, track_running_stats=True)
        outs.append((repr(m), m(xp.tensor(x)), repr(m), type(m).__name__, m.running_mean, list(m.state_dict())))
    assert outs[0][0] == outs[1][0] and outs[0][2] == outs[1][2] and outs[0][3] == outs[1][3]
    assert outs[0][5] == outs[1][5]
    assert_same(outs[0][1], outs[1][1], rtol=1e-5, atol=1e-6)
    assert_same(outs[0][4], outs[1][4], rtol=1e-5, atol=1e-6)
