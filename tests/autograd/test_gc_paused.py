"""gc_paused: pauses the cyclic collector in a block and restores exactly the prior state."""

import gc

import pytest

from autograd import Value, gc_paused


def test_pauses_and_restores_an_enabled_collector_even_on_error():
    assert gc.isenabled()
    with pytest.raises(ZeroDivisionError), gc_paused():
        assert not gc.isenabled()
        Value(1.0) / 0.0
    assert gc.isenabled()


def test_nested_blocks_and_a_collector_the_user_disabled_stay_as_they_were():
    with gc_paused():
        with gc_paused():
            pass
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with gc_paused():
            pass
        assert not gc.isenabled()  # not re-enabled behind the user's back
    finally:
        gc.enable()


def test_graphs_leave_no_cyclic_garbage_for_the_collector():
    gc.collect()
    with gc_paused():
        x = Value(1.0)
        y = (x * 2).tanh() + x
        y.backward()
        del x, y  # freed here by reference counting
    assert gc.collect() == 0  # nothing unreachable was left waiting for the collector


def test_overlapping_pauses_in_two_threads_end_with_the_last_one():
    # fit() in two threads: the first to finish must not switch the collector back on under
    # the other, and the last to finish restores what the first one found
    import threading

    entered, leave = threading.Event(), threading.Event()

    def other():
        with gc_paused():
            entered.set()
            leave.wait(10)

    assert gc.isenabled()
    t = threading.Thread(target=other)
    t.start()
    assert entered.wait(10)
    with gc_paused():
        leave.set()
        t.join(10)  # the other thread's block has ended
        assert not gc.isenabled()  # still paused for this one
    assert gc.isenabled()
