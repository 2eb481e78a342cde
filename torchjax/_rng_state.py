"""get_rng_state/set_rng_state/fork_rng over the default CPU generator, in torch's byte format."""
import contextlib

from . import _random


def get_rng_state():
    return _random.default_generator.get_state()


def set_rng_state(new_state):
    _random.default_generator.set_state(new_state)


@contextlib.contextmanager
def fork_rng(devices=None, enabled=True, _caller="fork_rng", _devices_kw="devices", device_type="cuda"):
    if not enabled:
        yield
        return
    state = get_rng_state()
    try:
        yield
    finally:
        set_rng_state(state)
