"""Acceptance corpus built from the seed tutorials (see README.md here).

Every script under ``scripts/<group>/`` is run twice, each time as a
subprocess in a fresh temporary working directory:

* with real PyTorch (the oracle): ``python script.py``
* with torchjax: ``python -m torchjax script.py``, with the repository root
  prepended to ``PYTHONPATH``

The two stdouts must be equal once memory addresses (``0x7f...``) are replaced
with ``0x?``; nothing else is normalized. torchjax must also exit with status
0. Real-torch outputs are cached in ``<repo>/.cache/seeds/``, keyed by a hash of
the script's content and the torch version, so reruns only pay for torchjax.

``vision`` scripts need torchvision, which cannot be installed next to the
oracle torch, so for them only ``python -m torchjax script.py`` exiting 0 is
checked.

Select a group with ``pytest tests/seeds -k autograd`` (ids are
``<group>/<script>``) or with the group's marker: ``pytest tests/seeds -m optim``.

Environment variables: SEEDS_TIMEOUT (seconds per subprocess, default 300),
SEEDS_NO_CACHE=1 (ignore and do not write the oracle cache).
"""

import difflib
import hashlib
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
SCRIPTS_DIR = HERE / "scripts"
REPO_ROOT = HERE.parent.parent
CACHE_DIR = REPO_ROOT / ".cache" / "seeds"

TIMEOUT = int(os.environ.get("SEEDS_TIMEOUT", "300"))
NO_CACHE = os.environ.get("SEEDS_NO_CACHE", "") not in ("", "0")

# Groups whose scripts cannot run under the oracle (they need torchvision).
TORCHJAX_ONLY_GROUPS = {"vision"}

# Bump when the way the oracle is run changes, to invalidate cached outputs.
_CACHE_SALT = "seeds-oracle-v1"

_ADDRESS = re.compile(r"0x[0-9a-fA-F]+")


def normalize(text):
    """Replace memory addresses; nothing else is touched."""
    return _ADDRESS.sub("0x?", text)


def _all_scripts():
    return sorted(SCRIPTS_DIR.glob("*/*.py"))


# Groups run whole in CI (the core's acceptance snippets); in the others every third script runs in CI and the
# rest only with --full.
CI_WHOLE_GROUPS = {"tensors", "autograd", "function", "numpy_bridge"}


# Scripts whose seed code prints full-precision float32 results that depend on summation order.
KNOWN_GAPS = {
    "loss/012_mse_training_example": "losses from epoch 2 differ from torch's in the last float32 digit (XLA's CPU "
                                     "dot adds in another order than MKL's sgemm)",
}


def _params():
    params = []
    index = {}
    for script in _all_scripts():
        group = script.parent.name
        marks = [getattr(pytest.mark, group)]
        i = index[group] = index.get(group, -1) + 1
        if group not in CI_WHOLE_GROUPS and i % 3:
            marks.append(pytest.mark.slow)
        if f"{group}/{script.stem}" in KNOWN_GAPS:
            marks.append(pytest.mark.xfail(reason=KNOWN_GAPS[f"{group}/{script.stem}"], strict=True))
        params.append(pytest.param(script, id=f"{group}/{script.stem}", marks=marks))
    return params


def _base_env():
    env = dict(os.environ)
    # Deterministic, CPU-only runs on both sides. The oracle is a CPU build;
    # OMP_NUM_THREADS=1 keeps its float reductions independent of the machine.
    env["PYTHONHASHSEED"] = "0"
    env["OMP_NUM_THREADS"] = "1"
    env["PYTHONIOENCODING"] = "utf-8"
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env.setdefault("JAX_PLATFORMS", "cpu")
    return env


