"""Run a snippet in a fresh interpreter, with CPU devices standing in for GPUs (or on the real GPUs)."""
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def run(code, n_devices=4, simulated=True, timeout=300, extra_env=None):
    env = dict(os.environ)
    env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
    if simulated:
        env["TORCHJAX_CUDA_ON_CPU"] = "1"
        env["JAX_PLATFORMS"] = "cpu"
        env["XLA_FLAGS"] = f"--xla_force_host_platform_device_count={n_devices}"
    else:
        env.pop("TORCHJAX_CUDA_ON_CPU", None)
        env.pop("JAX_PLATFORMS", None)
    env.update(extra_env or {})
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=timeout)
    assert r.returncode == 0, f"stdout:\n{r.stdout[-3000:]}\nstderr:\n{r.stderr[-5000:]}"
    return r.stdout
