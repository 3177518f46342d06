"""Check any micrograd-style engine: property tests that find the bug and show it.

:func:`check_engine` takes a ``Value`` class (or a factory ``number -> Value``) with
micrograd's protocol — ``V(number)``, ``+ - * / **`` with Values and numbers on either
side, methods such as ``tanh``/``exp``/``relu``, ``.data``, ``.grad``, ``.backward()`` — and
drives it only through that protocol: nothing of the engine under test enters chaingrad's
graphs. Each expression is built twice, once with the engine and once with chaingrad's
``Value`` (its own copy), and the engine's gradients are compared with central
differences of the engine's own forward pass, ``(f(x + h) - f(x - h)) / 2h``, and with
chaingrad's results.

The checks (the README's "Check your own engine" section says what each means):

========== ==============================================================================
op          every form of every op the engine has (``x * y``, ``x * 2``, ``2 * x``,
            ``tanh(x)``, ...) at Hypothesis-drawn points; the first failure is shrunk
fan-in      random expression DAGs with shared subexpressions over the ops that passed,
            shrunk by Hypothesis to the smallest failing expression
topo-order  ``b = a + a; c = b + b``: dc/da = 4 (backward without a topological sort
            gets 8)
square      ``x * x``: d/dx = 2x (a set of children, or ``=`` for ``+=``, gets x)
accumulation two ``backward()`` calls: adds once (pass), resets (note) or compounds (fail)
zero-grad   a new Value has grad 0; ``v.grad = 0`` resets it for the next backward
deep-chain  ``x + 1 + 1 + ...`` at depths 100, 1000, 10000, 100000: the depth where a
            recursive walk raises ``RecursionError``
reuse       an intermediate value used again in a new expression after ``backward()``
========== ==============================================================================

An op the engine lacks (``AttributeError``, ``TypeError``, ``NotImplementedError`` or an
``assert`` when it is called) is listed as *missing*, not failed.
"""

from __future__ import annotations

import math
import random
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ..modes import gc_paused
from ..ops import OPS
from ..value import Value
from .forms import Form, Program, all_forms
from .report import CHECKS, EngineCheckError, EngineReport, Failure, Result

try:
    from hypothesis import HealthCheck, Phase, Verbosity, find, settings
    from hypothesis import strategies as st
    from hypothesis.errors import NoSuchExample, Unsatisfiable
except ImportError as e:  # pragma: no cover - exercised only without the extra
    raise ImportError(
        "check_engine needs Hypothesis: pip install 'chaingrad[hypothesis]' (or hypothesis)"
    ) from e

DEFAULT_DEPTHS = (100, 1000, 10000, 100000)
"""The chain depths the deep-chain check tries."""

H = 1e-6  # central-difference step
CD_ATOL, CD_RTOL = 1e-5, 1e-3  # against central differences (gradcheck's defaults)
REF_ATOL, REF_RTOL = 1e-7, 1e-6  # against chaingrad's own result (same maths, other rounding)
DATA_ATOL, DATA_RTOL = 1e-9, 1e-7  # forward values against chaingrad
KINK_MARGIN = 1e-3
MAX_MAGNITUDE = 1e4
SLOW_PROBE = 5.0  # seconds: a deep-chain probe slower than this stops the deeper ones
_UNSUPPORTED = (AttributeError, TypeError, NotImplementedError, AssertionError)


class _BadNumber(Exception):
    """The engine gave something that is not a real number (complex, None, a string)."""


def _num(x: Any, what: str) -> float:
    if isinstance(x, complex):
        raise _BadNumber(f"{what} is the complex number {x!r}")
    try:
        return float(x)
    except (TypeError, ValueError):
        raise _BadNumber(f"{what} is {type(x).__name__} {x!r}, not a number") from None


def _close(a: float, b: float, atol: float, rtol: float) -> bool:
    return math.isfinite(a) and math.isfinite(b) and abs(a - b) <= atol + rtol * abs(b)


def _g(x: float) -> str:
    return f"{x:.6g}"


# ------------------------------------------------------------------ one expression, checked


@dataclass(frozen=True)
class _Found:
    """What is wrong with one program on the engine (None from _failure when nothing is)."""

    kind: str  # "raised", "forward", "grad"
    text: str  # the sentence, without the expression
    var: int = -1  # the input whose gradient is wrong


def _forward(make: Callable[[float], Any], prog: Program, point: Sequence[float]) -> float:
    return _num(prog.run(make, point)[-1].data, "the output's data")


