"""State dicts (modules, optimizers, schedulers) cross between real torch and torchjax in both directions.

torchjax-written checkpoints load with real `torch.load(weights_only=True)` into a fresh torch model, which then
computes what the original computed; torch-written checkpoints load into torchjax bit-identically.
"""
import collections
import io

import pytest

from _serial_util import assert_tree, to_tj, torch, torchjax

torch.manual_seed(0)


def _conv():
    return torch.nn.Conv2d(3, 8, 3, padding=1), lambda: torch.randn(2, 3, 8, 8)


def _batchnorm():
    m = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.BatchNorm2d(4), torch.nn.ReLU())
    m.train()
    for _ in range(3):
        m(torch.randn(4, 3, 6, 6))
    m.eval()
    return m, lambda: torch.randn(2, 3, 6, 6)


def _lstm():
    return torch.nn.LSTM(4, 6, num_layers=2, batch_first=True), lambda: torch.randn(2, 5, 4)


def _transformer():
    m = torch.nn.TransformerEncoder(torch.nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, dropout=0.0,
                                                                     batch_first=True), num_layers=2,
                                    enable_nested_tensor=False)
    m.eval()
    return m, lambda: torch.randn(2, 5, 8)


def _embedding_mlp():
    m = torch.nn.Sequential(torch.nn.Embedding(10, 4), torch.nn.Flatten(), torch.nn.Linear(12, 5),
                            torch.nn.LayerNorm(5))
    return m, lambda: torch.randint(0, 10, (2, 3))


MODELS = {"conv": _conv, "batchnorm": _batchnorm, "lstm": _lstm, "transformer": _transformer,
          "embedding_mlp": _embedding_mlp}


def _out(m, x):
    with torch.no_grad():
        y = m(x)
    return y[0] if isinstance(y, tuple) else y


@pytest.mark.parametrize("name", sorted(MODELS))
def test_torchjax_written_state_dict_loads_in_torch(name, tmp_path):
    model, make_input = MODELS[name]()
    sd = model.state_dict()
    path = tmp_path / f"{name}.pt"
    torchjax.save(to_tj(sd), path)
    loaded = torch.load(path, weights_only=True)
    assert_tree(sd, loaded)
    if name == "batchnorm":
        nbt = loaded["1.num_batches_tracked"]
        assert nbt.dtype == torch.int64 and nbt.dim() == 0 and nbt.item() == 3
    fresh = MODELS[name]()[0]
    assert str(fresh.load_state_dict(loaded)) == "<All keys matched successfully>"
    fresh.eval(), model.eval()
    x = make_input()
    assert torch.equal(_out(fresh, x), _out(model, x))


@pytest.mark.parametrize("name", sorted(MODELS))
def test_torch_written_state_dict_loads_in_torchjax(name, tmp_path):
    model, _ = MODELS[name]()
    sd = model.state_dict()
    path = tmp_path / f"{name}.pt"
    torch.save(sd, path)
    loaded = torchjax.load(path)
    assert_tree(sd, loaded)
    # and back: torchjax re-saves what it loaded, torch reads the same bits
    buf = io.BytesIO()
    torchjax.save(loaded, buf)
    buf.seek(0)
    assert_tree(sd, torch.load(buf, weights_only=True))


def _optimizers():
    model = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.ReLU(), torch.nn.Linear(3, 2))
    opts = {"adam": torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.8, 0.9), amsgrad=True),
            "sgd": torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, nesterov=True),
            "adamw": torch.optim.AdamW(model.parameters(), lr=1e-2, weight_decay=0.1)}
    scheds = {"adam": torch.optim.lr_scheduler.StepLR(opts["adam"], step_size=2, gamma=0.5),
              "sgd": torch.optim.lr_scheduler.CosineAnnealingLR(opts["sgd"], T_max=10),
              "adamw": torch.optim.lr_scheduler.OneCycleLR(opts["adamw"], max_lr=0.1, total_steps=10)}
    for _ in range(3):
        for o in opts.values():
            o.zero_grad()
        model(torch.randn(5, 4)).pow(2).sum().backward()
        for k in opts:
            opts[k].step()
            scheds[k].step()
    return {k: {"optimizer": opts[k].state_dict(), "scheduler": scheds[k].state_dict(), "epoch": 3}
            for k in opts}


