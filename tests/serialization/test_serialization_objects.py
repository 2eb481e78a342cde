"""weights_only=False: whole pickled objects (the `torch.save(model)` pattern). torchjax writes torch's global names,
never its own, so a torchjax pickle loads in torchjax and, where the classes exist there, in real torch."""
import io

import numpy as np
import pytest

from _serial_util import assert_tensor, assert_tree, to_tj, torch, torchjax


class Holder:
    """A user object holding tensors and torch values (stands in for a pickled model)."""

    def __init__(self, lib):
        self.weight = lib.arange(6.0).reshape(2, 3)
        self.bias = self.weight[1]  # a view: shared storage survives
        self.config = {"dtype": lib.float16, "size": lib.Size([2, 3]), "device": lib.device("cpu"), "eps": 1e-5}
        self.buffers = [lib.zeros(2, dtype=lib.int64)]


def test_torchjax_pickled_object_round_trips(tmp_path):
    obj = Holder(torchjax)
    torchjax.save(obj, tmp_path / "model.pth")
    raw = (tmp_path / "model.pth").read_bytes()
    assert b"torchjax" not in raw  # torch's names only
    got = torchjax.load(tmp_path / "model.pth", weights_only=False)
    assert type(got) is Holder
    assert_tensor(obj.weight, got.weight)
    assert_tensor(obj.bias, got.bias)
    assert got.config["dtype"] is torchjax.float16 and isinstance(got.config["size"], torchjax.Size)
    got.weight.add_(1)
    assert got.bias.tolist() == [4.0, 5.0, 6.0]


def test_torchjax_pickled_object_loads_in_torch(tmp_path):
    torchjax.save(Holder(torchjax), tmp_path / "model.pth")
    got = torch.load(tmp_path / "model.pth", weights_only=False)
    ref = Holder(torch)
    assert type(got) is Holder
    assert_tree(ref.__dict__, got.__dict__)
    assert got.bias.untyped_storage().data_ptr() == got.weight.untyped_storage().data_ptr()


def test_torch_pickled_object_loads_in_torchjax(tmp_path):
    ref = Holder(torch)
    torch.save(ref, tmp_path / "model.pth")
    got = torchjax.load(tmp_path / "model.pth", weights_only=False)
    assert type(got) is Holder
    assert_tree(ref.__dict__, got.__dict__)
    with pytest.raises(Exception, match="Holder"):  # refused by default, naming the class
        torchjax.load(tmp_path / "model.pth")


def test_torch_functions_and_classes_map_to_torchjax(tmp_path):
    obj = {"fn": torch.relu, "cls": torch.Tensor, "legacy": torch.FloatTensor, "x": torch.ones(2)}
    torch.save(obj, tmp_path / "f.pt")
    got = torchjax.load(tmp_path / "f.pt", weights_only=False)
    assert got["fn"] is torchjax.relu and got["cls"] is torchjax.Tensor
    assert got["fn"](torchjax.tensor([-1.0, 2.0])).tolist() == [0.0, 2.0]
    back = {"fn": torchjax.relu, "cls": torchjax.Tensor, "x": torchjax.ones(2)}
    torchjax.save(back, tmp_path / "b.pt")
    theirs = torch.load(tmp_path / "b.pt", weights_only=False)
    assert theirs["fn"] is torch.relu and theirs["cls"] is torch.Tensor


def test_tensor_subclass_and_attributes(tmp_path):
    t = torchjax.ones(3)
    t.tag = "ones"
    torchjax.save({"t": t}, tmp_path / "a.pt")
    got = torch.load(tmp_path / "a.pt", weights_only=True)["t"]
    assert got.tag == "ones" and got.tolist() == [1.0, 1.0, 1.0]
    mine = torchjax.load(tmp_path / "a.pt")["t"]
    assert mine.tag == "ones" and mine.tolist() == [1.0, 1.0, 1.0]
    tt = torch.ones(2)
    tt.note = {"k": 1}
    torch.save(tt, tmp_path / "b.pt")
    assert torchjax.load(tmp_path / "b.pt").note == {"k": 1}


def test_write_only_stream():
    class Sink:
        def __init__(self):
            self.chunks = []

        def write(self, b):
            self.chunks.append(bytes(b))
            return len(b)

        def flush(self):
            pass
    sink = Sink()
    x = torchjax.arange(10.0)
    torchjax.save({"x": x, "v": x[3:]}, sink)
    data = b"".join(sink.chunks)
    got = torch.load(io.BytesIO(data))
    assert got["v"].tolist() == list(np.arange(3.0, 10.0))
    assert torchjax.load(io.BytesIO(data))["v"].tolist() == list(np.arange(3.0, 10.0))


def test_pickle_protocols(tmp_path):
    sd = to_tj({"w": torch.randn(3, 3), "n": torch.tensor(1)})
    for proto in (2, 3, 4, 5):
        torchjax.save(sd, tmp_path / "p.pt", pickle_protocol=proto)
        assert_tree(torch.load(tmp_path / "p.pt", weights_only=False), sd)
        assert_tree(sd, torchjax.load(tmp_path / "p.pt"))


def test_fast_and_pure_python_picklers_write_the_same_bytes():
    """torch.save pickles with Python's C pickler and renames torchjax's globals afterwards; the pure-Python
    pickler (used for other protocols and pickle modules) names torch's globals directly. Same bytes."""
    import collections
    import pickle
    from torchjax import _serialization_save as S
    x = torchjax.arange(10.0)
    text = "ctorchjax._dtype\nfloat32\n"  # looks like a GLOBAL opcode; must survive untouched
    obj = {"sd": collections.OrderedDict((f"l{i}", torchjax.randn(3)) for i in range(300)), "v": x[2:], "x": x,
           "dt": [torchjax.float16, torchjax.bfloat16], "sz": torchjax.Size([2]), "dev": torchjax.device("cpu"),
           "lay": torchjax.strided, "s": text, "b": text.encode(), "big": list(range(2000)),
           "u16": torchjax.zeros(2, dtype=torchjax.uint16)}
    for proto in (2, 3):
        fast_saver = S._Saver(False)
        buf = io.BytesIO()
        S._FastPickler(buf, proto, fast_saver).dump(obj)
        fast = S._rename_globals(buf.getvalue(), fast_saver)
        buf = io.BytesIO()
        S._make_pickler(pickle)(buf, proto, S._Saver(False)).dump(obj)
        assert fast == buf.getvalue()
        assert b"torchjax._" not in fast.replace(text.encode(), b"")
    got = torch.load(io.BytesIO(_saved(obj)), weights_only=True)
    assert got["s"] == text and got["b"] == text.encode()


def _saved(obj):
    buf = io.BytesIO()
    torchjax.save(obj, buf)
    return buf.getvalue()
