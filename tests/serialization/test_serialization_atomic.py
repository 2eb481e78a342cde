"""Saves to a path are atomic: a save that fails midway leaves the previous checkpoint intact and no temporary
files behind; a save that succeeds replaces the file (keeping its permissions, following a symlink)."""
import io
import os
import stat

import pytest

from _serial_util import assert_tensor, torch, torchjax
from torchjax import _serialization_save as S


class Boom:
    """Fails while being pickled, after the tensors before it were already reduced."""

    def __reduce__(self):
        raise RuntimeError("pickling failed midway")


def _good(path):
    torchjax.save({"w": torchjax.arange(100.0), "epoch": 1}, path)
    return path.read_bytes()


def _leftovers(folder, keep):
    return sorted(p.name for p in folder.iterdir() if p.name not in keep)


def test_pickling_failure_leaves_previous_checkpoint(tmp_path):
    path = tmp_path / "ckpt.pt"
    before = _good(path)
    with pytest.raises(RuntimeError, match="pickling failed midway"):
        torchjax.save({"w": torchjax.ones(1000), "v": torchjax.zeros(10), "bad": Boom(), "after": torchjax.ones(2)},
                      path)
    assert path.read_bytes() == before
    assert _leftovers(tmp_path, {"ckpt.pt"}) == []
    assert torch.load(path)["epoch"] == 1


@pytest.mark.parametrize("fail_at", [1, 2, 3])
def test_failure_while_writing_data_leaves_previous_checkpoint(tmp_path, monkeypatch, fail_at):
    path = tmp_path / "ckpt.pt"
    before = _good(path)
    real = S._host_bytes
    calls = []

    def flaky(source):
        calls.append(1)
        if len(calls) == fail_at:
            raise OSError("disk full")
        return real(source)
    monkeypatch.setattr(S, "_host_bytes", flaky)
    with pytest.raises(OSError, match="disk full"):
        torchjax.save({"a": torchjax.ones(10), "b": torchjax.ones(20), "c": torchjax.ones(30)}, path)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert _leftovers(tmp_path, {"ckpt.pt"}) == []


def test_interrupt_while_writing_leaves_previous_checkpoint(tmp_path, monkeypatch):
    path = tmp_path / "ckpt.pt"
    before = _good(path)

    def interrupted(source):
        raise KeyboardInterrupt
    monkeypatch.setattr(S, "_host_bytes", interrupted)
    with pytest.raises(KeyboardInterrupt):
        torchjax.save({"a": torchjax.ones(10)}, path)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert _leftovers(tmp_path, {"ckpt.pt"}) == []


def test_failed_first_save_creates_nothing(tmp_path):
    path = tmp_path / "new.pt"
    with pytest.raises(RuntimeError):
        torchjax.save([torchjax.ones(3), Boom()], path)
    assert not path.exists() and _leftovers(tmp_path, set()) == []


def test_successful_save_replaces_and_keeps_mode(tmp_path):
    path = tmp_path / "ckpt.pt"
    _good(path)
    os.chmod(path, 0o640)
    torchjax.save({"w": torchjax.full((3,), 7.0)}, path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o640
    assert_tensor(torch.full((3,), 7.0), torch.load(path)["w"])
    assert _leftovers(tmp_path, {"ckpt.pt"}) == []


def test_new_file_gets_umask_mode(tmp_path):
    path = tmp_path / "fresh.pt"
    torchjax.save(1, path)
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o666 & ~umask


def test_save_through_symlink_updates_target(tmp_path):
    real = tmp_path / "real.pt"
    _good(real)
    link = tmp_path / "latest.pt"
    link.symlink_to(real)
    torchjax.save({"w": torchjax.zeros(2)}, link)
    assert link.is_symlink()
    assert_tensor(torch.zeros(2), torch.load(real)["w"])


def test_missing_parent_directory(tmp_path):
    with pytest.raises(RuntimeError, match="Parent directory"):
        torchjax.save(1, tmp_path / "nope" / "x.pt")


def test_file_object_target_is_written_in_place():
    buf = io.BytesIO(b"prefix")
    buf.seek(6)
    torchjax.save({"w": torchjax.ones(2)}, buf)
    buf.seek(6)
    assert_tensor(torch.ones(2), torch.load(buf)["w"])
    buf.seek(6)
    assert_tensor(torch.ones(2), torchjax.load(buf)["w"])
