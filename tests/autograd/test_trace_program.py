"""The trace's program: printable, and each pass (record, fuse, schedule, lower) testable alone."""

import random

import pytest

from autograd import Value, trace
from autograd.tracing.ir import PARTIAL_SUM
from autograd.tracing.lower_numpy import lower_numpy
from autograd.tracing.lower_python import lower_python
from autograd.tracing.passes import fuse, schedule
from autograd.tracing.record import record

NEURON = """\
# trace of neuron, backend 'python'
{ lambda x0 x1 ; b w0 w1 .
  let
    v0 = w0 · x0
    v1 = w1 · x1
    v2 = b + v0 + v1
    v3 = tanh(v2)
  backward
    gv3 = gradient
    gv2 = gv3 · (1 − tanh(v2)²)
    gv1 = gv2
    gv0 = gv2
    gb = gv2
    gw0 = gv0 · x0
    gw1 = gv1 · x1
  guards: none
  in v3 }"""


def test_print_shows_a_two_input_neuron_forward_backward_and_guards():
    w0, w1, b = Value(-3.0, label="w0"), Value(1.0, label="w1"), Value(6.88, label="b")

    def neuron(x0, x1):
        return sum((w * x for w, x in zip((w0, w1), (x0, x1))), b).tanh()

    t = trace(neuron, 2.0, 0.0, backend="python")
    assert str(t) == NEURON
    assert str(t.program) == NEURON.split("\n", 1)[1]


def test_record_lists_backward_terms_in_backwards_order():
    x = Value(3.0, label="x")
    p = record(lambda: x * x + x, ()).program
    # v0 = x·x, v1 = v0 + x: backward adds x's terms from v1 first, then both of v0's edges
    assert [ge.terms for ge in p.grads if p.vars[ge.var].name == "x"] == [((1, 1), (0, 0), (0, 1))]


def test_fuse_folds_single_use_sums_and_keeps_shared_ones():
    a, b, c = (Value(float(i), label=n) for i, n in enumerate("abc", 1))

    def f():
        s = a + b  # used twice: stays an instruction
        return (s + c + a) * s

    p = fuse(record(f, ()).program)
    assert [e.op for e in p.eqns] == ["+", "sum", "*"]
    assert len(p.eqns[1].ins) == 3


def test_schedule_puts_independent_instructions_on_one_level():
    a, b = Value(1.0), Value(2.0)
    p = schedule(fuse(record(lambda: (a * b).tanh() + (a * a).sin(), ()).program))
    assert [[p.eqns[k].op for k in lv] for lv in p.levels] == [["*", "*"], ["tanh", "sin"], ["+"]]


@pytest.mark.parametrize("lower", [lower_python, lower_numpy])
def test_unfused_and_fused_programs_lower_to_the_same_numbers(lower):
    rng = random.Random(4)
    ws = [Value(rng.uniform(-1, 1)) for _ in range(12)]

    def f(xs):
        h = [sum((w * x for w, x in zip(ws[i::3], xs)), ws[i]).relu() for i in range(3)]
        return sum(h) * 0.5 + sum(w * w for w in ws)

    xs = [rng.uniform(-1, 1) for _ in range(4)]
    rec = record(f, (xs,))
    raw = rec.program
    results = []
    for prog in (schedule(raw), schedule(fuse(raw))):
        low = lower(prog)
        v = low.forward(xs, [p.data for p in rec.parameters])
        results.append((low.outputs(v), low.backward(v, 1.0)))
    assert results[0] == results[1]
    y = f([Value(x) for x in xs])
    y.backward()
    assert results[0] == ([y.data], [p.grad for p in rec.parameters])


def test_auto_backend_takes_numpy_for_wide_programs_and_python_for_chains():
    pytest.importorskip("numpy")
    ws = [Value(0.1 * i) for i in range(64)]
    wide = trace(lambda xs: sum(w * x for w, x in zip(ws, xs)), [1.0] * 64)
    assert wide.backend == "numpy"
    w = Value(0.5)

    def chain(x):
        for _ in range(50):
            x = (x * w).tanh()
        return x

    assert trace(chain, 1.0).backend == "python"
    with pytest.raises(ValueError, match="backend must be one of"):
        trace(chain, 1.0, backend="torch")


def test_the_readme_shows_what_print_gives():
    import re
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    pattern = r"```python\n(from autograd import Value\n\nw0, .*?print\(neuron\)\n)```\n```\n(.*?)```"
    code, shown = re.search(pattern, readme, re.S).groups()
    ns: dict = {"trace": trace}
    exec(code.replace("print(neuron)", "text = str(neuron)"), ns)  # the README's own example
    assert ns["text"] + "\n" == shown


