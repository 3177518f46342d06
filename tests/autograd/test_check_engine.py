"""check_engine on micrograd, on chaingrad, and on deliberately broken engines: each bug is
found and blamed on the right op or pitfall; the report is data, text and HTML."""

import functools
import itertools
import math
import re
from pathlib import Path

import pytest
from support import engine

import autograd
from autograd.check.forms import all_forms
from autograd.testing import CHECKS, EngineCheckError, assert_engine_correct, check_engine

HERE = Path(__file__).resolve().parent
# What each engine has; everything else in chaingrad's op table must be listed as missing.
MICROGRAD_HAS = {"+", "-", "*", "/", "**n", "neg", "relu"}
GOOD_HAS = MICROGRAD_HAS | {"exp", "log", "tanh", "sigmoid"}
MICROGRAD_MISSING = tuple(op for op in autograd.OPS if op not in MICROGRAD_HAS)
GOOD_MISSING = tuple(op for op in autograd.OPS if op not in GOOD_HAS)
QUICK = {"max_examples": 50, "depths": (100, 1000, 3000)}


@functools.cache
def report_of(name: str):
    """check_engine's report on a broken engine with the QUICK options (computed once)."""
    return check_engine(engine(name), **QUICK)


def by_check(report):
    return {f.check: f for f in report.failures}


# ------------------------------------------------------------------ micrograd 0.1.0


@pytest.fixture(scope="module")
def micrograd_report():
    from micrograd.engine import Value

    return check_engine(Value)  # the defaults a learner gets


def test_micrograd_ops_pass_and_its_missing_ops_are_listed(micrograd_report):
    r = micrograd_report
    assert r.missing == MICROGRAD_MISSING
    ops = [row for row in r.results if row.check == "op"]
    assert {row.subject for row in ops} == {"x + y", "x + 2", "2 + x", "x - y", "x - 2", "2 - x", "x * y",
                                            "x * 2", "2 * x", "x / y", "x / 2", "2 / x", "x ** n", "-x",
                                            "relu(x)"}
    assert all(row.status == "pass" for row in ops)
    assert set(r.missing_forms) == set()  # ** is missing whole: both x ** y and 2 ** x
    for name in ("fan-in", "topo-order", "square", "zero-grad", "reuse"):
        assert [row.status for row in r.results if row.check == name] == ["pass"], name


def test_micrograd_compounding_second_backward_is_found(micrograd_report):
    f = by_check(micrograd_report)["accumulation"]
    assert f.op is None and f.expression == "y = (x * w) * v"
    assert "compounds" in f.message and "-6 after one backward() and -18 after a second" in f.message
    assert "adding once would give -12" in f.message


def test_micrograd_recursion_limit_is_found_with_its_depth(micrograd_report):
    f = by_check(micrograd_report)["deep-chain"]
    assert f.op is None
    assert "RecursionError in backward() at depth 1000" in f.message
    assert "works to depth 100" in f.message
    first = int(f.message.split("first fails at depth ")[1].split(";")[0])
    assert 100 < first <= 1000  # bisected: the recursive topological sort's limit, below 1000 frames
    assert not micrograd_report.ok and len(micrograd_report.failures) == 2


def test_micrograd_report_text(micrograd_report):
    text = str(micrograd_report)
    assert text.startswith("check_engine(micrograd.engine.Value): 2 failures (seed=0, max_examples=100)")
    assert "missing (not failures): " + ", ".join(MICROGRAD_MISSING) in text
    assert {"**", "exp", "tanh", "log"} <= set(MICROGRAD_MISSING)
    assert "op            x * 2                     pass" in text
    assert "1. [accumulation] blamed on the engine as a whole" in text


# ------------------------------------------------------------------ engines that pass


def test_chaingrad_passes_every_check_with_nothing_missing():
    r = check_engine(autograd.Value, **QUICK)
    assert r.ok and r.missing == () and r.missing_forms == ()
    assert {row.check for row in r.results} == set(CHECKS)
    assert all(row.status == "pass" for row in r.results)
    assert sum(row.check == "op" for row in r.results) == len(all_forms())  # every form of every op
    assert {row.subject for row in r.results if row.check == "op"} >= {"max(x, y)", "max(x, 2)", "log1p(x)"}


def test_a_correct_student_engine_passes_and_its_missing_ops_are_not_failures():
    r = check_engine(engine("good"), **QUICK)
    assert r.ok, r.text()
    assert r.missing == GOOD_MISSING
    assert assert_engine_correct(engine("good"), **QUICK).ok


def test_a_factory_works_like_a_class():
    Good = engine("good")
    r = check_engine(lambda x: Good(x), max_examples=20, depths=(100,))
    assert r.ok and r.missing == GOOD_MISSING
    assert "<lambda>" in r.engine


# ------------------------------------------------------------------ broken engines: found and blamed

