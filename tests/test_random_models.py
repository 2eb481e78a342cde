"""Seeded model-level randomness equals torch's: default layer initialisation, DataLoader shuffling, and a
short LeNet training run whose every random draw (init, data, shuffling, dropout) comes from the global stream."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")

import torchjax  # noqa: E402
from _models import blitz_lenet  # noqa: E402

SEEDS = [0, 1, 7, 20]


def _layers(lib):
    nn = lib.nn
    return {
        "linear": lambda: nn.Linear(37, 19),
        "conv2d": lambda: nn.Conv2d(3, 8, 5, groups=1),
        "conv2d_groups": lambda: nn.Conv2d(4, 8, 3, groups=2, bias=False),
        "lstm": lambda: nn.LSTM(10, 16, num_layers=2, bidirectional=True),
        "gru": lambda: nn.GRU(6, 5),
        "embedding": lambda: nn.Embedding(50, 8, padding_idx=3),
        "batchnorm": lambda: nn.BatchNorm2d(4),
        "transformer_layer": lambda: nn.TransformerEncoderLayer(16, 4, dim_feedforward=32),
        "bilinear": lambda: nn.Bilinear(4, 5, 6),
    }


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("name", sorted(_layers(torch)))
def test_default_init_after_manual_seed(name, seed):
    torch.manual_seed(seed)
    ref = _layers(torch)[name]().state_dict()
    torchjax.manual_seed(seed)
    got = _layers(torchjax)[name]().state_dict()
    assert list(got) == list(ref)
    for k in ref:
        np.testing.assert_array_equal(got[k].numpy(), ref[k].numpy(), err_msg=k)
    # the generator advanced by the same amount
    assert torchjax.rand(3).tolist() == torch.rand(3).tolist()


@pytest.mark.parametrize("seed", SEEDS)
def test_seeded_dataloader_shuffle_order(seed):
    def order(lib):
        lib.manual_seed(seed)
        data = lib.arange(23)
        return [b.tolist() for b in lib.utils.data.DataLoader(data, batch_size=4, shuffle=True)]

    assert order(torchjax) == order(torch)


def _lenet_losses(lib, steps, seed=0):
    nn = lib.nn
    lib.manual_seed(seed)
    net = blitz_lenet(lib, dropout=0.1)
    images = lib.randn(64, 3, 32, 32)
    labels = lib.randint(0, 10, (64,))
    loader = lib.utils.data.DataLoader(lib.utils.data.TensorDataset(images, labels), batch_size=4, shuffle=True)
    opt = lib.optim.SGD(net.parameters(), lr=0.001, momentum=0.9)
    crit = nn.CrossEntropyLoss()
    losses = []
    while len(losses) < steps:
        for x, y in loader:
            opt.zero_grad()
            loss = crit(net(x), y)
            loss.backward()
            opt.step()
            losses.append(loss.item())
            if len(losses) == steps:
                break
    return losses


def test_seeded_lenet_training_matches_torch():
    ref = _lenet_losses(torch, 50)
    got = _lenet_losses(torchjax, 50)
    np.testing.assert_allclose(got, ref, rtol=1e-4)
