"""Tensors through files, both directions: every dtype, views sharing storage, strides, Parameters, Python values,
file objects and paths, map_location, mmap."""
import io
import os
import pathlib
import zipfile

import numpy as np
import pytest

from _serial_util import assert_tensor, assert_tree, np_torch, to_tj, torch, torch_np, tj_np, torchjax

DTYPES = ["float32", "float64", "float16", "bfloat16", "int8", "int16", "int32", "int64", "uint8", "bool",
          "complex64", "complex128", "uint16", "uint32", "uint64", "float8_e4m3fn", "float8_e5m2",
          "float8_e4m3fnuz", "float8_e5m2fnuz"]


def _sample(name, shape=(3, 4)):
    rng = np.random.default_rng(abs(hash(name)) % 1000)
    base = rng.standard_normal(shape) * 3
    if name == "bool":
        return torch.from_numpy(base > 0)
    if name.startswith("complex"):
        return torch.from_numpy((base + 1j * rng.standard_normal(shape)).astype(name))
    if name.startswith(("int", "uint")):
        return torch.from_numpy(np.abs(base * 10).astype(name))
    return torch.from_numpy(base).to(getattr(torch, name))


@pytest.mark.parametrize("name", DTYPES)
def test_every_dtype_torch_to_torchjax(name):
    t = _sample(name)
    buf = io.BytesIO()
    torch.save({"t": t, "col": t[:, 1], "scalar": t[1, 2].clone()}, buf)
    buf.seek(0)
    got = torchjax.load(buf)
    assert_tensor(t, got["t"])
    assert_tensor(t[:, 1], got["col"])
    assert_tensor(t[1, 2].clone(), got["scalar"])


@pytest.mark.parametrize("name", DTYPES)
def test_every_dtype_torchjax_to_torch(name):
    t = _sample(name)
    j = to_tj(t)
    buf = io.BytesIO()
    torchjax.save({"t": j, "col": j[:, 1], "scalar": j[1, 2].clone()}, buf)
    buf.seek(0)
    got = torch.load(buf, weights_only=True)
    assert_tensor(t, got["t"])
    assert_tensor(j[:, 1], got["col"])
    assert_tensor(t[1, 2].clone(), got["scalar"])
    assert got["col"].untyped_storage().data_ptr() == got["t"].untyped_storage().data_ptr()


def test_torch_views_share_one_storage_in_torchjax():
    x = torch.arange(24.0).reshape(4, 6)
    views = {"x": x, "row": x[1], "col": x[:, 2], "t": x.t(), "step": x[::2, 1::3], "flat": x.view(-1)[5:17],
             "diag": x.diagonal(), "expand": x[0:1].expand(3, 6), "unfold": x.view(-1).unfold(0, 4, 2)}
    buf = io.BytesIO()
    torch.save(views, buf)
    raw = zipfile.ZipFile(io.BytesIO(buf.getvalue())).namelist()
    assert sum("/data/" in n for n in raw) == 1  # torch wrote one storage
    buf.seek(0)
    got = torchjax.load(buf)
    assert_tree(views, got)
    # they alias as in torch: a write through one is seen by all
    got["col"].mul_(-1)
    x[:, 2].mul_(-1)
    for k in views:
        assert_tensor(views[k], got[k], k)
    got["x"].add_(1000)
    x.add_(1000)
    for k in views:
        assert_tensor(views[k], got[k], k)


def test_torchjax_views_share_one_storage_in_torch():
    x = torchjax.arange(24.0).reshape(4, 6)
    views = {"x": x, "row": x[1], "col": x[:, 2], "t": x.t(), "step": x[::2, 1::3], "flat": x.view(-1)[5:17],
             "diag": x.diagonal(), "expand": x[0:1].expand(3, 6), "unfold": x.view(-1).unfold(0, 4, 2),
             "perm": x.reshape(2, 2, 6).permute(2, 0, 1), "narrow": x.narrow(1, 2, 3)}
    buf = io.BytesIO()
    torchjax.save(views, buf)
    assert sum("/data/" in n for n in zipfile.ZipFile(io.BytesIO(buf.getvalue())).namelist()) == 1
    buf.seek(0)
    got = torch.load(buf, weights_only=True)
    for k, v in views.items():
        assert_tensor(v, got[k], k)  # torchjax's own values, strides and offsets, read by torch
        assert got[k].untyped_storage().data_ptr() == got["x"].untyped_storage().data_ptr()
    got["x"].zero_()
    assert got["diag"].abs().sum() == 0


