"""python -m torchjax.distributed.run: torchrun for torchjax.

    python -m torchjax.distributed.run --nproc_per_node=2 train.py --epochs 3
    python -m torchjax.distributed.run --nnodes=2 --node_rank=0 --master_addr=10.0.0.1 --master_port=29500 \\
        --nproc_per_node=1 train.py

Starts `nproc_per_node` worker processes with torchrun's environment (RANK, LOCAL_RANK, WORLD_SIZE,
LOCAL_WORLD_SIZE, GROUP_RANK, ROLE_RANK, ROLE_WORLD_SIZE, MASTER_ADDR, MASTER_PORT, TORCHELASTIC_*), in which
`import torch` resolves to torchjax (as with `python -m torchjax`). Before a worker starts JAX it joins
jax.distributed (coordinator MASTER_ADDR:MASTER_PORT), so `init_process_group` runs the default group's collectives
as XLA computations across processes (gloo on CPUs, NCCL on GPUs); with `--collectives=store` (the default when
several processes would share one node's GPUs) collectives go through a TCP store instead. If a worker fails, the
others are stopped and the launcher exits with the worker's status. Elastic restarts are not supported
(--max-restarts other than 0 raises NotImplementedError).
"""
import argparse
import os
import signal
import socket
import subprocess
import sys
import time
import uuid


def _parser():
    p = argparse.ArgumentParser(prog="python -m torchjax.distributed.run",
                                description="torchjax distributed launcher (torchrun's interface)")
    p.add_argument("--nnodes", type=str, default="1")
    p.add_argument("--nproc-per-node", "--nproc_per_node", dest="nproc_per_node", type=str, default="1")
    p.add_argument("--rdzv-backend", "--rdzv_backend", dest="rdzv_backend", type=str, default="static")
    p.add_argument("--rdzv-endpoint", "--rdzv_endpoint", dest="rdzv_endpoint", type=str, default="")
    p.add_argument("--rdzv-id", "--rdzv_id", dest="rdzv_id", type=str, default="none")
    p.add_argument("--rdzv-conf", "--rdzv_conf", dest="rdzv_conf", type=str, default="")
    p.add_argument("--standalone", action="store_true")
    p.add_argument("--max-restarts", "--max_restarts", dest="max_restarts", type=int, default=0)
    p.add_argument("--monitor-interval", "--monitor_interval", dest="monitor_interval", type=float, default=0.1)
    p.add_argument("--start-method", "--start_method", dest="start_method", type=str, default="spawn")
    p.add_argument("--role", type=str, default="default")
    p.add_argument("-m", "--module", action="store_true")
    p.add_argument("--no-python", "--no_python", dest="no_python", action="store_true")
    p.add_argument("--run-path", "--run_path", dest="run_path", action="store_true")
    p.add_argument("--log-dir", "--log_dir", dest="log_dir", type=str, default=None)
    p.add_argument("-r", "--redirects", type=str, default="0")
    p.add_argument("-t", "--tee", type=str, default="0")
    p.add_argument("--local-ranks-filter", "--local_ranks_filter", dest="local_ranks_filter", type=str, default="")
    p.add_argument("--node-rank", "--node_rank", dest="node_rank", type=int, default=0)
    p.add_argument("--master-addr", "--master_addr", dest="master_addr", type=str, default="127.0.0.1")
    p.add_argument("--master-port", "--master_port", dest="master_port", type=int, default=29500)
    p.add_argument("--local-addr", "--local_addr", dest="local_addr", type=str, default=None)
    p.add_argument("--collectives", choices=("auto", "jax", "store"), default="auto",
                   help="torchjax: XLA collectives over jax.distributed, or host collectives through a TCP store")
    p.add_argument("training_script", type=str)
    p.add_argument("training_script_args", nargs=argparse.REMAINDER)
    return p


def _free_port():
    with socket.socket() as s:
        s.bind(("", 0))
        return s.getsockname()[1]


def _nproc(value):
    if value in ("auto", "gpu"):
        n = _gpu_count()
        return n if n > 0 else (os.cpu_count() or 1) if value == "auto" else 1
    if value == "cpu":
        return os.cpu_count() or 1
    return int(value)


def _gpu_count():
    """GPUs JAX would see, without starting JAX in the launcher (the workers own the devices)."""
    if os.environ.get("JAX_PLATFORMS", "").strip().lower() == "cpu":
        return 0
    cvd = os.environ.get("CUDA_VISIBLE_DEVICES")
    if cvd is not None:
        return len([d for d in cvd.split(",") if d.strip() not in ("", "-1")])
    try:
        out = subprocess.run(["nvidia-smi", "-L"], capture_output=True, text=True, timeout=10)
        return len([line for line in out.stdout.splitlines() if line.startswith("GPU ")])
    except (OSError, subprocess.SubprocessError):
        return 0


