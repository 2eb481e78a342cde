"""torchjax.utils.safetensors against the reference `safetensors` package (a test-only oracle)."""
import io
import json
import struct

import numpy as np
import pytest

from _serial_util import assert_tensor, np_torch, tj_np, to_tj, torch, torch_np, torchjax
from torchjax.utils import safetensors as tst

st_torch = pytest.importorskip("safetensors.torch")
st_numpy = pytest.importorskip("safetensors.numpy")

DTYPES = ["float32", "float64", "float16", "bfloat16", "int8", "int16", "int32", "int64", "uint8", "bool",
          "uint16", "uint32", "uint64", "complex64", "float8_e4m3fn", "float8_e5m2"]


def _tensors():
    rng = np.random.default_rng(0)
    out = {}
    for i, name in enumerate(DTYPES):
        base = rng.standard_normal((2, 3 + i % 3)) * 4
        if name == "bool":
            t = torch.from_numpy(base > 0)
        elif name == "complex64":
            t = torch.from_numpy((base + 1j * base[::-1]).astype(np.complex64))
        elif name.startswith(("int", "uint")):
            t = torch.from_numpy(np.abs(base * 10).astype(name))
        else:
            t = torch.from_numpy(base).to(getattr(torch, name))
        out[f"layer{i}.{name}"] = t
    out["scalar"] = torch.tensor(3.5)
    out["empty"] = torch.zeros(0, 4)
    return out


def test_reference_reads_torchjax_files(tmp_path):
    ref = _tensors()
    tst.save_file(to_tj(ref), tmp_path / "j.safetensors", metadata={"format": "pt", "note": "héllo"})
    got = st_torch.load_file(tmp_path / "j.safetensors")
    assert sorted(got) == sorted(ref)
    for k in ref:
        assert_tensor(ref[k], got[k], k)
    with st_torch.safe_open(tmp_path / "j.safetensors", framework="pt") as f:
        assert f.metadata() == {"format": "pt", "note": "héllo"}


def test_torchjax_reads_reference_files(tmp_path):
    ref = _tensors()
    st_torch.save_file(ref, tmp_path / "t.safetensors", metadata={"format": "pt"})
    got = tst.load_file(tmp_path / "t.safetensors")
    assert list(got) == list(st_torch.load_file(tmp_path / "t.safetensors"))  # same order as the reference
    for k in ref:
        assert_tensor(ref[k], got[k], k)
    assert tst.load_metadata(tmp_path / "t.safetensors") == {"format": "pt"}
    via_torch_load = torchjax.load(tmp_path / "t.safetensors")  # torch.load hands .safetensors paths over
    for k in ref:
        assert_tensor(ref[k], via_torch_load[k], k)


def test_bytes_api_is_byte_identical_to_reference():
    ref = _tensors()
    # (one metadata key: the reference writes several in hash order)
    mine = tst.save(to_tj(ref), metadata={"format": "pt"})
    theirs = st_torch.save(ref, metadata={"format": "pt"})
    assert mine == theirs
    got = tst.load(theirs)
    for k in ref:
        assert_tensor(ref[k], got[k], k)
    plain = {k: v for k, v in ref.items() if "float8" not in k and "bfloat16" not in k}
    arrays = st_numpy.load(tst.save(to_tj(plain)))  # the numpy flavour reads it too (it has no float8/bfloat16)
    for k in plain:
        np.testing.assert_array_equal(arrays[k], torch_np(plain[k]))


def test_save_refuses_what_the_reference_refuses():
    x = torchjax.arange(12.0).reshape(3, 4)
    with pytest.raises(ValueError, match="non contiguous"):
        tst.save({"t": x.t()})
    with pytest.raises(RuntimeError, match="share memory"):
        tst.save({"a": x, "b": x[1]})
    tst.save({"a": x[0], "b": x[1]})  # disjoint views of one tensor are fine, as in the reference
    with pytest.raises(ValueError, match="expected torch.Tensor"):
        tst.save({"a": np.zeros(2)})
    with pytest.raises(TypeError, match="str"):
        tst.save({"a": x}, metadata={"k": 1})
    with pytest.raises(ValueError, match="not supported"):
        tst.save({"c": torchjax.zeros(2, dtype=torchjax.complex128)})
    tx = torch.arange(12.0).reshape(3, 4)
    with pytest.raises(ValueError, match="non contiguous"):
        st_torch.save({"t": tx.t()})
    with pytest.raises(RuntimeError, match="share memory"):
        st_torch.save({"a": tx, "b": tx[1]})


def _header(data):
    n = struct.unpack("<Q", data[:8])[0]
    return json.loads(data[8:8 + n]), n


@pytest.mark.parametrize("case", ["truncated", "short", "bad_json", "hole", "overlap", "bad_dtype", "huge_len",
                                  "wrong_size", "extra_bytes"])
def test_malformed_files_are_refused(case):
    good = st_torch.save({"a": torch.ones(4), "b": torch.zeros(2, dtype=torch.int64)})
    header, n = _header(good)
    body = good[8 + n:]

    def build(h, b=body):
        text = json.dumps(h).encode()
        return struct.pack("<Q", len(text)) + text + b
    data = {
        "truncated": good[:-3],
        "short": good[:5],
        "bad_json": struct.pack("<Q", 5) + b"{oops" + body,
        "hole": build({**header, "a": {**header["a"], "data_offsets": [17, 33]}}),
        "overlap": build({**header, "a": {**header["a"], "data_offsets": [0, 16]},
                          "b": {**header["b"], "data_offsets": [8, 24]}}),
        "bad_dtype": build({**header, "a": {**header["a"], "dtype": "Q7"}}),
        "huge_len": struct.pack("<Q", 2 ** 40) + good[8:],
        "wrong_size": build({**header, "a": {**header["a"], "shape": [5]}}),
        "extra_bytes": good + b"\0" * 8,
    }[case]
    with pytest.raises(tst.SafetensorError):
        tst.load(data)
    with pytest.raises(Exception):  # noqa: B017 - the reference refuses it too
        st_torch.load(data)


def test_load_file_device_and_atomic_save(tmp_path):
    path = tmp_path / "m.safetensors"
    tst.save_file({"w": torchjax.ones(2)}, path)
    got = tst.load_file(path, device="cpu")
    assert got["w"].device == torchjax.device("cpu")
    assert [p.name for p in tmp_path.iterdir()] == ["m.safetensors"]
    if not torchjax.cuda.is_available():
        with pytest.raises((AssertionError, RuntimeError)):
            tst.load_file(path, device="cuda")
