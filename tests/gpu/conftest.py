"""Tests marked `gpu` need a CUDA GPU visible to JAX; they are skipped elsewhere."""
import functools

import pytest


@functools.lru_cache(None)
def _has_gpu():
    try:
        import jax
        return len(jax.devices("gpu")) > 0
    except RuntimeError:
        return False


def pytest_runtest_setup(item):
    if item.get_closest_marker("gpu") is not None and not _has_gpu():
        pytest.skip("needs a GPU visible to JAX")