def test_without_numpy_auto_replays_in_python_and_numpy_says_what_to_install(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "numpy", None)  # import numpy now raises ImportError
    ws = [Value(0.1 * i) for i in range(64)]
    t = trace(lambda xs: sum(w * x for w, x in zip(ws, xs)), [1.0] * 64)
    assert t.backend == "python" and t([1.0] * 64) == sum(0.1 * i for i in range(64))
    with pytest.raises(ImportError, match=r"pip install 'chaingrad\[fast\]'"):
        trace(lambda xs: sum(w * x for w, x in zip(ws, xs)), [1.0] * 64, backend="numpy")


def test_programs_store_plain_tuple_records_and_read_back_as_named_tuples():
    from autograd.tracing.ir import Eqn, GradEqn, Var

    w = Value(2.0, label="w")
    p = record(lambda x: (w * x).tanh(), (0.5,)).program
    # plain tuples: CPython's collector stops tracking them (a live trace holds ~4 per node)
    assert {type(r) for r in (*p.var_records, *p.eqn_records, *p.grad_records)} == {tuple}
    assert p.eqn_records == (("*", (1, 0), 2, None), ("tanh", (2,), 3, None))
    assert p.var_records[2:] == (("node", "", 0.0),) * 2  # results: named in eqn order when read
    assert all(type(e) is Eqn for e in p.eqns) and p.eqns == p.eqn_records
    assert all(type(v) is Var for v in p.vars) and [v.name for v in p.vars] == ["x0", "w", "v0", "v1"]
    assert all(type(g) is GradEqn for g in p.grads) and p.grads[-1] == GradEqn(1, ((0, 0),))  # gw = gv0 · x0


def _guarded_with_extras(ws):
    def f(xs):
        h = [(w * x).relu() for w, x in zip(ws, xs)]
        t = sum(h[1:], h[0])
        # a comparison of a parameter-dependent value the loss does not use: its instructions
        # are recorded (the guard reads them) but no gradient flows through them
        if ws[0] * 3.0 > -10.0:
            t = t * 0.5
        return t + ws[1] * ws[1], h

    return f


def test_fuse_derives_the_recorded_backward_order_without_the_recorded_gradients():
    rng = random.Random(11)
    ws = [Value(rng.uniform(-1, 1)) for _ in range(5)]
    f = _guarded_with_extras(ws)
    xs = [rng.uniform(-1, 1) for _ in range(5)]
    full = record(f, (xs,)).program
    bare = record(f, (xs,), grads=False).program
    assert bare.grad_records == () and full.grad_records
    fused = fuse(full)
    assert fuse(bare) == fused  # fuse never reads the recorded gradients
    from autograd.tracing.record import with_grads

    assert with_grads(bare) == full
    # the fused gradients are the recorded ones with the folded partial sums left out, each
    # term pointed at the instruction it now comes from: the same terms in the same order
    folded = {o for o, v in enumerate(fused.var_records) if v == PARTIAL_SUM}
    assert folded
    kept_vars = [var for var, _ in full.grad_records if var not in folded]
    assert [var for var, _ in fused.grad_records] == kept_vars
    sizes = [len(t) for v, t in full.grad_records if v not in folded]
    assert [len(t) for _, t in fused.grad_records] == sizes
    # the guard's instruction (ws[0] * 3.0) gets no gradient record: it does not reach the output
    guard_var = fused.guards[0].lhs
    assert guard_var not in {var for var, _ in fused.grad_records}


@pytest.mark.parametrize("backend", ["python", "numpy"])
def test_a_guard_on_a_parameter_outside_the_loss_adds_nothing_to_its_gradient(backend):
    if backend == "numpy":
        pytest.importorskip("numpy")
    import struct

    rng = random.Random(12)
    ws = [Value(rng.uniform(-1, 1)) for _ in range(5)]
    f = _guarded_with_extras(ws)
    xs = [rng.uniform(-1, 1) for _ in range(5)]
    t = trace(f, xs, backend=backend)
    assert len(t.program.guards) == 1
    out, extras = t(xs)
    replayed = [w.grad for w in ws]
    for w in ws:
        w.grad = 0.0
    y, h = f([Value(x) for x in xs])
    y.backward()

    def bits(x):
        return struct.pack("<d", x)

    assert bits(out) == bits(y.data) and list(map(bits, extras)) == [bits(v.data) for v in h]
    assert list(map(bits, replayed)) == [bits(w.grad) for w in ws]


def test_the_recorded_program_is_derived_once_and_shared_while_held():
    ws = [Value(0.1 * i) for i in range(4)]
    t = trace(lambda xs: sum(w * x for w, x in zip(ws, xs)), [1.0] * 4, backend="python")
    r = t.recorded
    assert r is t.recorded and r.grad_records
    assert r == record(lambda xs: sum(w * x for w, x in zip(ws, xs)), ([1.0] * 4,)).program