# engine -> (check, op blamed) that must be among the failures, and every check allowed to fail
BUGS = {
    "assign_mul": (("square", "*"), {"square", "fan-in"}),
    "set_children": (("square", "*"), {"square", "fan-in"}),
    "wrong_tanh": (("op", "tanh"), {"op"}),
    "compounds": (("accumulation", None), {"accumulation"}),
    "recursive_topo": (("deep-chain", None), {"deep-chain"}),
    "no_topo": (("topo-order", None), {"topo-order", "fan-in", "accumulation", "deep-chain"}),
    "wrong_sub": (("op", "-"), {"op"}),
    "wrong_pow": (("op", "**n"), {"op"}),  # x / y is x * y**-1 there: blamed on / too
    "zero_ignored": (("zero-grad", None), {"zero-grad", "fan-in", "accumulation"}),
    "frees_graph": (("reuse", None), {"reuse"}),
    "no_rmul": (("op", "*"), {"op"}),
}


@pytest.mark.parametrize("name", sorted(BUGS))
def test_each_broken_engine_is_found_and_blamed(name):
    (check, op), allowed = BUGS[name]
    r = report_of(name)
    assert not r.ok
    assert (check, op) in {(f.check, f.op) for f in r.failures}, r.text()
    assert {f.check for f in r.failures} <= allowed, r.text()
    assert r.missing == GOOD_MISSING  # a bug is never mistaken for a missing op


def test_assert_engine_correct_raises_with_the_report():
    with pytest.raises(EngineCheckError) as info:
        assert_engine_correct(engine("wrong_sub"), checks=["op"], ops=["-"], max_examples=20)
    assert isinstance(info.value, AssertionError)
    assert [f.op for f in info.value.report.failures] == ["-"]
    assert "1. [op] blamed on op -" in str(info.value)


def test_wrong_tanh_is_shrunk_to_tanh_x_with_both_numbers():
    f = by_check(report_of("wrong_tanh"))["op"]
    assert f.op == "tanh" and f.expression == "tanh(x)"
    x = float(f.message.split("at x=")[1].split(" ")[0])
    got = float(f.message.split(" is ")[1].split(",")[0])
    want = float(f.message.split("expected ")[1].split(" ")[0])
    assert got == pytest.approx(1 - x * x, abs=1e-5)  # the bug's formula
    assert want == pytest.approx(1 - math.tanh(x) ** 2, abs=1e-5)  # the true slope
    assert f.message.startswith("tanh: d/dx at x=") and "(central difference)" in f.message
    assert f.message.endswith("smallest failing expression: tanh(x)")


def test_fan_in_is_shrunk_to_the_smallest_failing_expression():
    f = by_check(report_of("set_children"))["fan-in"]
    assert f.expression == "x + x" and f.op == "+"
    assert "expected 2" in f.message


def test_topo_order_reports_the_classic_counterexample():
    f = by_check(report_of("no_topo"))["topo-order"]
    assert f.expression == "b = a + a; c = b + b"
    assert "dc/da at a=3.0 is 8, expected 4.0" in f.message and "topological order" in f.message


def test_a_lost_duplicate_edge_is_not_reported_as_an_order_bug():
    r = report_of("set_children")
    (row,) = [row for row in r.results if row.check == "topo-order"]
    assert row.status == "note" and "inconclusive" in row.detail and "see square" in row.detail


def test_a_missing_required_form_is_a_failure_naming_the_method_to_write():
    f = next(f for f in report_of("no_rmul").failures if f.op == "*")
    assert "2 * x is not supported" in f.message and "define __rmul__" in f.message


# ------------------------------------------------------------------ odd engines never crash the checker


class _Odd:
    """An engine whose tanh raises and whose exp gives a complex gradient; + and * are fine."""

    def __init__(self, data, kids=(), rule=None):
        self.data, self.grad, self._kids, self._rule = data, 0.0, kids, rule

    def __add__(self, o):
        o = o if isinstance(o, _Odd) else _Odd(o)
        return _Odd(self.data + o.data, (self, o), lambda g: (g, g))

    __radd__ = __add__

    def __mul__(self, o):
        o = o if isinstance(o, _Odd) else _Odd(o)
        return _Odd(self.data * o.data, (self, o), lambda g: (g * o.data, g * self.data))

    __rmul__ = __mul__

    def tanh(self):
        raise ValueError("tanh is broken today")

    def exp(self):
        return _Odd(math.exp(self.data), (self,), lambda g: (complex(g, 1.0),))

    def backward(self):
        order, seen, stack = [], set(), [(self, False)]
        while stack:
            n, done = stack.pop()
            if done:
                order.append(n)
            elif n not in seen:
                seen.add(n)
                stack.append((n, True))
                stack.extend((k, False) for k in n._kids)
        self.grad = 1.0
        for n in reversed(order):
            if n._rule:
                for k, g in zip(n._kids, n._rule(n.grad)):
                    k.grad += g