@pytest.mark.parametrize("kind", ["adam", "sgd", "adamw"])
def test_optimizer_and_scheduler_state_dicts_round_trip(kind, tmp_path):
    ckpt = _optimizers()[kind]
    step = next(iter(ckpt["optimizer"]["state"].values())).get("step")
    if step is not None:
        assert isinstance(step, torch.Tensor)  # torch 2.x keeps 'step' as a 0-dim float tensor
    # torch -> torchjax
    torch.save(ckpt, tmp_path / "t.pt")
    mine = torchjax.load(tmp_path / "t.pt")
    assert_tree(ckpt, mine)
    # torchjax -> torch, starting from torchjax values
    torchjax.save(to_tj(ckpt), tmp_path / "j.pt")
    theirs = torch.load(tmp_path / "j.pt", weights_only=True)
    assert_tree(ckpt, theirs)
    # the loaded optimizer state drives a real torch optimizer
    model = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.ReLU(), torch.nn.Linear(3, 2))
    opt = {"adam": torch.optim.Adam, "sgd": torch.optim.SGD, "adamw": torch.optim.AdamW}[kind](
        model.parameters(), lr=0.5)
    opt.load_state_dict(theirs["optimizer"])
    assert opt.state_dict()["param_groups"] == ckpt["optimizer"]["param_groups"]


def test_whole_training_checkpoint_round_trip(tmp_path):
    """The usual {'model': ..., 'optimizer': ..., 'epoch': ..., 'loss': ...} checkpoint, both directions."""
    model, _ = _batchnorm()
    opt = torch.optim.Adam(model.parameters())
    model.train()
    model(torch.randn(2, 3, 6, 6)).sum().backward()
    opt.step()
    ckpt = {"epoch": 7, "model_state_dict": model.state_dict(), "optimizer_state_dict": opt.state_dict(),
            "loss": 0.25, "history": [1.0, 0.5, float("nan")], "name": "run-1", "best": None, "flags": (True, False)}
    torch.save(ckpt, tmp_path / "t.tar")
    mine = torchjax.load(tmp_path / "t.tar")
    assert_tree(ckpt, mine)
    torchjax.save(mine, tmp_path / "j.tar")
    assert_tree(ckpt, torch.load(tmp_path / "j.tar"))


def test_state_dict_metadata_and_order_survive(tmp_path):
    sd = collections.OrderedDict([("z", torchjax.ones(1)), ("a", torchjax.zeros(2))])
    sd._metadata = collections.OrderedDict([("", {"version": 1}), ("sub", {"version": 2})])
    torchjax.save(sd, tmp_path / "m.pt")
    loaded = torch.load(tmp_path / "m.pt")
    assert list(loaded) == ["z", "a"]
    assert type(loaded) is collections.OrderedDict
    assert loaded._metadata == collections.OrderedDict([("", {"version": 1}), ("sub", {"version": 2})])


@pytest.mark.parametrize("name", sorted(MODELS))
def test_records_are_byte_identical_to_torchs(name):
    """torchjax writes the very records torch writes for the same state dict (the pickle included)."""
    import zipfile
    sd = MODELS[name]()[0].state_dict()
    theirs, mine = io.BytesIO(), io.BytesIO()
    torch.save(sd, theirs)
    torchjax.save(to_tj(sd), mine)
    zt, zm = zipfile.ZipFile(theirs), zipfile.ZipFile(mine)
    assert zt.namelist() == zm.namelist()
    for n in zt.namelist():
        if not n.endswith("serialization_id"):
            assert zt.read(n) == zm.read(n), n


def test_views_pickle_byte_identical_to_torchs():
    import zipfile
    x, xj = torch.arange(10.0), torchjax.arange(10.0)
    theirs, mine = io.BytesIO(), io.BytesIO()
    torch.save({"x": x, "v": x[2:], "t": x.view(2, 5).t(), "g": torch.ones(2, requires_grad=True)}, theirs)
    torchjax.save({"x": xj, "v": xj[2:], "t": xj.view(2, 5).t(), "g": torchjax.ones(2, requires_grad=True)}, mine)
    assert zipfile.ZipFile(mine).read("archive/data.pkl") == zipfile.ZipFile(theirs).read("archive/data.pkl")
