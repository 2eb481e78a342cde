"""python -m compat_suite SUBCOMMAND [options]: runs compat_suite.SUBCOMMAND.main(argv).

Subcommands: ops (PyTorch's OpInfo database), modules (ModuleInfo database, provided by the nn work)."""
import importlib
import sys


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__)
        return 0 if argv else 2
    name, rest = argv[0], argv[1:]
    if not name.isidentifier() or name.startswith("_"):
        print(f"compat_suite: unknown subcommand {name!r}", file=sys.stderr)
        return 2
    try:
        mod = importlib.import_module(f"compat_suite.{name}")
    except ModuleNotFoundError as exc:
        if exc.name == f"compat_suite.{name}":
            print(f"compat_suite: unknown subcommand {name!r}", file=sys.stderr)
            return 2
        raise
    return mod.main(rest) or 0


if __name__ == "__main__":
    sys.exit(main())
