"""torch.distributed and DistributedDataParallel.

Multi-process tests start 2 processes on localhost (kept small: this machine has 2 shared cores):
- through `python -m torchjax.distributed.run` with XLA collectives (jax.distributed, gloo on CPUs) and with store
  collectives, DDP training equals one process on the full batch (atol 1e-5);
- every collective on both transports (values from the collectives' definitions);
- the launcher's environment and failure propagation.
One-process behaviour (errors before init, file:// rendezvous, collectives of a group of one, stores) is compared
with real torch in this process."""
import os
import socket
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from tests._compare import torch, torchjax

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def _port():
    with socket.socket() as s:
        s.bind(("", 0))
        return s.getsockname()[1]


def _env(**extra):
    env = dict(os.environ)
    env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
    env.setdefault("JAX_PLATFORMS", "cpu")
    env.pop("XLA_FLAGS", None)
    env.update(extra)
    return env


def _launch(script, *args, nproc=2, extra=(), timeout=420, check=True):
    cmd = [sys.executable, "-m", "torchjax.distributed.run", f"--nproc_per_node={nproc}",
           f"--master_port={_port()}", *extra, script, *args]
    r = subprocess.run(cmd, capture_output=True, text=True, env=_env(), timeout=timeout, cwd=ROOT)
    if check:
        assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-6000:]
    return r


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    out = tmp_path_factory.mktemp("ref") / "ref.npz"
    r = subprocess.run([sys.executable, "-m", "torchjax", os.path.join(HERE, "_ddp_train.py"), str(out)],
                       capture_output=True, text=True, env=_env(), timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    return np.load(out)


@pytest.mark.parametrize("collectives", ["jax", "store"])
def test_ddp_two_processes_match_one_process(collectives, reference, tmp_path):
    out = tmp_path / "ddp.npz"
    r = _launch(os.path.join(HERE, "_ddp_train.py"), str(out), extra=[f"--collectives={collectives}"])
    assert sorted(r.stdout.split("\n")[:-1]) == ["rank 0 ok", "rank 1 ok"]
    got = np.load(out)
    assert len(got.files) == len(reference.files) == 4
    for k in reference.files:
        np.testing.assert_allclose(got[k], reference[k], rtol=0, atol=1e-5)


def test_ddp_matches_torch_single_process(reference):
    """The one-process reference itself equals real torch's training (same seed, same data)."""
    script = os.path.join(HERE, "_ddp_train.py")
    import tempfile
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "torch.npz")
        env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
        r = subprocess.run([sys.executable, script, out], capture_output=True, text=True, env=env, timeout=300)
        assert r.returncode == 0, r.stderr[-3000:]
        expected = np.load(out)
        for k in expected.files:
            np.testing.assert_allclose(reference[k], expected[k], rtol=1e-5, atol=1e-5)


def test_collectives_xla_transport():
    r = _launch(os.path.join(HERE, "_collectives.py"))
    assert sorted(r.stdout.split("\n")[:-1]) == ["rank 0 ok jax", "rank 1 ok jax"]