def _failure(make: Callable[[float], Any], prog: Program) -> _Found | None:
    """Run ``prog`` on the engine and on chaingrad; the first disagreement, or None."""
    names = prog.names()
    at = prog.point_text()
    try:
        nodes = prog.run(make)
        data = _num(nodes[-1].data, "the output's data")
        nodes[-1].backward()
        grads = [_num(n.grad, f"{names[i]}.grad") for i, n in enumerate(nodes[: prog.n_inputs])]
    except RecursionError:
        return _Found("raised", f"raised RecursionError at {at}")
    except _BadNumber as e:
        return _Found("raised", f"at {at}, {e}")
    except Exception as e:
        return _Found("raised", f"raised {type(e).__name__}: {e} at {at}")
    ref = prog.run(Value)
    ref[-1].backward()
    if not _close(data, ref[-1].data, DATA_ATOL, DATA_RTOL):
        return _Found("forward", f"the value at {at} is {_g(data)}, expected {_g(ref[-1].data)} (chaingrad)")
    for i, got in enumerate(grads):
        want = ref[i].grad
        try:
            plus = list(prog.point)
            minus = list(prog.point)
            plus[i] += H
            minus[i] -= H
            cd = (_forward(make, prog, plus) - _forward(make, prog, minus)) / (2 * H)
        except Exception as e:
            return _Found("raised", f"raised {type(e).__name__}: {e} near {at} (central difference)")
        bad_cd = not _close(got, cd, CD_ATOL, CD_RTOL)
        if bad_cd or not _close(got, want, REF_ATOL, REF_RTOL):
            source = f"{_g(cd)} (central difference)" if bad_cd else f"{_g(want)} (chaingrad)"
            return _Found("grad", f"d/d{names[i]} at {at} is {_g(got)}, expected {source}", i)
    return None


def _isolate(prog: Program, k: int) -> Program:
    """Instruction ``k`` of ``prog`` alone, on fresh inputs at its operands' values
    (an operand used twice stays one input used twice)."""
    ref = prog.run(Value)
    form, args, const = prog.instrs[k]
    unique = list(dict.fromkeys(args))
    return Program(tuple(ref[j].data for j in unique), ((form, tuple(unique.index(j) for j in args), const),))


def _culprit(make: Callable[[float], Any], prog: Program) -> tuple[str | None, int | None]:
    """(op blamed or None, node where the engine's gradient first differs) for a failing program.

    The first node, walking from the output, whose gradient differs from chaingrad's got
    it from its consumers; if it has one, and that op fails alone on the same operands, the
    op is to blame; otherwise the ops are right alone and the walk itself is wrong.
    """
    try:
        nodes = prog.run(make)
        nodes[-1].backward()
    except Exception:
        return None, None
    ref = prog.run(Value)
    ref[-1].backward()
    for i in reversed(range(len(nodes))):
        try:
            got = _num(nodes[i].grad, "grad")
        except _BadNumber:
            got = math.nan
        if _close(got, ref[i].grad, REF_ATOL, REF_RTOL * 10):
            continue
        consumers = [k for k, (_, args, _) in enumerate(prog.instrs) if i in args]
        if len(consumers) == 1 and _failure(make, _isolate(prog, consumers[0])) is not None:
            return prog.instrs[consumers[0]][0].op, i
        return None, i
    return None, None


def _graph_of(prog: Program, culprit: int | None) -> Callable[[], tuple[Value, list[Value]]]:
    def build() -> tuple[Value, list[Value]]:
        nodes = prog.run(Value, labels=True)
        nodes[-1].backward()
        return nodes[-1], ([nodes[culprit]] if culprit is not None else [])

    return build


# ------------------------------------------------------------------ Hypothesis


def _settings(n: int) -> settings:
    return settings(max_examples=n, database=None, deadline=None, derandomize=False,
                    suppress_health_check=list(HealthCheck), verbosity=Verbosity.quiet,
                    phases=(Phase.generate, Phase.shrink))


def _smallest(strategy: st.SearchStrategy[Any], fails: Callable[[Any], bool], n: int,
              rng: random.Random) -> tuple[Any, int]:
    """The smallest example ``fails`` holds for (or None) and how many were tried.

    An engine that fails an example only sometimes makes Hypothesis give up shrinking
    (its ``Flaky`` errors); the first failing example found is returned then, unshrunk.
    """
    tried = [0]
    first: list[Any] = []

    def condition(x: Any) -> bool:
        tried[0] += 1
        bad = fails(x)
        if bad and not first:
            first.append(x)
        return bad

    try:
        return find(strategy, condition, settings=_settings(n), random=rng), tried[0]
    except (NoSuchExample, Unsatisfiable):
        return (first[0] if first else None), tried[0]
    except Exception:  # Flaky and friends: the engine is not deterministic
        return (first[0] if first else None), tried[0]