def test_an_engine_that_raises_or_gives_complex_numbers_gets_failures_not_a_crash():
    r = check_engine(_Odd, **QUICK)
    f = {f.op: f for f in r.failures if f.check == "op"}
    assert "raised ValueError: tanh is broken today" in f["tanh"].message
    assert "complex" in f["exp"].message
    assert "-" in r.missing and "/" in r.missing and "log" in r.missing
    assert [row.status for row in r.results if row.subject == "x * y"] == ["pass"]


# ------------------------------------------------------------------ options, determinism, bad arguments


def test_same_seed_same_report_and_options_select():
    a = check_engine(engine("wrong_tanh"), seed=3, **QUICK)
    b = check_engine(engine("wrong_tanh"), seed=3, **QUICK)
    assert a.text() == b.text()
    only = check_engine(engine("wrong_tanh"), ops=["tanh", "+"], checks=["op"], max_examples=20)
    assert {row.subject for row in only.results} == {"x + y", "x + 2", "2 + x", "tanh(x)"}
    assert only.missing == () and [f.op for f in only.failures] == ["tanh"]
    pit = check_engine(engine("compounds"), checks="accumulation", max_examples=20)
    assert [row.check for row in pit.results] == ["accumulation"] and not pit.ok


@pytest.mark.parametrize("bad, kwargs, error, match", [
    (3, {}, TypeError, "make_value must be a Value class"),
    (float, {}, TypeError, "has no .data, .grad, .backward"),
    (lambda x: 1 / 0, {}, TypeError, "make_value\\(1.5\\) raised ZeroDivisionError"),
    (None, {"max_examples": 0}, ValueError, "max_examples must be an int >= 1"),
    (None, {"max_examples": True}, ValueError, "max_examples"),
    (None, {"seed": "x"}, TypeError, "seed must be an int"),
    (None, {"ops": ["tan"]}, ValueError, "no op named 'tan'"),
    (None, {"checks": ["speed"]}, ValueError, "no check named 'speed'"),
    (None, {"depths": (100, 0)}, ValueError, "depths must be ints >= 1"),
])
def test_bad_arguments_are_clear_errors(bad, kwargs, error, match):
    with pytest.raises(error, match=match):
        check_engine(autograd.Value if bad is None else bad, **kwargs)


# ------------------------------------------------------------------ HTML


def test_html_draws_each_failing_expression_with_chaingrad_and_escapes_text():
    r = report_of("assign_mul")
    page = r._repr_html_()
    square = by_check(r)["square"]
    root, highlight = square.graph()
    assert isinstance(root, autograd.Value) and root.op == "*"  # chaingrad's copy, with correct gradients
    assert highlight[0].grad == 6.0
    assert page.count("<svg") == len(r.failures) == 2
    assert "x * x" in page and "blamed on op <code>*</code>" in page
    odd = check_engine(lambda x: engine("good")(x), checks=["square"], max_examples=10)._repr_html_()
    assert "&lt;lambda&gt;" in odd and "<lambda>" not in odd


# ------------------------------------------------------------------ the README shows real reports


def _readme_text_blocks():
    readme = (HERE.parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Check your own engine", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```text\n(.*?)```", section, re.S)


def _depth_free(text: str) -> str:
    # the first failing depth depends on how deep the stack was when the check ran
    return re.sub(r"first fails at depth \d+", "first fails at depth N", text)


def test_readme_shows_micrograds_report_as_check_engine_prints_it(micrograd_report):
    block = _readme_text_blocks()[0]
    assert _depth_free(block.rstrip("\n")) == _depth_free(micrograd_report.text())


def test_readme_shows_the_wrong_tanh_failure_as_printed():
    block = _readme_text_blocks()[1]
    text = check_engine(engine("wrong_tanh"), ops=["tanh"], checks=["op"]).text()  # the defaults' points
    for line in block.strip("\n").splitlines():
        assert line in text.splitlines(), line


_MULS = itertools.count(1)


class _Sometimes(_Odd):
    """x * y's gradient is wrong on every third multiplication: a nondeterministic engine."""

    def __mul__(self, o):
        o = o if isinstance(o, _Odd) else _Odd(o)
        k = 2.0 if next(_MULS) % 3 == 0 else 1.0
        return _Sometimes(self.data * o.data, (self, o), lambda g: (g * o.data * k, g * self.data))

    def __add__(self, o):
        o = o if isinstance(o, _Odd) else _Odd(o)
        return _Sometimes(self.data + o.data, (self, o), lambda g: (g, g))


def test_a_nondeterministic_engine_is_reported_not_a_crash():
    r = check_engine(_Sometimes, ops=["+", "*"], checks=["op"], max_examples=40)
    failures = [f for f in r.failures if f.op == "*"]
    assert failures and all(f.check == "op" and f.expression for f in failures)


def test_the_fan_in_check_finds_a_walk_bug_that_each_op_survives():
    f = by_check(report_of("no_topo"))["fan-in"]
    assert f.op is None and "the walk is wrong" in f.message
    # smallest: one node used twice by the next, like a = -x; a + a
    assert f.expression.count(";") == 1 and f.expression.startswith("a = ")
