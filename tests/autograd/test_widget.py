"""step_through(...).widget(): the viewer driven from Python (the notebook extra)."""

import sys

import pytest

from autograd import Value, step_through
from autograd.steps import ForwardStep, Step


def neuron():
    x, w, b = Value(2.0, label="x"), Value(-3.0, label="w"), Value(6.88, label="b")
    return x, w, (x * w + b).tanh()


def test_missing_extra_says_what_to_install(monkeypatch):
    import autograd.see.widget as widget

    monkeypatch.setitem(sys.modules, "anywidget", None)
    monkeypatch.setattr(widget, "_CLASS", [])
    with pytest.raises(ImportError, match=r"pip install 'chaingrad\[notebook\]'"):
        step_through(neuron()[2]).widget()


def test_widget_steps_jumps_and_reads_the_step_back():
    pytest.importorskip("anywidget", reason="the notebook extra is not installed")
    x, w, L = neuron()
    viewer = step_through(L, mode="both")
    wdg = viewer.widget()
    assert wdg.step == 0 and wdg.current is None and wdg.html == viewer.html()
    wdg.next()
    assert isinstance(wdg.current, ForwardStep) and wdg.current.node is L.children[0].children[0]
    wdg.go(len(viewer.steps))
    assert isinstance(wdg.current, Step) and wdg.current is viewer.steps[-1]
    wdg.next()
    assert wdg.step == len(viewer.steps)  # stays at the last
    wdg.jump(w)  # backward: the step giving w its gradient
    assert wdg.current.child is w and wdg.current.local_grad == 2.0  # d(x·w)/dw = x
    wdg.jump("x")
    assert wdg.current.child is x
    with pytest.raises(ValueError, match="no node has that name"):
        wdg.jump("nope")
    with pytest.raises(Exception, match=r"step must be 0\.\.8"):
        wdg.step = 99
