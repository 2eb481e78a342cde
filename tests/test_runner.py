"""python -m torchjax runs an unmodified PyTorch script: imports alias, argv and __main__ as Python sets them."""
import os
import subprocess
import sys
import textwrap

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run(script, *args, tmp_path):
    path = tmp_path / "script.py"
    path.write_text(textwrap.dedent(script))
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return subprocess.run([sys.executable, "-m", "torchjax", str(path), *args], capture_output=True, text=True,
                          env=env, cwd=tmp_path, timeout=300)


def test_aliases_argv_and_main(tmp_path):
    r = run("""
        import sys
        import torch
        from torch import autograd
        import torch.autograd as ag
        print(torch.__name__, ag.__name__, autograd is ag)
        print(sys.argv[1:], __name__)
        print(torch.tensor([1.0, 2.0]) * 2)
        """, "--flag", "x", tmp_path=tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == ["torchjax torchjax.autograd True", "['--flag', 'x'] __main__",
                                     "tensor([2., 4.])"]


def test_script_errors_propagate(tmp_path):
    r = run("import torch\nraise SystemExit(3)\n", tmp_path=tmp_path)
    assert r.returncode == 3


def test_script_dir_on_path(tmp_path):
    (tmp_path / "helper_mod.py").write_text("VALUE = 41\n")
    r = run("import helper_mod\nprint(helper_mod.VALUE + 1)\n", tmp_path=tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "42"
