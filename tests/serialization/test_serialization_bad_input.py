"""Truncated, corrupted and malformed checkpoints raise a clear exception (RuntimeError or UnpicklingError, or
EOFError for an empty file as torch does) and never return a partial object."""
import io
import pickle
import struct
import zipfile

import numpy as np
import pytest

from _serial_util import torch, torchjax

CLEAR = (RuntimeError, pickle.UnpicklingError)


def _checkpoint():
    buf = io.BytesIO()
    torch.save({"w": torch.arange(1000.0), "b": torch.ones(10, dtype=torch.int64), "step": 3}, buf)
    return buf.getvalue()


def _load(data, **kw):
    return torchjax.load(io.BytesIO(data), **kw)


@pytest.mark.parametrize("frac", [0.0001, 0.01, 0.1, 0.3, 0.5, 0.7, 0.9, 0.99])
def test_truncated_file_is_refused(frac):
    data = _checkpoint()
    cut = data[:max(1, int(len(data) * frac))]
    with pytest.raises(CLEAR):
        _load(cut)
    with pytest.raises(Exception):  # noqa: B017 - torch refuses it too
        torch.load(io.BytesIO(cut))


def test_truncated_file_on_disk(tmp_path):
    path = tmp_path / "c.pt"
    path.write_bytes(_checkpoint()[:-100])
    with pytest.raises(RuntimeError, match="failed finding central directory"):
        torchjax.load(path)
    with pytest.raises((RuntimeError, OSError)):  # torch: OSError or RuntimeError, depending on the cut
        torch.load(path)


def test_truncated_legacy_file_is_refused():
    buf = io.BytesIO()
    torch.save({"w": torch.arange(100.0)}, buf, _use_new_zipfile_serialization=False)
    data = buf.getvalue()
    for cut in (5, 40, len(data) // 2, len(data) - 10, len(data) - 1):
        with pytest.raises(CLEAR):
            _load(data[:cut])


def test_empty_file_raises_eof_like_torch():
    for lib in (torch, torchjax):
        with pytest.raises(EOFError):
            lib.load(io.BytesIO(b""))


@pytest.mark.parametrize("seed", range(5))
def test_garbage_is_refused(seed):
    data = np.random.default_rng(seed).integers(0, 256, 300).astype(np.uint8).tobytes()
    with pytest.raises(CLEAR):
        _load(data)
    with pytest.raises(CLEAR):
        _load(b"PK\x03\x04" + data)


def test_corrupted_storage_bytes_are_detected():
    data = bytearray(_checkpoint())
    zf = zipfile.ZipFile(io.BytesIO(bytes(data)))
    info = zf.getinfo("archive/data/0")
    start = info.header_offset + 30 + struct.unpack("<HH", data[info.header_offset + 26:info.header_offset + 30])[0] \
        + struct.unpack("<HH", data[info.header_offset + 26:info.header_offset + 30])[1]
    data[start + 100] ^= 0xFF  # flip bits inside the tensor data: the CRC no longer matches
    with pytest.raises(RuntimeError, match="data/0"):
        _load(bytes(data))


def test_corrupted_pickle_is_detected():
    data = bytearray(_checkpoint())
    i = data.index(b"_rebuild_tensor_v2")
    data[i:i + 3] = b"XYZ"
    with pytest.raises(CLEAR):
        _load(bytes(data))


def _zip(records):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, value in records.items():
            zf.writestr(name, value)
    return buf.getvalue()


def test_zip_without_data_pkl():
    data = _zip({"archive/version": "3\n", "archive/data/0": b"\0" * 8})
    for lib in (torch, torchjax):
        with pytest.raises(RuntimeError, match="data.pkl"):
            lib.load(io.BytesIO(data))


def test_zip_not_in_a_folder():
    data = _zip({"data.pkl": pickle.dumps(1, protocol=2), "version": "3\n"})
    for lib in (torch, torchjax):
        with pytest.raises(RuntimeError, match="not in a subdirectory"):
            lib.load(io.BytesIO(data))


def test_empty_zip_and_other_zips():
    empty = io.BytesIO()
    zipfile.ZipFile(empty, "w").close()
    with pytest.raises(CLEAR):  # an empty zip has no local header: it is not a torch zip
        _load(empty.getvalue())


def _with_pickle(pkl, storages=None):
    records = {"archive/data.pkl": pkl, "archive/version": "3\n"}
    for k, v in (storages or {}).items():
        records[f"archive/data/{k}"] = v
    return _zip(records)


class _FakeStorage:
    def __init__(self, pid):
        self.pid = pid


def _tensor_pickle(size, stride, offset, numel, record_key="0", storage_name="FloatStorage"):
    """A data.pkl with one tensor over a persistent storage, written with real torch's global names."""
    class P(pickle.Pickler):
        def persistent_id(self, obj):
            return obj.pid if isinstance(obj, _FakeStorage) else None

    class Rebuild:
        def __reduce__(self):
            return (torch._utils._rebuild_tensor_v2,
                    (_FakeStorage(("storage", getattr(torch, storage_name), record_key, "cpu", numel)), offset,
                     size, stride, False, __import__("collections").OrderedDict()))
    buf = io.BytesIO()
    P(buf, protocol=2).dump({"t": Rebuild()})
    return buf.getvalue()


def test_tensor_out_of_storage_bounds_is_refused():
    data = _with_pickle(_tensor_pickle((4, 4), (4, 1), 2, 16), {"0": b"\0" * 64})
    with pytest.raises(RuntimeError, match="not resizable"):
        torch.load(io.BytesIO(data))
    with pytest.raises(RuntimeError, match="out of bounds"):
        _load(data)


def test_record_size_mismatch_is_refused():
    data = _with_pickle(_tensor_pickle((4,), (1,), 0, 4), {"0": b"\0" * 8})
    with pytest.raises(RuntimeError, match="corrupted"):
        _load(data)


def test_missing_storage_record_is_refused():
    data = _with_pickle(_tensor_pickle((4,), (1,), 0, 4, record_key="7"), {"0": b"\0" * 16})
    for lib in (torch, torchjax):
        with pytest.raises(RuntimeError, match="data/7"):
            lib.load(io.BytesIO(data))


def test_valid_hand_written_tensor_pickle_loads():
    data = _with_pickle(_tensor_pickle((2, 2), (1, 2), 1, 5), {"0": np.arange(5, dtype=np.float32).tobytes()})
    theirs = torch.load(io.BytesIO(data))["t"]
    mine = _load(data)["t"]
    np.testing.assert_array_equal(np.asarray(mine._host_values()), theirs.numpy())
    assert mine.stride() == theirs.stride() and mine.storage_offset() == theirs.storage_offset() == 1


def test_not_a_file():
    with pytest.raises(AttributeError):
        torchjax.load(12345)
    with pytest.raises(FileNotFoundError):
        torchjax.load("/nonexistent/dir/x.pt")


def test_unsupported_tensor_kinds_raise_not_implemented():
    import warnings
    cases = {"complex32": lambda: torch.zeros(2, dtype=torch.chalf),
             "quantized": lambda: torch.quantize_per_tensor(torch.ones(2), 0.1, 0, torch.qint8),
             "sparse": lambda: torch.eye(2).to_sparse(),
             "meta": lambda: torch.empty(2, device="meta")}
    for what, make in cases.items():
        buf = io.BytesIO()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.save({"t": make()}, buf)
        buf.seek(0)
        with pytest.raises(NotImplementedError, match=what):
            torchjax.load(buf)