def test_dtype_changing_views():
    z = torchjax.from_numpy(np.arange(6).astype(np.complex64) * (1 + 2j))
    f = torchjax.arange(8, dtype=torchjax.float32)
    for name, obj in {"real": z.real, "imag": z.imag, "as_real": torchjax.view_as_real(z),
                      "bits": f.view(torchjax.int32), "halves": f.view(torchjax.int16)[3:9]}.items():
        buf = io.BytesIO()
        torchjax.save(obj, buf)
        buf.seek(0)
        assert_tensor(obj, torch.load(buf), name)
    buf = io.BytesIO()
    with pytest.raises(RuntimeError, match="view the same data as different types"):
        torchjax.save([z, z.real], buf)
    c = torch.zeros(2, dtype=torch.cfloat)
    with pytest.raises(RuntimeError, match="view the same data as different types"):  # torch refuses it too
        torch.save([c, c.real], io.BytesIO())


def test_noncontiguous_numpy_backed_tensors():
    a = np.arange(12, dtype=np.float32).reshape(3, 4)
    for obj in (torchjax.from_numpy(a.T), torchjax.from_numpy(a[:, ::2]), torchjax.from_numpy(a[1:])):
        buf = io.BytesIO()
        torchjax.save(obj, buf)
        buf.seek(0)
        got = torch.load(buf)
        np.testing.assert_array_equal(got.numpy(), tj_np(obj))
        assert tuple(got.shape) == tuple(obj.shape)


def test_parameters_and_requires_grad():
    p = torch.nn.Parameter(torch.randn(3, 2))
    frozen = torch.nn.Parameter(torch.randn(2), requires_grad=False)
    leaf = torch.randn(2, requires_grad=True)
    buf = io.BytesIO()
    torch.save({"p": p, "frozen": frozen, "leaf": leaf, "tied": p}, buf)
    buf.seek(0)
    got = torchjax.load(buf)
    assert_tensor(p, got["p"])
    assert_tensor(frozen, got["frozen"])
    assert_tensor(leaf, got["leaf"])
    assert got["tied"] is got["p"]  # one object, as pickled
    assert got["p"].is_leaf and got["p"].requires_grad and not got["frozen"].requires_grad


def test_torchjax_parameter_is_written_as_torch_parameter():
    class Parameter(torchjax.Tensor):  # stands in for torchjax.nn.Parameter until nn merges
        pass
    Parameter.__module__ = "torchjax.nn.parameter"
    x = torchjax.randn(3)
    p = object.__new__(Parameter)
    p.__dict__.update(x.__dict__)
    p.requires_grad_(True)
    buf = io.BytesIO()
    torchjax.save({"w": p}, buf)
    assert b"_rebuild_parameter" in buf.getvalue() and b"torchjax" not in buf.getvalue()
    buf.seek(0)
    got = torch.load(buf, weights_only=True)["w"]
    assert type(got) is torch.nn.Parameter and got.requires_grad
    np.testing.assert_array_equal(got.detach().numpy(), tj_np(x))


def test_python_values_round_trip():
    obj = {"int": 3, "big": 2 ** 70, "neg": -5, "float": 1.5, "str": "héllo", "none": None, "bools": [True, False],
           "tuple": (1, (2, 3)), "bytes": b"\x00\xff", "set": {1, 2}, "complex": 1 + 2j, "bytearray": bytearray(b"ab")}
    extra_t = {"dtype": torch.bfloat16, "size": torch.Size([2, 3]), "device": torch.device("cpu"),
               "cuda": torch.device("cuda", 1), "layout": torch.strided}
    buf = io.BytesIO()
    torch.save({**obj, **extra_t}, buf)
    buf.seek(0)
    got = torchjax.load(buf)
    assert_tree({**obj, **extra_t}, got)
    assert got["dtype"] is torchjax.bfloat16 and isinstance(got["size"], torchjax.Size)
    assert got["layout"] is torchjax.strided
    extra_j = {"dtype": torchjax.bfloat16, "size": torchjax.Size([2, 3]), "device": torchjax.device("cpu"),
               "cuda": torchjax.device("cuda", 1), "layout": torchjax.strided}
    buf = io.BytesIO()
    torchjax.save({**obj, **extra_j}, buf)
    buf.seek(0)
    back = torch.load(buf, weights_only=True)
    assert_tree({**obj, **extra_t}, back)
    assert back["layout"] is torch.strided


