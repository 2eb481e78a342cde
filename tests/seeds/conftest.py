"""Registers one pytest marker per seed group (``pytest tests/seeds -m autograd``)."""

SEED_GROUPS = (
    "tensors", "autograd", "function", "numpy_bridge", "nn", "loss", "optim",
    "serialization", "data", "vision", "compile", "device_amp_jit_quant",
)


def pytest_configure(config):
    for group in SEED_GROUPS:
        config.addinivalue_line("markers", f"{group}: seed-corpus scripts of the {group} group")