def _floats(intervals: Sequence[tuple[float, float]]) -> st.SearchStrategy[float]:
    return st.one_of([st.floats(lo, hi, allow_nan=False) for lo, hi in intervals])


def _const_strategy(form: Form, integers: bool = False) -> st.SearchStrategy[float]:
    if form.op == "**n":
        lo, hi = form.const_domain()[0]
        ints = st.integers(int(lo), int(hi)).map(float)
        return ints if integers else st.one_of(ints, st.floats(lo, hi, allow_nan=False))
    return _floats(form.const_domain())


def _op_programs(form: Form) -> st.SearchStrategy[Program]:
    operands = st.tuples(*[_floats(form.operand_domain(k)) for k in range(form.n_values)])
    const = _const_strategy(form) if form.has_const else st.none()
    args = (0, 1) if form.n_values == 2 else (0,)
    return st.builds(lambda xs, c: Program(xs, ((form, args, c),)), operands, const)


# Operands are kept this far (relatively) from the op table's domain boundaries, and the
# value and local derivatives below this magnitude, where central differences are accurate.
BOUNDARY_MARGIN = 0.1
SMOOTH_MAGNITUDE = 1e4


def _operands_ok(form: Form, xs: Sequence[float], c: float | None) -> bool:
    """Operands where the op is smooth and central differences are accurate, judged from the
    op table alone (its float rule, boundaries and kink): no op is special-cased here."""
    entry = form.entry
    operands = form.op_args(xs, c)
    args = (operands[0], c) if entry.name == "**n" else operands
    for k, x in enumerate(operands):
        if x is None:
            return False
        for b in entry.boundaries[k] if k < len(entry.boundaries) else ():
            if abs(x - b) < BOUNDARY_MARGIN * max(1.0, abs(b)):
                return False
    try:
        out, *local = entry.forward(*args)
    except (ValueError, ZeroDivisionError, OverflowError):
        return False
    if not all(math.isfinite(v) and abs(v) < SMOOTH_MAGNITUDE for v in (out, *local)):
        return False
    kink = entry.kink
    return kink is None or abs(kink(*operands)) >= KINK_MARGIN


@st.composite
def _dags(draw: Any, forms: Sequence[Form], max_inputs: int = 3, max_ops: int = 6) -> Program:
    """A random expression DAG over ``forms``: each op takes the newest node as one operand
    (so the expression is as deep as it has ops) and any node as the other, the newest
    first, so that the simplest draw reuses a node (``a = x * x; a + a``) and shared
    subexpressions (fan-in) are common. Each op is applied only where it is smooth
    (checked on chaingrad); inputs stay at least 0.1 from 0, where many gradients vanish
    and would hide a bug."""
    n_inputs = draw(st.integers(1, max_inputs))
    magnitude = st.floats(0.1, 2.0, allow_nan=False)
    point = tuple(draw(magnitude) * (-1.0 if draw(st.booleans()) else 1.0) for _ in range(n_inputs))
    vals: list[Value] = [Value(x) for x in point]
    instrs: list[Any] = []
    for _ in range(draw(st.integers(1, max_ops))):
        form = draw(st.sampled_from(forms))
        last = len(vals) - 1
        args: tuple[int, ...] = (last,)
        if form.n_values == 2:
            other = last - draw(st.integers(0, last))
            args = (other, last) if draw(st.booleans()) else (last, other)
        const = draw(_const_strategy(form, integers=True)) if form.has_const else None
        xs = [vals[i].data for i in args]
        if not _operands_ok(form, xs, const):
            continue
        try:
            out = form.call([vals[i] for i in args], const)
        except (ValueError, ZeroDivisionError, OverflowError):
            continue
        if not (math.isfinite(out.data) and abs(out.data) <= MAX_MAGNITUDE):
            continue
        vals.append(out)
        instrs.append((form, args, const))
    if not instrs:
        from hypothesis import reject

        reject()
    return Program(point, tuple(instrs)).pruned()


# ------------------------------------------------------------------ the checker


def _engine_name(make: Any) -> str:
    mod = getattr(make, "__module__", None)
    name = getattr(make, "__qualname__", None) or getattr(make, "__name__", None)
    return f"{mod}.{name}" if mod and name else repr(make)


