"""A worker of `python -m torchjax.distributed.run`: joins jax.distributed before anything starts JAX (when the job
uses XLA collectives), then runs the script with `torch` aliased to torchjax.

The launcher runs this file as a script (not as torchjax.distributed._worker), so that nothing imports torchjax,
which starts JAX, before jax.distributed.initialize."""
import os
import runpy
import sys


def _join_jax():
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world <= 1 or os.environ.get("TORCHJAX_COLLECTIVES", "jax") != "jax":
        return
    import jax
    jax.config.update("jax_cpu_collectives_implementation", "gloo")
    jax.distributed.initialize(coordinator_address=f"{os.environ['MASTER_ADDR']}:{os.environ['MASTER_PORT']}",
                               num_processes=world, process_id=int(os.environ["RANK"]))


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if sys.path and os.path.abspath(sys.path[0]) == os.path.dirname(os.path.abspath(__file__)):
        sys.path.pop(0)  # this file's folder is not the script's
    _join_jax()
    from torchjax._aliasing import install
    install()
    if argv and argv[0] == "-m":
        sys.argv = argv[1:]
        runpy.run_module(argv[1], run_name="__main__", alter_sys=True)
        return 0
    script = argv[0]
    sys.argv = list(argv)
    sys.path.insert(0, os.path.dirname(os.path.abspath(script)))
    runpy.run_path(script, run_name="__main__")
    return 0


if __name__ == "__main__":
    sys.exit(main())
