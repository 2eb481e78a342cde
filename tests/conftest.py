"""Tests marked `slow` (exhaustive conformance sweeps) run only with `--full`; CI runs the rest, which includes a
representative slice of every sweep."""
import pytest


def pytest_addoption(parser):
    parser.addoption("--full", action="store_true", help="also run the tests marked slow (the whole seed corpus, "
                                                         "exhaustive sweeps)")


def pytest_collection_modifyitems(config, items):
    if config.getoption("--full"):
        return
    skip = pytest.mark.skip(reason="slow: run with --full")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)