def test_paths_pathlike_and_file_objects(tmp_path):
    t = torchjax.arange(5)
    torchjax.save(t, str(tmp_path / "a.pt"))
    torchjax.save(t, pathlib.Path(tmp_path / "b.pt"))
    with open(tmp_path / "c.pt", "wb") as fh:
        torchjax.save(t, fh)
    for name in "abc":
        assert_tensor(t, torch.load(tmp_path / f"{name}.pt"))
        assert_tensor(t, torchjax.load(str(tmp_path / f"{name}.pt")))
        with open(tmp_path / f"{name}.pt", "rb") as fh:
            assert_tensor(t, torchjax.load(fh))
    assert zipfile.ZipFile(tmp_path / "a.pt").namelist()[0] == "a/data.pkl"  # torch names the archive so
    assert zipfile.ZipFile(tmp_path / "c.pt").namelist()[0] == "archive/data.pkl"


def test_layout_matches_torch_records_and_alignment(tmp_path):
    x = torch.arange(10.0)
    torch.save({"x": x, "y": x[2:]}, tmp_path / "t.pt")
    torchjax.save({"x": to_tj(x)}, tmp_path / "j.pt")
    tn = [n.split("/", 1)[1] for n in zipfile.ZipFile(tmp_path / "t.pt").namelist()]
    jn = [n.split("/", 1)[1] for n in zipfile.ZipFile(tmp_path / "j.pt").namelist()]
    assert tn == jn
    from torch.serialization import _open_zipfile_reader
    with open(tmp_path / "j.pt", "rb") as fh, _open_zipfile_reader(fh) as zr:
        for name in zr.get_all_records():
            assert zr.get_record_offset(name) % 64 == 0, name  # records aligned as torch aligns them


def test_map_location_forms(tmp_path, monkeypatch):
    from torchjax import _serialization_save as S
    x = torchjax.arange(4.0)
    monkeypatch.setattr(S, "location_tag", lambda obj: "cuda:0")  # a checkpoint written on a GPU
    torchjax.save({"x": x, "v": x[1:]}, tmp_path / "gpu.pt")
    monkeypatch.undo()
    if not torch.cuda.is_available():
        with pytest.raises(RuntimeError, match="CUDA"):
            torch.load(tmp_path / "gpu.pt")
    if not torchjax.cuda.is_available():
        with pytest.raises(RuntimeError, match="torch.cuda.is_available"):
            torchjax.load(tmp_path / "gpu.pt")
    seen = []

    def fn(storage, loc):
        seen.append(loc)
        return storage
    forms = ["cpu", torchjax.device("cpu"), {"cuda:0": "cpu"}, fn, lambda s, loc: None if loc == "cpu" else s.cpu()]
    for ml in forms:
        got = torchjax.load(tmp_path / "gpu.pt", map_location=ml)
        assert got["x"].device == torchjax.device("cpu")
        assert_tensor(torch.arange(4.0)[1:], got["v"])
    assert seen == ["cuda:0"]
    theirs = torch.load(tmp_path / "gpu.pt", map_location="cpu")
    assert_tensor(theirs["v"], torchjax.load(tmp_path / "gpu.pt", map_location={"cuda:0": "cpu"})["v"])


