"""A replay racing with backward() (or with another replay of the same trace) on the same
parameters adds every gradient exactly once: no update is lost, no number is wrong.

Two things make this hold: one replay at a time per Traced (the numpy lowering computes in
buffers it allocated once; without the lock two replays corrupt each other's numbers, which
the race test below catches most runs), and the write-back into ``p.grad`` holding the
engine's lock, as backward() does (on CPython with the GIL a slot's ``+=`` does not switch
threads half-way, so that race shows only on a free-threaded build; the lock test checks
the lock is held instead).
"""

import sys
import threading

import pytest

from autograd import Value, trace

BACKENDS = ["python", "numpy"]
N_PARAMS = 500
CALLS = 60


def _together(fns):
    """Run each fn in its own thread, started at the same moment; re-raise the first error."""
    barrier = threading.Barrier(len(fns))
    errors = []

    def body(fn):
        try:
            barrier.wait()
            fn()
        except BaseException as e:
            errors.append(e)

    threads = [threading.Thread(target=body, args=(fn,)) for fn in fns]
    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible: a race shows quickly
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(old)
    if errors:
        raise errors[0]


@pytest.mark.parametrize("backend", BACKENDS)
def test_replays_and_backward_on_shared_parameters_lose_no_update(backend):
    if backend == "numpy":
        pytest.importorskip("numpy")
    ws = [Value(0.5) for _ in range(N_PARAMS)]
    traced = trace(lambda x: sum((w * x for w in ws), Value(0.0)), 1.0, backend=backend)
    out = sum((w * 2.0 for w in ws), Value(0.0))  # backward() adds 2.0 to every w.grad

    def replay():
        for _ in range(CALLS):
            assert traced(1.0) == 0.5 * N_PARAMS  # adds 1.0 to every w.grad

    def dynamic():
        for _ in range(CALLS):
            out.backward()

    _together([replay, replay, dynamic, dynamic])
    want = CALLS * (2 * 1.0 + 2 * 2.0)  # small integers: exact in any order
    lost = [k for k, w in enumerate(ws) if w.grad != want]
    assert not lost, f"{len(lost)} parameters lost an update, e.g. w{lost[0]}.grad = {ws[lost[0]].grad}"


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_gradient_write_back_waits_for_a_backward_in_progress(backend):
    if backend == "numpy":
        pytest.importorskip("numpy")
    from autograd.value import LOCK  # what backward() holds while it adds gradients

    w = Value(0.5)
    traced = trace(lambda x: w * x, 1.0, backend=backend)
    with LOCK:  # a backward() is running
        t = threading.Thread(target=traced, args=(3.0,))
        t.start()
        t.join(timeout=1.0)
        assert t.is_alive() and w.grad == 0.0  # the replay waits to write its gradient
    t.join()
    assert w.grad == 3.0
