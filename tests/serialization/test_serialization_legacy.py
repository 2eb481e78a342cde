"""The legacy formats: torch's pre-1.6 pickle stream (`_use_new_zipfile_serialization=False`, which torch 2.x still
writes) in both directions, and the older tar archive (read only, weights_only=False, as in torch)."""
import collections
import io
import pickle
import struct
import tarfile

import numpy as np
import pytest

from _serial_util import assert_tensor, assert_tree, to_tj, torch, torchjax


def _objects():
    x = torch.arange(20.0).reshape(4, 5)
    sd = collections.OrderedDict([("w", torch.randn(3, 2)), ("b", torch.randn(3).bfloat16()),
                                  ("n", torch.tensor(5)), ("mask", torch.tensor([True, False]))])
    sd._metadata = collections.OrderedDict([("", {"version": 2})])
    return {"x": x, "row": x[1], "col": x[:, 3], "t": x.t(), "sd": sd, "p": torch.nn.Parameter(torch.randn(2)),
            "c": torch.randn(2, dtype=torch.cdouble), "i8": torch.tensor([-1, 2], dtype=torch.int8),
            "meta": {"epoch": 2, "lr": 0.1, "name": "x", "shape": torch.Size([4, 5]), "dtype": torch.float16}}


@pytest.mark.parametrize("weights_only", [True, False])
def test_torch_legacy_file_loads(weights_only, tmp_path):
    objs = _objects()
    torch.save(objs, tmp_path / "old.pt", _use_new_zipfile_serialization=False)
    assert not (tmp_path / "old.pt").read_bytes().startswith(b"PK")
    got = torchjax.load(tmp_path / "old.pt", weights_only=weights_only)
    assert_tree(objs, got)
    # views still alias one storage
    got["col"].fill_(-1)
    objs["col"].fill_(-1)
    for k in ("x", "row", "col", "t"):
        assert_tensor(objs[k], got[k], k)


def test_torch_legacy_file_from_a_buffer_with_map_location():
    objs = _objects()
    buf = io.BytesIO()
    torch.save(objs, buf, _use_new_zipfile_serialization=False)
    buf.seek(0)
    assert_tree(objs, torchjax.load(buf, map_location="cpu"))
    buf.seek(0)
    locs = []
    assert_tree(objs, torchjax.load(buf, map_location=lambda s, loc: locs.append(loc)))
    assert set(locs) == {"cpu"}


def test_torchjax_legacy_file_loads_in_torch(tmp_path):
    objs = _objects()
    torchjax.save(to_tj(objs), tmp_path / "old.pt", _use_new_zipfile_serialization=False)
    got = torch.load(tmp_path / "old.pt", weights_only=True)
    assert_tree(objs, got, strides=False)  # to_tj copied the views apart; views are checked below
    # views of one torchjax tensor share the storage record in the legacy format too
    x = torchjax.arange(6.0)
    torchjax.save([x, x[2:]], tmp_path / "v.pt", _use_new_zipfile_serialization=False)
    a, b = torch.load(tmp_path / "v.pt")
    assert b.untyped_storage().data_ptr() == a.untyped_storage().data_ptr() and b.storage_offset() == 2
    assert torchjax.load(tmp_path / "v.pt")[1].tolist() == [2.0, 3.0, 4.0, 5.0]


def _tar_checkpoint():
    """A checkpoint in the pre-0.4 tar layout, built by hand: members 'storages', 'tensors' and 'pickle'."""
    data = np.arange(12, dtype=np.float32)
    longs = np.array([7, 8, 9], dtype=np.int64)
    st = io.BytesIO()
    pickle.dump(2, st, protocol=2)
    pickle.dump((1, "cpu", torch.FloatStorage), st, protocol=2)
    st.write(struct.pack("<q", data.size) + data.tobytes())
    pickle.dump((2, "cpu", torch.LongStorage), st, protocol=2)
    st.write(struct.pack("<q", longs.size) + longs.tobytes())
    pickle.dump([], st, protocol=2)  # no storage views
    te = io.BytesIO()
    tensors = [(10, 1, (3, 4), (4, 1), 0), (11, 1, (4,), (3,), 1), (12, 2, (3,), (1,), 0)]
    pickle.dump(len(tensors), te, protocol=2)
    for key, sid, size, stride, offset in tensors:
        pickle.dump((key, sid, torch.FloatTensor if sid == 1 else torch.LongTensor), te, protocol=2)
        te.write(struct.pack("<i", len(size)) + b"\0" * 4 + struct.pack(f"<{len(size)}q", *size)
                 + struct.pack(f"<{len(stride)}q", *stride) + struct.pack("<q", offset))

    class Ref:
        def __init__(self, key):
            self.key = key

    class P(pickle.Pickler):
        def persistent_id(self, obj):
            return str(obj.key) if isinstance(obj, Ref) else None
    pk = io.BytesIO()
    P(pk, protocol=2).dump({"weight": Ref(10), "strided": Ref(11), "ids": Ref(12), "epoch": 4})
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:", format=tarfile.PAX_FORMAT) as tar:
        for name, b in (("sys_info", pickle.dumps({}, protocol=2)), ("pickle", pk.getvalue()),
                        ("storages", st.getvalue()), ("tensors", te.getvalue())):
            info = tarfile.TarInfo(name)
            info.size = len(b)
            tar.addfile(info, io.BytesIO(b))
    return out.getvalue()


def test_legacy_tar_format(tmp_path):
    path = tmp_path / "ancient.pt"
    path.write_bytes(_tar_checkpoint())
    theirs = torch.load(path, weights_only=False)
    mine = torchjax.load(path, weights_only=False)
    assert_tree(theirs, mine)
    assert mine["strided"].tolist() == [1.0, 4.0, 7.0, 10.0]
    for lib in (torch, torchjax):
        with pytest.raises(RuntimeError, match="legacy .tar format"):
            lib.load(path)