def test_collectives_store_transport_env_rendezvous():
    port = str(_port())
    procs = [subprocess.Popen([sys.executable, "-m", "torchjax", os.path.join(HERE, "_collectives.py"), "manual"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              env=_env(RANK=str(r), WORLD_SIZE="2", MASTER_ADDR="127.0.0.1", MASTER_PORT=port))
             for r in range(2)]
    outs = [p.communicate(timeout=420) for p in procs]
    for p, (o, e) in zip(procs, outs):
        assert p.returncode == 0, e[-4000:]
    assert [o.strip() for o, _ in outs] == ["rank 0 ok store", "rank 1 ok store"]


_ENV_SCRIPT = textwrap.dedent("""
    import os, sys
    import torch
    keys = ["RANK", "LOCAL_RANK", "WORLD_SIZE", "LOCAL_WORLD_SIZE", "GROUP_RANK", "ROLE_RANK", "ROLE_WORLD_SIZE",
            "MASTER_ADDR"]
    print(torch.__name__, sys.argv[1:], " ".join(f"{k}={os.environ[k]}" for k in keys),
          bool(os.environ["MASTER_PORT"]), bool(os.environ["TORCHELASTIC_RUN_ID"]),
          torch.distributed.is_torchelastic_launched(), flush=True)
    if os.environ["RANK"] == "1" and "fail" in sys.argv:
        sys.exit(3)
""")


def test_launcher_environment_and_arguments(tmp_path):
    script = tmp_path / "env.py"
    script.write_text(_ENV_SCRIPT)
    r = _launch(str(script), "--lr", "0.1", extra=["--collectives=store", "--master_addr=127.0.0.1"])
    lines = sorted(r.stdout.strip().splitlines())
    assert lines == [
        "torchjax ['--lr', '0.1'] RANK=0 LOCAL_RANK=0 WORLD_SIZE=2 LOCAL_WORLD_SIZE=2 GROUP_RANK=0 ROLE_RANK=0 "
        "ROLE_WORLD_SIZE=2 MASTER_ADDR=127.0.0.1 True True True",
        "torchjax ['--lr', '0.1'] RANK=1 LOCAL_RANK=1 WORLD_SIZE=2 LOCAL_WORLD_SIZE=2 GROUP_RANK=0 ROLE_RANK=1 "
        "ROLE_WORLD_SIZE=2 MASTER_ADDR=127.0.0.1 True True True"]
    r = _launch(str(script), extra=["--standalone", "--nnodes=1"], nproc=1)
    assert "RANK=0" in r.stdout and "MASTER_ADDR=localhost" in r.stdout
    r = _launch(str(script), extra=["--nnodes=2", "--node_rank=1", "--collectives=store"], nproc=1)
    assert "RANK=1 LOCAL_RANK=0 WORLD_SIZE=2 LOCAL_WORLD_SIZE=1 GROUP_RANK=1" in r.stdout


def test_launcher_stops_workers_and_returns_the_failure(tmp_path):
    script = tmp_path / "env.py"
    script.write_text(_ENV_SCRIPT)
    r = _launch(str(script), "fail", extra=["--collectives=store"], check=False)
    assert r.returncode == 3
    assert "failed with exit code 3" in r.stderr


# ---- one process, compared with real torch ------------------------------------------------------------------------
def _outcome(f):
    try:
        v = f()
    except Exception as e:  # noqa: BLE001
        return ("raise", type(e).__name__, str(e))
    if hasattr(v, "tolist"):
        return ("value", v.tolist())
    if v is None or isinstance(v, (bool, int, str, list, tuple, dict)):
        return ("value", v)
    return ("value", type(v).__name__)


def _session(xp, path):
    d = xp.distributed
    calls = [
        lambda: d.is_available(), lambda: d.is_initialized(), lambda: d.get_rank(), lambda: d.get_world_size(),
        lambda: d.get_backend(), lambda: d.barrier(), lambda: d.all_reduce(xp.ones(2)),
        lambda: d.destroy_process_group(), lambda: str(d.ReduceOp.SUM), lambda: repr(d.ReduceOp.MAX),
        lambda: d.Backend("GLOO"), lambda: d.Backend.NCCL, lambda: d.group.WORLD, lambda: d.is_gloo_available(),
        lambda: d.is_nccl_available(), lambda: d.is_mpi_available(),
        lambda: d.init_process_group("bogus", init_method="file://" + path + "x", rank=0, world_size=1),
        lambda: d.init_process_group("nccl", init_method="file://" + path + "y", rank=0, world_size=1),
        lambda: d.init_process_group("gloo", init_method="file://" + path, rank=0, world_size=1),
        lambda: d.init_process_group("gloo", init_method="file://" + path, rank=0, world_size=1),
        lambda: d.is_initialized(), lambda: d.get_rank(), lambda: d.get_world_size(), lambda: d.get_backend(),
        lambda: d.get_process_group_ranks(d.group.WORLD), lambda: d.get_world_size(d.new_group([0])),
        lambda: d.get_backend(d.new_group([0])),
    ]
    t = xp.tensor([1.0, 2.0])
    calls += [
        lambda: (d.all_reduce(t), t)[1], lambda: (d.all_reduce(t, op=d.ReduceOp.AVG), t)[1],
        lambda: d.all_reduce(xp.ones(2, dtype=xp.int64), op=d.ReduceOp.AVG),
        lambda: d.all_reduce(xp.ones(2), op=d.ReduceOp.BAND),
        lambda: d.all_reduce(xp.ones(2), async_op=True).wait(),
        lambda: (d.broadcast(t, src=0), t)[1], lambda: d.broadcast(t, src=1),
        lambda: _gather(xp, d), lambda: d.all_gather([xp.zeros(2), xp.zeros(2)], xp.ones(2)),
        lambda: _into(xp, d), lambda: _rs(xp, d), lambda: _objs(d), lambda: _bcast_objs(d),
        lambda: d.barrier(), lambda: d.destroy_process_group(), lambda: d.is_initialized(), lambda: d.get_rank(),
        lambda: d.destroy_process_group(),
    ]
    return [_outcome(c) for c in calls]


def _gather(xp, d):
    out = [xp.zeros(2)]
    d.all_gather(out, xp.tensor([3.0, 4.0]))
    return out[0]


def _into(xp, d):
    out = xp.zeros(1, 2)
    d.all_gather_into_tensor(out, xp.tensor([5.0, 6.0]))
    return out


def _rs(xp, d):
    out = xp.zeros(2)
    d.reduce_scatter(out, [xp.tensor([7.0, 8.0])])
    return out


def _objs(d):
    out = [None]
    d.all_gather_object(out, {"a": 1})
    return out


def _bcast_objs(d):
    lst = [1, "b"]
    d.broadcast_object_list(lst, src=0)
    return lst


def test_single_process_group_matches_torch(tmp_path):
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = _session(torch, str(tmp_path / "torch_rdv"))
        actual = _session(torchjax, str(tmp_path / "jax_rdv"))
    for i, (e, a) in enumerate(zip(expected, actual)):
        assert a == e, f"call {i}: {a} != {e}"


def test_ddp_single_process_matches_torch(tmp_path):
    res = {}
    for xp in (torch, torchjax):
        d = xp.distributed
        d.init_process_group("gloo", init_method="file://" + str(tmp_path / xp.__name__), rank=0, world_size=1)
        try:
            xp.manual_seed(0)
            m = xp.nn.parallel.DistributedDataParallel(xp.nn.Sequential(xp.nn.Linear(4, 3), xp.nn.ReLU()))
            out = m(xp.ones(2, 4))
            out.sum().backward()
            res[xp.__name__] = (repr(m), list(m.state_dict()), out.tolist(), m.module[0].weight.grad.tolist(),
                                m.device_ids, m.output_device, m.dim, m.broadcast_buffers)
            with pytest.raises(RuntimeError, match="doesn't have any parameter that requires a gradient"):
                xp.nn.parallel.DistributedDataParallel(xp.nn.ReLU())
            with pytest.raises(ValueError, match="device_ids and output_device arguments only work"):
                xp.nn.parallel.DistributedDataParallel(xp.nn.Linear(2, 2), device_ids=[0])
        finally:
            d.destroy_process_group()
    assert res["torchjax"] == res["torch"]
    for xp in (torch, torchjax):
        with pytest.raises(ValueError, match="Default process group has not been initialized"):
            xp.nn.parallel.DistributedDataParallel(xp.nn.Linear(2, 2))


@pytest.mark.parametrize("make", ["hash", "file", "tcp"])
def test_stores_match_torch(make, tmp_path):
    def run(xp):
        d = xp.distributed
        if make == "hash":
            s = d.HashStore()
        elif make == "file":
            s = d.FileStore(str(tmp_path / f"store_{xp.__name__}"), 1)
        else:
            s = d.TCPStore("127.0.0.1", _port(), 1, True)
        s.set("a", "1")
        s.set("b", b"xy")
        out = [s.get("a"), s.get("b"), s.add("c", 5), s.add("c", -2), s.get("c"), s.check(["a", "c"]),
               s.check(["zz"]), s.compare_set("a", "1", "2"), s.get("a"), s.compare_set("a", "9", "3"),
               s.delete_key("b"), s.check(["b"])]
        s.wait(["a"])
        return out
    assert run(torchjax) == run(torch)


def test_launcher_runs_a_module(tmp_path):
    """`-m module` as torchrun's, with `torch` aliased to torchjax."""
    (tmp_path / "hello_dist.py").write_text("import os, sys, torch\n"
                                            "print(torch.__name__, os.environ['RANK'], sys.argv[1:])\n")
    cmd = [sys.executable, "-m", "torchjax.distributed.run", "--nproc-per-node", "1", f"--master_port={_port()}",
           "-m", "hello_dist", "--x", "1"]
    env = _env()
    env["PYTHONPATH"] = str(tmp_path) + os.pathsep + env["PYTHONPATH"]
    r = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300, cwd=str(tmp_path))
    assert r.returncode == 0, r.stderr[-3000:]
    assert r.stdout.strip() == "torchjax 0 ['--x', '1']"