def _collectives(choice, nproc):
    if choice != "auto":
        return choice
    # JAX gives each process its own devices: several processes on one node's GPUs use the store instead
    return "store" if nproc > 1 and _gpu_count() > 0 else "jax"


def config_from_args(args):
    if args.max_restarts:
        raise NotImplementedError("torchjax.distributed.run: elastic restarts (--max-restarts) are not supported")
    nnodes = args.nnodes.split(":")
    if len(nnodes) == 2 and nnodes[0] != nnodes[1]:
        raise NotImplementedError("torchjax.distributed.run: elastic node counts (--nnodes=MIN:MAX) are not "
                                  "supported")
    nnodes = int(nnodes[0])
    nproc = _nproc(args.nproc_per_node)
    addr, port = args.master_addr, args.master_port
    if args.standalone:
        if nnodes != 1:
            raise ValueError("--standalone is only for a single node (--nnodes=1)")
        addr, port = "localhost", _free_port()
    elif args.rdzv_endpoint:
        host, _, p = args.rdzv_endpoint.rpartition(":")
        addr, port = (host or args.rdzv_endpoint), int(p) if p else port
    return nnodes, nproc, addr, port


def _worker_env(args, nnodes, nproc, addr, port, local_rank, run_id, collectives):
    env = dict(os.environ)
    world = nnodes * nproc
    rank = args.node_rank * nproc + local_rank
    env.update({
        "LOCAL_RANK": str(local_rank), "RANK": str(rank), "GROUP_RANK": str(args.node_rank),
        "ROLE_RANK": str(rank), "ROLE_NAME": args.role, "LOCAL_WORLD_SIZE": str(nproc), "WORLD_SIZE": str(world),
        "GROUP_WORLD_SIZE": str(nnodes), "ROLE_WORLD_SIZE": str(world), "MASTER_ADDR": addr,
        "MASTER_PORT": str(port), "TORCHELASTIC_RESTART_COUNT": "0", "TORCHELASTIC_MAX_RESTARTS": "0",
        "TORCHELASTIC_RUN_ID": run_id, "TORCHELASTIC_USE_AGENT_STORE": "False",
        "TORCH_NCCL_ASYNC_ERROR_HANDLING": "1", "TORCHJAX_COLLECTIVES": collectives,
    })
    if "OMP_NUM_THREADS" not in os.environ and nproc > 1:
        env["OMP_NUM_THREADS"] = "1"
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


def _worker_cmd(args):
    if args.no_python:
        if args.module:
            raise ValueError("Don't use both the '--no-python' flag and the '--module' flag at the same time.")
        return [args.training_script] + args.training_script_args
    # run the worker file as a script: importing the torchjax package would start JAX before jax.distributed joins
    cmd = [sys.executable, "-u", os.path.join(os.path.dirname(os.path.abspath(__file__)), "_worker.py")]
    if args.module:
        cmd.append("-m")
    return cmd + [args.training_script] + args.training_script_args


def _stop(procs):
    for p in procs:
        if p.poll() is None:
            try:
                p.send_signal(signal.SIGTERM)
            except OSError:
                pass
    deadline = time.monotonic() + 30
    for p in procs:
        try:
            p.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def run(args):
    nnodes, nproc, addr, port = config_from_args(args)
    if "OMP_NUM_THREADS" not in os.environ and nproc > 1:
        print("*****************************************\nSetting OMP_NUM_THREADS environment variable for each "
              "process to be 1 in default, to avoid your system being overloaded, please further tune the variable "
              "for optimal performance in your application as needed. \n*****************************************",
              file=sys.stderr)
    run_id = args.rdzv_id if args.rdzv_id != "none" else uuid.uuid4().hex
    collectives = _collectives(args.collectives, nproc)
    cmd = _worker_cmd(args)
    procs = []
    try:
        for local_rank in range(nproc):
            env = _worker_env(args, nnodes, nproc, addr, port, local_rank, run_id, collectives)
            procs.append(subprocess.Popen(cmd, env=env))
        failed = None
        while failed is None:
            codes = [p.poll() for p in procs]
            bad = [(i, c) for i, c in enumerate(codes) if c not in (None, 0)]
            if bad:
                failed = bad[0]
                break
            if all(c == 0 for c in codes):
                return 0
            time.sleep(args.monitor_interval)
    except KeyboardInterrupt:
        _stop(procs)
        raise
    _stop(procs)
    local_rank, code = failed
    print(f"torchjax.distributed.run: worker (local_rank: {local_rank}, rank: {args.node_rank * nproc + local_rank}) "
          f"failed with exit code {code}; the other workers were stopped", file=sys.stderr)
    return code if code > 0 else 1


def main(argv=None):
    args = _parser().parse_args(argv)
    sys.exit(run(args))


if __name__ == "__main__":
    main()
