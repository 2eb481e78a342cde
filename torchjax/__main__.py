"""python -m torchjax script.py [args]: run an unmodified PyTorch script on torchjax."""
import os
import runpy
import sys


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] in ("-h", "--help"):
        print("usage: python -m torchjax script.py [args ...]\n       python -m torchjax -m module [args ...]\n\n"
              "Runs a PyTorch script with `torch`, `torch.*` and `torchvision` resolving to torchjax.")
        return 0 if argv else 2
    from torchjax._aliasing import install
    install()
    if argv[0] == "-m":
        sys.argv = argv[1:]
        runpy.run_module(argv[1], run_name="__main__", alter_sys=True)
        return 0
    script = argv[0]
    sys.argv = list(argv)
    sys.path[0] = os.path.dirname(os.path.abspath(script))
    runpy.run_path(script, run_name="__main__")
    return 0


if __name__ == "__main__":
    sys.exit(main())