@pytest.mark.skipif(not torchjax.cuda.is_available(), reason="needs a GPU")
def test_map_location_to_gpu(tmp_path):
    torch.save({"x": torch.arange(4.0)}, tmp_path / "t.pt")
    for ml in ("cuda", "cuda:0", torchjax.device("cuda", 0), {"cpu": "cuda:0"}, lambda s, loc: s.cuda()):
        got = torchjax.load(tmp_path / "t.pt", map_location=ml)
        assert got["x"].device == torchjax.device("cuda", 0)
        np.testing.assert_array_equal(tj_np(got["x"].cpu()), np.arange(4.0, dtype=np.float32))
    x = torchjax.arange(4.0, device="cuda")
    torchjax.save({"x": x}, tmp_path / "j.pt")
    assert b"cuda:0" in zipfile.ZipFile(tmp_path / "j.pt").read("j/data.pkl")
    assert torchjax.load(tmp_path / "j.pt")["x"].device == torchjax.device("cuda", 0)
    assert torch.equal(torch.load(tmp_path / "j.pt", map_location="cpu")["x"], torch.arange(4.0))


def test_mmap(tmp_path):
    sd = {"w": torch.randn(64, 32), "b": torch.randn(32).bfloat16(), "v": None}
    sd["v"] = sd["w"][3]
    torch.save(sd, tmp_path / "t.pt")
    before = (tmp_path / "t.pt").read_bytes()
    got = torchjax.load(tmp_path / "t.pt", mmap=True)
    assert_tree(sd, got)
    got["w"].add_(1)  # private mapping: the file is not changed
    assert_tensor(sd["w"] + 1, got["w"])
    assert_tensor((sd["w"] + 1)[3], got["v"])
    assert (tmp_path / "t.pt").read_bytes() == before
    with pytest.raises(ValueError, match="file path"):
        torchjax.load(io.BytesIO(before), mmap=True)
    torch.save(sd, tmp_path / "old.pt", _use_new_zipfile_serialization=False)
    with pytest.raises(RuntimeError, match="mmap can only be used"):
        torchjax.load(tmp_path / "old.pt", mmap=True)


def test_loaded_tensors_are_independent_leaves():
    buf = io.BytesIO()
    x = torch.arange(3.0)
    torch.save([x, x], buf)
    buf.seek(0)
    a, b = torchjax.load(buf)
    assert a is b
    buf.seek(0)
    c, = torchjax.load(buf)[:1]
    c.add_(1)
    assert_tensor(torch.arange(3.0), a)  # a second load does not alias the first
    assert (a.numpy() == np.arange(3.0)).all()


def test_zero_size_and_zero_dim(tmp_path):
    objs = {"empty": torch.zeros(0, 3), "scalar": torch.tensor(7), "e2": torch.zeros(2, 0),
            "slice": torch.arange(5)[5:]}
    torch.save(objs, tmp_path / "t.pt")
    assert_tree(objs, torchjax.load(tmp_path / "t.pt"))
    torchjax.save(to_tj(objs), tmp_path / "j.pt")
    assert_tree(objs, torch.load(tmp_path / "j.pt"), strides=False)


def test_storages_saved_directly(tmp_path):
    x = torchjax.arange(4, dtype=torchjax.uint8)
    torchjax.save({"x": x, "s": x.untyped_storage()}, tmp_path / "j.pt")
    got = torch.load(tmp_path / "j.pt")
    # torch hands saved storages back as TypedStorage (of uint8 for an UntypedStorage)
    assert type(got["s"]).__name__ == "TypedStorage" and got["s"].nbytes() == 4
    assert got["s"]._untyped_storage.data_ptr() == got["x"].untyped_storage().data_ptr()
    assert bytes(got["s"]._untyped_storage) == bytes(range(4))
    t = torch.arange(3, dtype=torch.uint8)
    torch.save({"t": t, "s": t.untyped_storage()}, tmp_path / "t.pt")
    mine = torchjax.load(tmp_path / "t.pt")
    assert isinstance(mine["s"], torchjax.TypedStorage) and mine["s"].dtype is torchjax.uint8
    assert bytes(mine["s"]._untyped_storage) == bytes(range(3))
    assert_tensor(t, mine["t"])
    # an int32 tensor and its (byte) storage in one file: torch refuses, and so does torchjax
    for lib in (torch, torchjax):
        y = lib.arange(4, dtype=lib.int32)
        with pytest.raises(RuntimeError, match="view the same data as different types"):
            lib.save({"y": y, "s": y.untyped_storage()}, io.BytesIO())