def _check_protocol(make: Any) -> None:
    if not callable(make):
        raise TypeError(f"check_engine: make_value must be a Value class or a function number -> Value, "
                        f"got {type(make).__name__}: {make!r}")
    try:
        v = make(1.5)
    except Exception as e:
        raise TypeError(f"check_engine: make_value(1.5) raised {type(e).__name__}: {e}; pass a "
                        "micrograd-style Value class (V(1.5) makes a leaf) or a function number -> Value"
                        ) from e
    missing = [a for a in ("data", "grad", "backward") if not hasattr(v, a)]
    if missing:
        raise TypeError(f"check_engine: make_value(1.5) returned {type(v).__name__} {v!r}, which has no "
                        f"{', '.join('.' + m for m in missing)}; check_engine needs micrograd's protocol "
                        "(.data, .grad, .backward())")


@dataclass
class _Run:
    make: Callable[[float], Any]
    seed: int
    n: int
    results: list[Result]
    failures: list[Failure]

    def failed(self) -> set[str]:
        return {f.check for f in self.failures}

    def rng(self, key: str) -> random.Random:
        return random.Random(f"{self.seed}:{key}")

    def add(self, check: str, subject: str, status: str, detail: str) -> None:
        self.results.append(Result(check, subject, status, detail))

    def fail(self, check: str, subject: str, op: str | None, expression: str | None, message: str,
             prog: Program | None = None, culprit: int | None = None, detail: str | None = None) -> None:
        shrunk = check in ("op", "fan-in") and expression is not None
        full = f"{message}; smallest failing expression: {expression}" if shrunk else message
        graph = _graph_of(prog, culprit) if prog is not None else None
        self.failures.append(Failure(check, op, expression, full, graph))
        self.add(check, subject, "FAIL", detail or message)


def _probe(make: Callable[[float], Any], form: Form) -> str | None:
    """None if the engine can call ``form``; else why not (it is missing)."""
    xs = [form.operand_domain(k)[0] for k in range(form.n_values)]
    xs = [(lo + hi) / 2 if lo > 0 or hi < 0 else hi / 2 for lo, hi in xs]
    const = None
    if form.has_const:
        lo, hi = form.const_domain()[0]
        const = 2.0 if form.op == "**n" else (lo + hi) / 2 if lo > 0 or hi < 0 else hi / 2
    try:
        form.call([make(x) for x in xs], const)
    except _UNSUPPORTED as e:
        return f"{type(e).__name__}: {e}" if str(e) else type(e).__name__
    except Exception:
        return None  # the op exists; the op check will say what it does wrong
    return None


_FLAKY = ("the gradient was wrong once and right when computed again: the engine is not deterministic "
          "(global state, or a set of children walked in a different order each run?)")


