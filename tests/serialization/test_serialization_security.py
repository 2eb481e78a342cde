"""weights_only=True (the default) refuses every pickle that reaches outside the allow-list, runs nothing, and says
what torch says; add_safe_globals / safe_globals widen the list as in torch."""
import collections
import io
import os
import pickle
import shlex
import subprocess
import sys
import zipfile

import numpy as np
import pytest

from _serial_util import assert_tensor, torch, torchjax


class Evil:
    """Runs a shell command when unpickled."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (os.system, ("touch " + shlex.quote(self.marker),))


class EvilSubprocess(Evil):
    def __reduce__(self):
        return (subprocess.call, (["touch", self.marker],))


class EvilEval(Evil):
    def __reduce__(self):
        return (eval, (f"open({self.marker!r}, 'w').close()",))


class EvilExec(Evil):
    def __reduce__(self):
        return (exec, (f"open({self.marker!r}, 'w').close()",))


class Point:
    """A harmless user class, loadable once allow-listed."""

    def __init__(self, x, y):
        self.x, self.y = x, y

    def __eq__(self, other):
        return type(other) is Point and (self.x, self.y) == (other.x, other.y)


def _zip(pkl, prefix="archive", extra=()):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(f"{prefix}/data.pkl", pkl)
        for name, data in extra:
            zf.writestr(f"{prefix}/{name}", data)
        zf.writestr(f"{prefix}/version", "3\n")
    return buf.getvalue()


def _errors(data, **kw):
    """(torch's exception, torchjax's exception) loading the same bytes."""
    out = []
    for lib in (torch, torchjax):
        try:
            lib.load(io.BytesIO(data), **kw)
        except Exception as e:  # noqa: BLE001
            out.append(e)
        else:
            out.append(None)
    return out


PAYLOADS = [Evil, EvilSubprocess, EvilEval, EvilExec]


@pytest.mark.parametrize("cls", PAYLOADS, ids=lambda c: c.__name__)
def test_malicious_pickle_is_refused_and_runs_nothing(cls, tmp_path):
    marker = tmp_path / "pwned"
    data = _zip(pickle.dumps({"weight": [1.0, 2.0], "payload": cls(marker)}, protocol=2))
    te, je = _errors(data)
    assert not marker.exists()
    assert isinstance(te, pickle.UnpicklingError) and isinstance(je, pickle.UnpicklingError)
    assert str(je) == str(te)  # torch's explanatory message, word for word
    # the control: the same file with weights_only=False really does run the payload
    torchjax.load(io.BytesIO(data), weights_only=False)
    assert marker.exists()


@pytest.mark.parametrize("cls", PAYLOADS, ids=lambda c: c.__name__)
def test_malicious_object_saved_by_torchjax_next_to_tensors(cls, tmp_path):
    marker = tmp_path / "pwned"
    path = tmp_path / "ckpt.pt"
    torchjax.save({"w": torchjax.ones(3), "opt": {"payload": cls(marker)}}, path)
    for lib in (torchjax, torch):
        with pytest.raises(pickle.UnpicklingError, match="Weights only load failed"):
            lib.load(path)
        with pytest.raises(pickle.UnpicklingError):
            lib.load(path, weights_only=True)
    assert not marker.exists()


def test_malicious_payload_in_legacy_format(tmp_path):
    marker = tmp_path / "pwned"
    torchjax.save({"w": torchjax.ones(3), "payload": Evil(marker)}, tmp_path / "old.pt",
                  _use_new_zipfile_serialization=False)
    with pytest.raises(pickle.UnpicklingError, match="posix.system|nt.system"):
        torchjax.load(tmp_path / "old.pt")
    with pytest.raises(pickle.UnpicklingError, match="posix.system|nt.system"):
        torch.load(tmp_path / "old.pt")
    assert not marker.exists()


RAW_PICKLES = {
    # protocol 0 GLOBAL + REDUCE
    "global_reduce": b"cos\nsystem\n(S'touch MARKER'\ntR.",
    # INST runs find_class and calls the class: not an opcode the weights-only unpickler knows
    "inst": b"(S'touch MARKER'\nios\nsystem\n.",
    # OBJ
    "obj": b"\x80\x02cos\nsystem\nq\x00(X\x0c\x00\x00\x00touch MARKERo.",
    # builtins via the py2 name
    "py2_builtins": b"\x80\x02c__builtin__\neval\nX\x1c\x00\x00\x00open('MARKER', 'w').close()\x85R.",
    # getattr trickery to reach os.system from an allowed global
    "getattr": b"\x80\x02cbuiltins\ngetattr\ncollections\nOrderedDict\nX\x08\x00\x00\x00__init__\x86R.",
    # a persistent id that is not a storage
    "persid": b"\x80\x02X\x06\x00\x00\x00moduleX\x01\x00\x00\x00x\x86Q.",
    # BUILD on an object that is not allow-listed (a set cannot take state)
    "build": b"\x80\x02cbuiltins\nset\n)R}X\x01\x00\x00\x00a\x88sb.",
    # SETITEM into a list
    "setitem": b"\x80\x02]K\x00K\x01s.",
}


@pytest.mark.parametrize("name", sorted(RAW_PICKLES))
def test_hand_crafted_pickles_are_refused(name, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the hand-written string opcodes carry a 6-byte relative marker name
    marker = tmp_path / "pwned!"
    raw = RAW_PICKLES[name].replace(b"MARKER", b"pwned!")
    te, je = _errors(_zip(raw))
    assert not marker.exists()
    assert te is not None, "torch accepted it"
    assert isinstance(je, pickle.UnpicklingError), f"torchjax raised {type(je).__name__}: {je}"


def test_protocol_4_payload_is_refused(tmp_path):
    marker = tmp_path / "pwned"
    data = _zip(pickle.dumps({"payload": Evil(marker)}, protocol=4))  # STACK_GLOBAL, FRAME, MEMOIZE
    with pytest.raises(pickle.UnpicklingError, match="blocked"):
        torchjax.load(io.BytesIO(data))
    assert not marker.exists()
    ok = _zip(pickle.dumps({"a": [1, 2.5, "s", b"b", None]}, protocol=4))
    with pytest.warns(UserWarning, match="protocol 4"):
        assert torchjax.load(io.BytesIO(ok)) == {"a": [1, 2.5, "s", b"b", None]}


def test_user_class_needs_allow_listing(tmp_path):
    path = tmp_path / "p.pt"
    torchjax.save({"p": Point(1, torchjax.ones(2)), "t": torchjax.zeros(1)}, path)
    te, je = _errors(path.read_bytes())
    assert isinstance(je, pickle.UnpicklingError) and str(je) == str(te)
    assert f"{__name__}.Point" in str(je)
    assert torchjax.serialization.get_safe_globals() == []
    with torchjax.serialization.safe_globals([Point]):
        assert torchjax.serialization.get_safe_globals() == [Point]
        got = torchjax.load(path)
    assert torchjax.serialization.get_safe_globals() == []
    assert type(got["p"]) is Point and got["p"].x == 1
    assert_tensor(torchjax.ones(2), got["p"].y)
    torchjax.serialization.add_safe_globals([Point])
    try:
        assert torchjax.load(path)["p"].x == 1
        with torch.serialization.safe_globals([Point]):
            assert torch.load(path)["p"].x == 1  # and torch reads the torchjax file the same way
    finally:
        torchjax.serialization.clear_safe_globals()
    assert torchjax.serialization.get_safe_globals() == []
    with pytest.raises(pickle.UnpicklingError):
        torchjax.load(path)
    # (object, "module.name") pairs name the global explicitly
    with torchjax.serialization.safe_globals([(Point, f"{__name__}.Point")]):
        assert torchjax.load(path)["p"].x == 1


def test_blocked_modules_stay_blocked_even_when_allow_listed(tmp_path):
    marker = tmp_path / "pwned"
    data = _zip(pickle.dumps(Evil(marker), protocol=2))
    with torchjax.serialization.safe_globals([os.system, (os.system, "posix.system"), (os.system, "os.system")]):
        with pytest.raises(pickle.UnpicklingError, match="is blocked"):
            torchjax.load(io.BytesIO(data))
    assert not marker.exists()


def test_get_unsafe_globals_in_checkpoint_matches_torch(tmp_path):
    path = tmp_path / "u.pt"
    torchjax.save({"p": Point(1, 2), "e": Evil(tmp_path / "x"), "w": torchjax.ones(1),
                   "od": collections.OrderedDict(a=1)}, path)
    mine = sorted(torchjax.serialization.get_unsafe_globals_in_checkpoint(path))
    theirs = sorted(torch.serialization.get_unsafe_globals_in_checkpoint(path))
    assert mine == theirs and len(mine) == 2


def test_explicit_pickle_module_with_weights_only():
    buf = io.BytesIO()
    torchjax.save([1], buf)
    buf.seek(0)
    with pytest.raises(RuntimeError, match="Can not safely load weights when explicit pickle_module is specified"):
        torchjax.load(buf, pickle_module=pickle, weights_only=True)
    buf.seek(0)
    assert torchjax.load(buf, pickle_module=pickle) == [1]  # an explicit pickle module means weights_only=False


def test_numpy_arrays_need_allow_listing_like_in_torch():
    buf = io.BytesIO()
    torch.save({"a": np.arange(3)}, buf)
    te, je = _errors(buf.getvalue())
    assert isinstance(je, pickle.UnpicklingError) and str(je) == str(te)
    buf.seek(0)
    np.testing.assert_array_equal(torchjax.load(buf, weights_only=False)["a"], np.arange(3))


def test_torchscript_archive_is_refused():
    buf = io.BytesIO()
    torch.jit.save(torch.jit.script(torch.nn.Linear(2, 2)), buf)
    te, je = _errors(buf.getvalue())
    assert isinstance(te, RuntimeError) and isinstance(je, RuntimeError) and str(je) == str(te)
    with pytest.raises(NotImplementedError, match="TorchScript"):
        torchjax.load(io.BytesIO(buf.getvalue()), weights_only=False)


def test_nothing_imported_while_refusing(tmp_path):
    """A refused GLOBAL is never imported: a module that does not exist yet is not looked up at all."""
    code = ("import io, pickle, sys, zipfile, torchjax\n"
            "buf = io.BytesIO()\n"
            "with zipfile.ZipFile(buf, 'w') as z:\n"
            "    z.writestr('a/data.pkl', b'\\x80\\x02cantigravity\\nfly\\n)R.')\n"
            "try:\n"
            "    torchjax.load(io.BytesIO(buf.getvalue()))\n"
            "except pickle.UnpicklingError as e:\n"
            "    assert 'antigravity.fly was not an allowed global' in str(e)\n"
            "assert 'antigravity' not in sys.modules\n"
            "assert 'torch' not in sys.modules\n")
    r = subprocess.run([sys.executable, "-c", code], cwd=os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__)))), capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
