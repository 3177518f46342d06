"""Shared by every test: the Hypothesis profiles, the ``collector_paused`` fixture, the
objects loaded before the tests frozen out of the cyclic collector's passes, and the order.

Hypothesis profiles: ``ci`` (derandomized, no deadline) is loaded when ``CI`` is set,
``dev`` otherwise; ``CHAINGRAD_HYPOTHESIS_PROFILE=thorough`` runs many more examples."""

import gc
import os
import sys

import pytest
from hypothesis import HealthCheck, settings

from autograd import gc_paused

settings.register_profile(
    "ci", derandomize=True, deadline=None, max_examples=60, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("dev", deadline=None, max_examples=60)
settings.register_profile("thorough", deadline=None, max_examples=2000)
_default = "ci" if os.environ.get("CI") else "dev"
settings.load_profile(os.environ.get("CHAINGRAD_HYPOTHESIS_PROFILE") or _default)


@pytest.fixture
def collector_paused():
    """The cyclic garbage collector paused for the test, as ``nn.train.fit`` pauses it around
    each step: chaingrad's graphs hold no reference cycles, so the collector finds nothing in
    them, yet in a pytest process holding many objects its passes over the nodes a long loop
    builds were half of the loop's time. For tests that build big graphs; they assert the
    same numbers either way (reference counting frees the graphs)."""
    with gc_paused():
        yield


# The cyclic garbage collector's full passes walk every object the process holds: after
# collection that is every test module with Hypothesis, matplotlib, numpy, nbformat and
# Playwright, and after the first PyTorch test, torch. None of it is garbage, so it is moved
# out of the collector's sight (gc.freeze(): still alive, still reference-counted, never
# scanned again) once after collection and once after torch is first imported. The tests'
# own objects are collected as before. Measured with gc.callbacks over tests/autograd/test_ops.py,
# test_check_edges.py and tests/nn/test_nn_train.py: 3.1 s in the collector without, 2.5 s with
# (3.4 s and 2.1 s in a process that has imported torch), of ~31 s.
_frozen_after: set[str] = set()


def _freeze_what_is_loaded(reason: str) -> None:
    if reason not in _frozen_after:
        _frozen_after.add(reason)
        gc.collect()  # what is garbage now goes; only what is alive is frozen
        gc.freeze()


def pytest_collection_finish(session):
    _freeze_what_is_loaded("collection")


@pytest.hookimpl(trylast=True)  # after the test's fixtures are torn down (a monkeypatched sys.modules undone)
def pytest_runtest_teardown(item, nextitem):
    if "torch" in sys.modules:
        _freeze_what_is_loaded("torch")


# The tests that take seconds, slowest first. They are moved to the front, so their files come
# first too: `make test` runs `pytest -n auto --dist loadfile --no-loadscope-reorder`, which
# hands each pytest-xdist worker whole files in the order their first test comes, and a worker
# that starts on the notebooks (the slowest file) leaves the other worker the next slowest
# files, then both take the short ones as they finish. (Handed one test at a time instead,
# workers kept switching files and set each module's fixtures up again: a browser, a checked
# engine.) Matched as node id prefixes; the rest keep pytest's order. Only the order changes:
# every test runs, alone or in parallel.
SLOW_FIRST = (
    "tests/test_notebooks.py::test_notebook_runs_from_a_clean_kernel[03_",
    "tests/nn/test_nn_micrograd_demo.py::test_micrograd_demo_training_loop_learns",
    "tests/test_readme.py::test_readme_examples_run_in_order",
    "tests/autograd/test_tracing.py::test_a_deep_chain_traces_and_replays_without_recursion",
    "tests/nn/test_nn_demo.py::test_default_demo_reaches_97_percent",
    "tests/test_notebooks.py::test_notebook_runs_from_a_clean_kernel[04_",
    "tests/nn/test_nn_train_traced.py::test_the_readme_example_trains_bit_identically",
    "tests/test_notebooks.py::test_notebook_runs_from_a_clean_kernel[02_",
    "tests/test_notebooks.py::test_notebook_runs_from_a_clean_kernel[05_",
    "tests/nn/test_nn_train.py::test_seeded_training_on_moons_reaches_97_percent",
    "tests/autograd/test_copy_pickle.py::test_a_chain_1e5_deep_round_trips",
    "tests/test_notebooks.py::test_notebook_runs_from_a_clean_kernel[01_",
    "tests/nn/test_nn_micrograd_compat.py::test_micrograd_demo_loop_learns_on_our_classes",
    "tests/autograd/test_backward.py::test_a_chain_one_million_nodes_deep",
)


def pytest_collection_modifyitems(config, items):
    def rank(item):
        for i, prefix in enumerate(SLOW_FIRST):
            if item.nodeid.startswith(prefix):
                return i
        return len(SLOW_FIRST)

    items.sort(key=rank)  # stable: within a rank, pytest's order