def _check_ops(run: _Run, forms: list[Form]) -> tuple[list[Form], list[str], list[str]]:
    """The op check; returns (forms that passed, missing ops, missing optional forms)."""
    why = {f.key: _probe(run.make, f) for f in forms}
    have = {f.op for f in forms if why[f.key] is None}
    missing_ops = list(dict.fromkeys(f.op for f in forms if f.op not in have))
    missing_forms = [f.key for f in forms if f.op in have and why[f.key] is not None and not f.required]
    passed = []
    n = max(10, run.n // 4)
    for form in forms:
        if form.op not in have or (why[form.key] is not None and not form.required):
            continue
        if why[form.key] is not None:
            run.fail("op", form.key, form.op, None,
                     f"{form.op}: {form.key} is not supported ({why[form.key]}): {form.hint()}")
            continue
        def fails(p: Program) -> bool:
            return _smooth(p) and _failure(run.make, p) is not None

        prog, tried = _smallest(_op_programs(form), fails, n, run.rng(form.key))
        if prog is None:
            run.add("op", form.key, "pass", f"{tried} points")
            passed.append(form)
            continue
        found = _failure(run.make, prog)
        if found is None:
            run.fail("op", form.key, form.op, prog.text(), f"{form.op}: {_FLAKY} at {prog.point_text()}",
                     detail=_FLAKY)
            continue
        run.fail("op", form.key, form.op, prog.text(), f"{form.op}: {found.text}", prog,
                 found.var if found.var >= 0 else None, detail=found.text)
    return passed, missing_ops, missing_forms


def _smooth(prog: Program) -> bool:
    """False where a one-op program sits on its op's kink (max/min at a tie): no derivative."""
    form, args, const = prog.instrs[0]
    kink = form.entry.kink
    return kink is None or abs(kink(*form.op_args([prog.point[i] for i in args], const))) >= KINK_MARGIN


def _check_dags(run: _Run, forms: list[Form]) -> None:
    if not forms:
        run.add("fan-in", "random DAGs", "note", "skipped: no op passed the op check")
        return
    prog, tried = _smallest(_dags(forms), lambda p: _failure(run.make, p) is not None, run.n,
                            run.rng("fan-in"))
    if prog is None:
        run.add("fan-in", "random DAGs", "pass", f"{tried} expressions with shared subexpressions")
        return
    found = _failure(run.make, prog)
    if found is None:
        run.fail("fan-in", "random DAGs", None, prog.text(), f"{_FLAKY} at {prog.point_text()}",
                 detail=_FLAKY)
        return
    op, node = _culprit(run.make, prog)
    if op is not None:
        hint = (f"{op} is right on separate operands but not inside this graph: when one node feeds it "
                "twice or feeds several nodes, each contribution must be added (+=), never assigned (=)")
    else:
        hint = ("each op is right on its own, so the walk is wrong: backward() must call each node's rule "
                "once, in reverse topological order (after every node that uses it)")
    run.fail("fan-in", "random DAGs", op, prog.text(), f"{found.text}. {hint}", prog, node, detail=found.text)


def _form(passed: list[Form], key: str) -> Form | None:
    return next((f for f in passed if f.key == key), None)


def _needs_mul(run: _Run, passed: list[Form], check: str, subject: str) -> Form | None:
    """The passing ``x * y`` form a pitfall check builds on, or None after noting the skip."""
    mul = _form(passed, "x * y")
    if mul is None:
        run.add(check, subject, "note", "skipped: needs x * y to pass")
    return mul


def _safe(run: _Run, check: str, subject: str, body: Callable[[], None]) -> None:
    """Run one pitfall check; the engine raising is a failure of that check, never a crash."""
    try:
        body()
    except RecursionError:
        run.fail(check, subject, None, None, f"{check}: raised RecursionError")
    except Exception as e:
        run.fail(check, subject, None, None, f"{check}: raised {type(e).__name__}: {e}")


def _check_topo(run: _Run, passed: list[Form]) -> None:
    add = _form(passed, "x + y")
    if add is None:
        run.add("topo-order", "b = a + a; c = b + b", "note", "skipped: needs x + y to pass")
        return
    prog = Program((3.0,), ((add, (0, 0), None), (add, (1, 1), None)), labels=("a", "b", "c"))

    def body() -> None:
        a = run.make(3.0)
        (a + a).backward()
        twice = _num(a.grad, "a.grad")
        if twice != 2.0:  # the control: without it a lost duplicate edge would read as an order bug
            run.add("topo-order", "b = a + a; c = b + b", "note", f"inconclusive: a + a alone gives d/da = "
                    f"{_g(twice)}, expected 2.0 (an edge of a node used twice is lost: see square, fan-in)")
            return
        a = run.make(3.0)
        b = a + a
        c = b + b
        c.backward()
        got = _num(a.grad, "a.grad")
        if got == 4.0:
            run.add("topo-order", "b = a + a; c = b + b", "pass", "dc/da = 4.0")
            return
        run.fail("topo-order", "b = a + a; c = b + b", None, "b = a + a; c = b + b",
                 f"topo-order: dc/da at a=3.0 is {_g(got)}, expected 4.0: b's rule ran before c had added "
                 "all of its gradient, or ran more than once. backward() must build a topological order "
                 "(each node after every node it feeds) and run each node's rule once, in reverse order",
                 prog, 0, detail=f"dc/da = {_g(got)}, expected 4.0")

    _safe(run, "topo-order", "b = a + a; c = b + b", body)


def _check_square(run: _Run, passed: list[Form]) -> None:
    mul = _needs_mul(run, passed, "square", "x * x")
    if mul is None:
        return

    def body() -> None:
        x = run.make(3.0)
        y = x * x
        y.backward()
        got = _num(x.grad, "x.grad")
        if got == 6.0:
            run.add("square", "x * x", "pass", "d/dx = 6.0 at x=3.0")
            return
        run.fail("square", "x * x", "*", "x * x",
                 f"square: d/dx (x * x) at x=3.0 is {_g(got)}, expected 6.0: the two edges from x to x * x "
                 "must both count (children kept in a set lose one; = instead of += overwrites one)",
                 Program((3.0,), ((mul, (0, 0), None),)), 0, detail=f"d/dx = {_g(got)}, expected 6.0")

    _safe(run, "square", "x * x", body)


_ACC_POINT = (1.5, -2.0, 3.0)  # x, w, v in y = (x * w) * v: dy/dx = w·v = -6


def _acc_program(mul: Form) -> Program:
    return Program(_ACC_POINT, ((mul, (0, 1), None), (mul, (3, 2), None)), labels=("x", "w", "v", "m", "y"))


def _check_accumulation(run: _Run, passed: list[Form]) -> None:
    subject = "y = (x * w) * v"
    mul = _needs_mul(run, passed, "accumulation", subject)
    if mul is None:
        return

    def body() -> None:
        x, w, v = (run.make(a) for a in _ACC_POINT)
        y = (x * w) * v
        y.backward()
        g1 = _num(x.grad, "x.grad")
        y.backward()
        g2 = _num(x.grad, "x.grad")
        want = _ACC_POINT[1] * _ACC_POINT[2]
        seen = f"x.grad is {_g(g1)} after one backward() and {_g(g2)} after a second"
        if not _close(g1, want, REF_ATOL, REF_RTOL):
            run.fail("accumulation", subject, None, subject, f"accumulation: the first backward() gives "
                     f"x.grad = {_g(g1)}, expected {_g(want)}", _acc_program(mul), 0)
        elif _close(g2, 2 * want, REF_ATOL, REF_RTOL):
            run.add("accumulation", subject, "pass", f"adds once: {seen} (like PyTorch and chaingrad)")
        elif _close(g2, want, REF_ATOL, REF_RTOL):
            run.add("accumulation", subject, "note", f"resets: {seen} (each backward() starts from zero; "
                    "micrograd-style code that sums several losses' backward() calls will not add up)")
        elif abs(g2) > 2 * abs(want) and g2 * want > 0:
            run.fail("accumulation", subject, None, subject,
                     f"accumulation: compounds: {seen}; adding once would give {_g(2 * want)}. The gradients "
                     "the intermediate nodes kept from the first call flow down again in the second. Zero "
                     "every node's grad before calling backward() again on the same graph, or make "
                     "backward() add only this call's gradients (chaingrad sets held gradients aside)",
                     _acc_program(mul), 0, detail=f"compounds: {seen} (adds once: {_g(2 * want)})")
        else:
            run.fail("accumulation", subject, None, subject, f"accumulation: {seen}; adding once would give "
                     f"{_g(2 * want)}, resetting {_g(want)}", _acc_program(mul), 0)

    _safe(run, "accumulation", subject, body)


def _check_zero(run: _Run, passed: list[Form]) -> None:
    mul = _form(passed, "x * y")
    subject = "v.grad = 0"

    def body() -> None:
        fresh = run.make(1.5)
        g0 = _num(fresh.grad, "a new Value's grad")
        if g0 != 0.0:
            run.fail("zero-grad", subject, None, None,
                     f"zero-grad: a new Value's grad is {_g(g0)}, expected 0")
            return
        if mul is None:
            run.add("zero-grad", subject, "pass", "a new Value's grad is 0 (x * y needed for the rest)")
            return
        x, w, v = (run.make(a) for a in _ACC_POINT)
        ((x * w) * v).backward()
        want = _ACC_POINT[1] * _ACC_POINT[2]
        first = _num(x.grad, "x.grad")
        if not _close(first, want, REF_ATOL, REF_RTOL):
            run.add("zero-grad", subject, "note", "inconclusive: y = (x * w) * v gives x.grad = "
                    f"{_g(first)}, expected {_g(want)}, before any zeroing")
            return
        for leaf in (x, w, v):
            leaf.grad = 0.0
        back = _num(x.grad, "x.grad")
        if back != 0.0:
            run.fail("zero-grad", subject, None, None,
                     f"zero-grad: after x.grad = 0, x.grad reads {_g(back)}, expected 0")
            return
        ((x * w) * v).backward()
        got = _num(x.grad, "x.grad")
        if _close(got, want, REF_ATOL, REF_RTOL):
            run.add("zero-grad", subject, "pass", "grads start at 0; grad = 0 then a new backward() gives "
                    f"x.grad = {_g(got)}")
            return
        run.fail("zero-grad", subject, None, "y = (x * w) * v",
                 f"zero-grad: after y.backward(), x.grad = w.grad = v.grad = 0 and backward() on a freshly "
                 f"built y, x.grad is {_g(got)}, expected {_g(want)}: setting grad to 0 did not reset the "
                 "gradient the engine accumulates", _acc_program(mul), 0,
                 detail=f"x.grad = {_g(got)} after zeroing and one backward(), expected {_g(want)}")

    _safe(run, "zero-grad", subject, body)


def _check_reuse(run: _Run, passed: list[Form]) -> None:
    subject = "m * x after y.backward()"
    mul = _needs_mul(run, passed, "reuse", subject)
    if mul is None:
        return
    prog = Program(_ACC_POINT[:2], ((mul, (0, 1), None), (mul, (2, 0), None)),  # z = (x * w) * x
                   labels=("x", "w", "m", "z"))

    def body() -> None:
        if "zero-grad" in run.failed():
            run.add("reuse", subject, "note", "inconclusive: needs v.grad = 0 to work (see zero-grad)")
            return
        ref = prog.run(Value)
        ref[-1].backward()
        want = (ref[0].grad, ref[1].grad)
        fresh = prog.run(run.make)  # the control: z = (x * w) * x on a new graph, no backward() before
        fresh[-1].backward()
        control = (_num(fresh[0].grad, "x.grad"), _num(fresh[1].grad, "w.grad"))
        if not all(_close(g, r, REF_ATOL, REF_RTOL) for g, r in zip(control, want)):
            run.add("reuse", subject, "note", "inconclusive: z = (x * w) * x is wrong even on a new graph "
                    f"(dz/dx = {_g(control[0])}, expected {_g(want[0])}: see fan-in, square)")
            return
        x, w, v = (run.make(a) for a in _ACC_POINT)
        m = x * w
        y = m * v
        y.backward()
        for node in (x, w, v, m, y):
            node.grad = 0.0
        z = m * x
        z.backward()
        got = (_num(x.grad, "x.grad"), _num(w.grad, "w.grad"))
        if all(_close(g, r, REF_ATOL, REF_RTOL) for g, r in zip(got, want)):
            run.add("reuse", subject, "pass", f"dz/dx = {_g(got[0])}, dz/dw = {_g(got[1])}")
            return
        run.fail("reuse", subject, None, "m = x * w; y = m * v; y.backward(); z = m * x; z.backward()",
                 f"reuse: after y.backward() and zeroing every grad, z = m * x (m = x * w, kept from y) "
                 f"gives dz/dx = {_g(got[0])}, dz/dw = {_g(got[1])}, expected {_g(want[0])}, {_g(want[1])}: "
                 "backward() changed the graph it walked (freed the backward rules, or left nodes marked "
                 "visited), so a value cannot be used again", prog, 0,
                 detail=f"dz/dx = {_g(got[0])}, dz/dw = {_g(got[1])}, expected {_g(want[0])}, {_g(want[1])}")

    _safe(run, "reuse", subject, body)


def _chain_step(passed: list[Form]) -> tuple[str, Callable[[Any], Any]] | None:
    if _form(passed, "x + 2") is not None:
        return "x + 1.0 + 1.0 + ...", lambda v: v + 1.0
    if _form(passed, "x * 2") is not None:
        return "x * 1.0 * 1.0 * ...", lambda v: v * 1.0
    return None


def _probe_depth(make: Callable[[float], Any], step: Callable[[Any], Any], depth: int) -> str | None:
    """None if a chain ``depth`` deep backpropagates to d/dx = 1; else what went wrong.

    The collector is paused meanwhile: a closure-based engine's graph is cyclic garbage, and
    full collections over it would dominate the time (they resume, as they were, after).
    """
    stage = "building the chain"
    try:
        with gc_paused():
            x = make(0.5)
            v = x
            for _ in range(depth):
                v = step(v)
            stage = "backward()"
            v.backward()
            got = _num(x.grad, "x.grad")
    except RecursionError:
        return f"RecursionError in {stage}"
    except Exception as e:
        return f"{type(e).__name__} in {stage}: {e}"
    if not _close(got, 1.0, REF_ATOL, REF_RTOL):
        return f"dx = {_g(got)}, expected 1.0"
    return None


def _check_deep(run: _Run, passed: list[Form], depths: Sequence[int]) -> None:
    chosen = _chain_step(passed)
    if chosen is None:
        run.add("deep-chain", "chain", "note", "skipped: needs x + 2 or x * 2 to pass")
        return
    text, step = chosen
    ok = 0
    for depth in depths:
        start = time.perf_counter()
        err = _probe_depth(run.make, step, depth)
        took = time.perf_counter() - start
        if err is not None:
            first = depth
            if err.startswith("RecursionError"):
                lo, hi = ok, depth
                for _ in range(24):
                    if hi - lo <= (1 if hi <= 10000 else hi // 1000):
                        break
                    mid = (lo + hi) // 2
                    if _probe_depth(run.make, step, mid) is None:
                        lo = mid
                    else:
                        hi = mid
                first = hi
            where = f"works to depth {ok}, " if ok else ""
            run.fail("deep-chain", text, None, f"{text} ({depth} deep)",
                     f"deep-chain: {err} at depth {depth} ({where}first fails at depth {first}; Python's "
                     f"recursion limit is {sys.getrecursionlimit()}). A recursive topological sort or "
                     "backward cannot handle deep graphs: walk the graph with an explicit stack instead",
                     detail=f"{err} at depth {depth} ({where}first fails at depth {first})")
            return
        ok = depth
        if took > SLOW_PROBE and depth != depths[-1]:
            run.add("deep-chain", text, "pass", f"to depth {depth} (took {took:.1f} s: deeper not tried)")
            return
    run.add("deep-chain", text, "pass", f"depths {', '.join(map(str, depths))}: dx = 1.0")


def check_engine(make_value: Callable[[float], Any], *, ops: Sequence[str] | None = None,
                 max_examples: int = 100, seed: int = 0, checks: Sequence[str] | None = None,
                 depths: Sequence[int] = DEFAULT_DEPTHS) -> EngineReport:
    """Check a micrograd-style engine's gradients and pitfalls; return the report.

    ``make_value`` is the engine's ``Value`` class (or any function ``number -> Value``).
    ``ops`` limits the op check to these op-table names (default: every op, so missing ones
    are listed); ``checks`` runs only these checks (default: all of :data:`CHECKS`).
    ``max_examples`` random expressions are tried by the fan-in check (a quarter as many
    points, at least 10, per op form); ``seed`` makes the run repeatable; ``depths`` are the
    deep-chain depths. An engine's gradient is right when it matches central differences
    of its own forward pass, ``(f(x + h) - f(x - h)) / 2h``, within gradcheck's tolerance
    and chaingrad's result within rounding.

    >>> from autograd import Value
    >>> report = check_engine(Value, max_examples=20, depths=(100, 1000))
    >>> report.ok, report.missing
    (True, ())
    """
    _check_protocol(make_value)
    if isinstance(max_examples, bool) or not isinstance(max_examples, int) or max_examples < 1:
        raise ValueError(f"check_engine: max_examples must be an int >= 1, got {max_examples!r}")
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise TypeError(f"check_engine: seed must be an int, got {type(seed).__name__}: {seed!r}")
    if ops is not None:
        ops = [ops] if isinstance(ops, str) else list(ops)
        unknown = [o for o in ops if o not in OPS]
        if unknown:
            raise ValueError(f"check_engine: no op named {', '.join(map(repr, unknown))}; "
                             f"the ops are {', '.join(OPS)}")
    selected = list(CHECKS) if checks is None else ([checks] if isinstance(checks, str) else list(checks))
    unknown = [c for c in selected if c not in CHECKS]
    if unknown:
        raise ValueError(f"check_engine: no check named {', '.join(map(repr, unknown))}; "
                         f"the checks are {', '.join(CHECKS)}")
    if not depths or any(isinstance(d, bool) or not isinstance(d, int) or d < 1 for d in depths):
        raise ValueError(f"check_engine: depths must be ints >= 1, got {depths!r}")
    run = _Run(make_value, seed, max_examples, [], [])
    forms = all_forms(ops)
    passed, missing, missing_forms = _check_ops(run, forms)
    if "op" not in selected:  # the probe still ran: later checks build on the ops that work
        run.results.clear()
        run.failures.clear()
    # The pitfall checks build on forms that passed the op check (or were not in it but work).
    checked = {f.key for f in forms}
    base = passed + [f for f in all_forms() if f.key not in checked and _probe(make_value, f) is None]
    steps = {
        "fan-in": lambda: _check_dags(run, passed),
        "topo-order": lambda: _check_topo(run, base),
        "square": lambda: _check_square(run, base),
        "accumulation": lambda: _check_accumulation(run, base),
        "zero-grad": lambda: _check_zero(run, base),
        "deep-chain": lambda: _check_deep(run, base, sorted(depths)),
        "reuse": lambda: _check_reuse(run, base),
    }
    for name in CHECKS[1:]:
        if name in selected:
            steps[name]()
    return EngineReport(_engine_name(make_value), tuple(run.results), tuple(run.failures), tuple(missing),
                        tuple(missing_forms), seed, max_examples)


def assert_engine_correct(make_value: Callable[[float], Any], **options: Any) -> EngineReport:
    """:func:`check_engine`, raising :class:`EngineCheckError` (an ``AssertionError``, with the
    report as its message and ``.report``) if any check fails. For a student's test file:

    >>> from autograd import Value
    >>> def test_my_engine():
    ...     assert_engine_correct(Value, max_examples=20, depths=(100,))
    >>> test_my_engine()
    """
    report = check_engine(make_value, **options)
    if not report.ok:
        raise EngineCheckError(report)
    return report