def test_untyped_storage_of_tensor():
    x = torchjax.arange(6, dtype=torchjax.float32)
    s = x.untyped_storage()
    assert s.nbytes() == 24 and len(s) == 24 and s.device == torchjax.device("cpu")
    assert x[2:].untyped_storage().data_ptr() == s.data_ptr()
    assert s.tolist() == list(np.arange(6, dtype=np.float32).tobytes())
    assert torch.arange(6, dtype=torch.float32).untyped_storage().tolist() == s.tolist()


def test_big_endian_checkpoint(tmp_path):
    """A checkpoint written on a big-endian machine (byteorder 'big', byte-swapped records) loads the same in both."""
    ref = {"f": torch.randn(5), "i": torch.arange(4, dtype=torch.int64) * 1000, "h": torch.randn(3).half(),
           "b": torch.tensor([True, False])}
    buf = io.BytesIO()
    torch.save(ref, buf)
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    item = {}  # record key -> element size, from the pickle's storage types
    for k, t in ref.items():
        item[str(list(ref).index(k))] = t.element_size()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            name = info.filename.split("/", 1)[1]
            if name == "byteorder":
                data = b"big"
            elif name.startswith("data/"):
                size = item[name[5:]]
                data = np.frombuffer(data, f"<u{size}").byteswap().tobytes() if size > 1 else data
            dst.writestr(info.filename, data)
    theirs = torch.load(io.BytesIO(out.getvalue()))
    mine = torchjax.load(io.BytesIO(out.getvalue()))
    assert_tree(ref, theirs)
    assert_tree(ref, mine)


def test_storage_objects_behave_like_torch():
    for lib in (torch, torchjax):
        x = lib.arange(6, dtype=lib.int16)
        s = x.untyped_storage()
        sl = s[2:6]
        assert (sl.nbytes(), sl.tolist()) == (4, [1, 0, 2, 0])
        s.fill_(0)
        assert x.tolist() == [0] * 6
    assert repr(torchjax.arange(3, dtype=torchjax.uint8).untyped_storage()) == \
        repr(torch.arange(3, dtype=torch.uint8).untyped_storage())
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t = torch.FloatStorage([1.5, 2.5])
    j = torchjax.FloatStorage([1.5, 2.5])
    assert repr(j) == repr(t) and j.size() == t.size() and j.tolist() == t.tolist()
    assert isinstance(j, torchjax.FloatStorage) and not isinstance(j, torchjax.IntStorage)
    assert torchjax.is_storage(j) and torchjax.is_storage(j.untyped())


def test_parameters_load_as_nn_parameter_when_nn_exists(monkeypatch):
    """Once torchjax.nn exists, torch's Parameters load as torchjax.nn.Parameter (simulated here by a stand-in)."""
    import sys
    import types

    class Parameter(torchjax.Tensor):
        def __new__(cls, data=None, requires_grad=True):
            p = object.__new__(cls)
            p.__dict__.update(data.detach().__dict__)
            p.requires_grad_(requires_grad)
            return p
    Parameter.__module__ = "torchjax.nn.parameter"
    fake = types.ModuleType("torchjax.nn")
    fake.Parameter = Parameter
    monkeypatch.setitem(sys.modules, "torchjax.nn", fake)
    buf = io.BytesIO()
    torch.save({"w": torch.nn.Parameter(torch.ones(2)), "f": torch.nn.Parameter(torch.ones(1), requires_grad=False)},
               buf)
    buf.seek(0)
    got = torchjax.load(buf)
    assert type(got["w"]) is Parameter and got["w"].requires_grad and not got["f"].requires_grad
    buf = io.BytesIO()
    torchjax.save(got, buf)  # and they are written back as torch Parameters
    buf.seek(0)
    back = torch.load(buf)
    assert type(back["w"]) is torch.nn.Parameter and back["w"].requires_grad and not back["f"].requires_grad