def _split_pythonpath(env):
    entries = [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    root = str(REPO_ROOT)
    return [p for p in entries if os.path.abspath(p) != root]


def _oracle_env():
    env = _base_env()
    entries = _split_pythonpath(env)
    if entries:
        env["PYTHONPATH"] = os.pathsep.join(entries)
    else:
        env.pop("PYTHONPATH", None)
    return env


def _torchjax_env():
    env = _base_env()
    env["PYTHONPATH"] = os.pathsep.join([str(REPO_ROOT)] + _split_pythonpath(env))
    return env


def _run(argv, cwd, env):
    cwd.mkdir(parents=True, exist_ok=True)
    try:
        proc = subprocess.run(
            argv, cwd=str(cwd), env=env, stdin=subprocess.DEVNULL,
            capture_output=True, text=True, encoding="utf-8", errors="replace",
            timeout=TIMEOUT,
        )
    except subprocess.TimeoutExpired as exc:
        def _text(b):
            if b is None:
                return ""
            return b.decode("utf-8", "replace") if isinstance(b, bytes) else b
        pytest.fail(
            f"timed out after {TIMEOUT}s: {' '.join(argv)}\n"
            f"--- stdout (partial) ---\n{_text(exc.stdout)[-4000:]}\n"
            f"--- stderr (partial) ---\n{_text(exc.stderr)[-4000:]}",
            pytrace=False,
        )
    return proc


def _tail(text, limit=6000):
    return text if len(text) <= limit else "...\n" + text[-limit:]


@pytest.fixture(scope="session")
def torch_version(tmp_path_factory):
    """(version, None) of the real torch the oracle runs with, or (None, reason)."""
    cwd = tmp_path_factory.mktemp("seeds_torch_probe")
    try:
        proc = subprocess.run(
            [sys.executable, "-c", "import sys, torch; sys.stdout.write(torch.__version__)"],
            cwd=str(cwd), env=_oracle_env(), stdin=subprocess.DEVNULL,
            capture_output=True, text=True, timeout=TIMEOUT,
        )
    except subprocess.TimeoutExpired:
        return (None, "timed out importing torch")
    if proc.returncode != 0 or not proc.stdout.strip():
        lines = proc.stderr.strip().splitlines()
        return (None, lines[-1] if lines else f"exit status {proc.returncode}")
    return (proc.stdout.strip(), None)


def _cache_path(script_text, version):
    h = hashlib.sha256()
    for part in (_CACHE_SALT, version, script_text):
        h.update(part.encode("utf-8"))
        h.update(b"\0")
    return CACHE_DIR / f"{h.hexdigest()}.out"


def _oracle_stdout(script, version, tmp_path):
    script_text = script.read_text(encoding="utf-8")
    cache = _cache_path(script_text, version)
    if not NO_CACHE and cache.is_file():
        return cache.read_text(encoding="utf-8")
    proc = _run([sys.executable, str(script)], tmp_path / "torch", _oracle_env())
    if proc.returncode != 0:
        pytest.fail(
            f"real torch failed on {script.relative_to(HERE)} (exit {proc.returncode}); "
            f"the script itself is broken\n--- stderr ---\n{_tail(proc.stderr)}",
            pytrace=False,
        )
    if not NO_CACHE:
        CACHE_DIR.mkdir(parents=True, exist_ok=True)
        tmp = cache.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(proc.stdout, encoding="utf-8")
        os.replace(tmp, cache)
    return proc.stdout


@pytest.mark.parametrize("script", _params())
def test_seed(script, torch_version, tmp_path):
    group = script.parent.name
    rel = script.relative_to(HERE)

    if group in TORCHJAX_ONLY_GROUPS:
        proc = _run([sys.executable, "-m", "torchjax", str(script)],
                    tmp_path / "torchjax", _torchjax_env())
        if proc.returncode != 0:
            pytest.fail(
                f"python -m torchjax {rel} exited {proc.returncode}\n"
                f"--- stdout ---\n{_tail(proc.stdout)}\n--- stderr ---\n{_tail(proc.stderr)}",
                pytrace=False,
            )
        return

    version, why = torch_version
    if version is None:
        pytest.skip(f"real torch (the oracle) is not importable: {why}")

    expected = normalize(_oracle_stdout(script, version, tmp_path))
    proc = _run([sys.executable, "-m", "torchjax", str(script)],
                tmp_path / "torchjax", _torchjax_env())
    actual = normalize(proc.stdout)

    problems = []
    if proc.returncode != 0:
        problems.append(f"python -m torchjax {rel} exited {proc.returncode}")
    if actual != expected:
        diff = "".join(difflib.unified_diff(
            expected.splitlines(keepends=True), actual.splitlines(keepends=True),
            fromfile=f"torch {version}: python {rel}",
            tofile=f"torchjax: python -m torchjax {rel}",
        ))
        if not diff.endswith("\n"):
            diff += "\n"
        problems.append("stdout differs from real torch:\n" + diff)
    if problems:
        pytest.fail(
            "\n".join(problems) + f"\n--- torchjax stderr ---\n{_tail(proc.stderr)}",
            pytrace=False,
        )
