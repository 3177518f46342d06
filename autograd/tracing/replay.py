"""The :class:`Traced` callable: record → fuse → schedule → lower once, then replay per call."""

from __future__ import annotations

import math
import struct
import threading
import weakref
from collections.abc import Callable
from typing import Any

from ..backward import grad as _grad
from ..modes import gc_paused
from ..value import LOCK, Value
from .ir import CONST, Guard, Program, eqn_text
from .lower_numpy import NonFinite, lower_numpy, numpy_available
from .lower_python import lower_python
from .passes import fuse, schedule
from .record import Recording, describe, flatten, paths, record, unflatten, with_grads

__all__ = ["BACKENDS", "TraceMismatchError", "Traced", "trace"]

BACKENDS = ("auto", "python", "numpy")
# backend="auto" takes numpy for programs with at least this many instructions per level
# on average: an array call costs microseconds, so a narrow, deep graph (a long chain) runs
# faster as Python loops.
AUTO_MIN_WIDTH = 8


class TraceMismatchError(RuntimeError):
    """The replay would not give the engine's numbers: a guard failed, or ``validate`` found a difference.

    ``guard`` is the :class:`~.ir.Guard` that failed, or ``None`` for a difference found by
    ``validate=True``.
    """

    def __init__(self, message: str, guard: Guard | None = None) -> None:
        super().__init__(message)
        self.guard = guard


_ADVICE = (
    "The trace records one graph; trace again for these inputs (nn.train.fit does this by itself), "
    "or run this step with the dynamic engine."
)


class Traced:
    """A function's graph recorded once; call it to replay forward and backward.

    ``traced(*args, gradient=1.0, validate=False) -> float`` takes arguments with the
    structure of the example arguments (numbers or Values in the same nested lists,
    tuples and dicts), returns the output's value, and adds ``d output / d p · gradient``
    to ``p.grad`` for every parameter ``p`` (see :attr:`parameters`), reading each
    parameter's *current* ``data``. ``traced.forward(*args)`` computes the value only.
    ``print(traced)`` shows the program that runs (:attr:`program`).

    >>> from autograd import Value, trace
    >>> w = Value(2.0)
    >>> f = trace(lambda x: (w * x).tanh(), 0.5, backend="python")
    >>> round(f(0.5), 6), round(w.grad, 6)          # tanh(1), 0.5·(1 - tanh²(1))
    (0.761594, 0.209987)
    >>> w.data = -1.0; round(f(3.0), 6)              # new parameter value, new input
    -0.995055
    """

    def __init__(self, fn: Callable[..., Value], args: tuple[Any, ...], backend: str = "auto") -> None:
        if backend not in BACKENDS:
            raise ValueError(
                f"trace(): backend must be one of {', '.join(map(repr, BACKENDS))}, got {backend!r}")
        # one replay at a time per Traced: the numpy lowering computes in buffers it allocated once
        self._lock = threading.Lock()
        with gc_paused():  # tracing allocates ~4 objects per node, none in a cycle: no collector passes
            self._build(fn, args, backend)

    def _build(self, fn: Callable[..., Value], args: tuple[Any, ...], backend: str) -> None:
        rec = record(fn, args, grads=False)  # fuse derives the backward instructions it runs
        self.fn = fn
        program = schedule(fuse(rec.program))
        if backend == "auto":
            wide = len(program.eqn_records) >= AUTO_MIN_WIDTH * max(1, len(program.levels))
            backend = "numpy" if wide and numpy_available() else "python"
        self.parameters: tuple[Value, ...] = rec.parameters
        self.backend = backend
        self._shape, self._extras_shape = rec.shape, rec.extras_shape
        self._python = lower_python(program) if backend == "python" else None
        self._numpy = lower_numpy(program) if backend == "numpy" else None
        # Programs keep their records as plain tuples (see ir.Program): the collector stops
        # tracking them, so a live trace does not slow every full collection down.
        self._program = program
        self._recorded = rec.program  # without its backward instructions until read
        self._recorded_view: Any = None

    @property
    def recorded(self) -> Program:
        """The program as recorded (one instruction per op node), before fusing; its backward
        instructions are derived when first read, and shared while someone holds it."""
        ref = self._recorded_view
        p = ref() if ref is not None else None
        if p is None:
            p = with_grads(self._recorded)
            self._recorded_view = weakref.ref(p)
        return p

    @property
    def program(self) -> Program:
        """The program that runs: fused and scheduled."""
        return self._program

    # -------------------------------------------------------------- replaying

    def _inputs(self, args: tuple[Any, ...]) -> list[float]:
        leaves, shape = flatten(args)
        if shape != self._shape:
            now = paths(args)
            then = paths(unflatten(self._shape, [0.0] * len(self._program.inputs)))
            for (path, tok), (_, tok0) in zip(now, then):
                if tok != tok0:
                    raise TypeError(
                        f"traced function called with arguments of a different structure: {path} is "
                        f"{describe(tok)}, but was {describe(tok0)} when traced. Trace again for "
                        "this structure."
                    )
            raise TypeError(
                f"traced function called with {len(now)} argument parts, traced with {len(then)}; "
                "trace again for this structure."
            )
        return leaves

    def _py(self) -> Any:
        if self._python is None:
            self._python = lower_python(self.program)
        return self._python

    def _run(self, xs: list[float], gradient: float | None) -> tuple[list[float], list[float]]:
        """(outputs, parameter gradients) for inputs ``xs``; guards checked before any gradient."""
        ps = [p.data for p in self.parameters]
        with self._lock:
            low = self._numpy
            if low is not None:
                try:
                    v = low.forward(xs, ps)
                except NonFinite:  # the engine's semantics for inf / nan / domain errors
                    low = self._py()
                    v = low.forward(xs, ps)
            else:
                low = self._py()
                v = low.forward(xs, ps)
            self._check_guards(low, v)
            outs = low.outputs(v)
            grads = low.backward(v, gradient) if gradient is not None else []
        return outs, grads

    def _check_guards(self, low: Any, v: Any) -> None:
        check = low.guard_check
        if check is None or check(v):
            return
        program = self.program
        name = [x.name for x in program.vars]
        for g in program.guards:
            a = v[low.slot[g.lhs]] if g.lhs is not None else g.lhs_value
            b = v[low.slot[g.rhs]] if g.rhs is not None else g.rhs_value
            got = {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[g.op]
            if bool(got) != g.expected:
                lhs = name[g.lhs] if g.lhs is not None else repr(g.lhs_value)
                rhs = name[g.rhs] if g.rhs is not None else repr(g.rhs_value)
                raise TraceMismatchError(
                    f"guard failed: the comparison {lhs} {g.op} {rhs} at {g.where} was {g.expected} when "
                    f"traced and is {not g.expected} now ({float(a)!r} {g.op} {float(b)!r}), so the "
                    f"function may build another graph. {_ADVICE}", guard=g
                )

    def _result(self, outs: list[float]) -> Any:
        if self._extras_shape is None:
            return outs[0]
        return outs[0], unflatten(self._extras_shape, outs[1:])

    def forward(self, *args: Any) -> Any:
        """The output's value for ``args`` and the current parameters; no gradients."""
        outs, _ = self._run(self._inputs(args), None)
        return self._result(outs)

    def __call__(self, *args: Any, gradient: float = 1.0, validate: bool = False) -> Any:
        xs = self._inputs(args)
        if isinstance(gradient, Value):
            gradient = gradient.data
        elif not isinstance(gradient, (int, float)):
            raise TypeError(f"gradient must be a number, got {type(gradient).__name__}: {gradient!r}")
        outs, grads = self._run(xs, float(gradient))
        if validate:
            self._validate(args, outs[0], grads, float(gradient))
        with LOCK:  # the engine's lock: a backward() on the same parameters never interleaves
            for p, d in zip(self.parameters, grads):
                p.grad += d
        return self._result(outs)

    # -------------------------------------------------------------- validating

    def _validate(self, args: tuple[Any, ...], out_value: float, grads: list[float], gradient: float) -> None:
        """Re-record ``fn`` on ``args`` and compare programs, leaves, the value and every gradient."""
        try:
            now = record(self.fn, args, keep_output=True, grads=False)
        except TypeError as e:
            raise TraceMismatchError(f"the function now returns something else: {e}") from None
        _compare_programs(self._recorded, now.program)
        _compare_leaves(self, now)
        out = now.output  # the dynamic engine's numbers, from the graph just built
        assert out is not None
        dyn_out = out.data
        dyn_grads = _grad(out, now.parameters, gradient=gradient) if now.parameters else ()
        if not _same(out_value, dyn_out):
            raise TraceMismatchError(
                f"replayed output {out_value!r} but the dynamic engine gives {dyn_out!r}")
        for p, a, b in zip(self.parameters, grads, dyn_grads):
            if not _same(a, b):
                raise TraceMismatchError(
                    f"replayed gradient {a!r} for parameter {p!r} but the dynamic engine gives {b!r}"
                )

    # -------------------------------------------------------------- showing

    def __str__(self) -> str:
        name = getattr(self.fn, "__name__", type(self.fn).__name__)
        return f"# trace of {name}, backend {self.backend!r}\n{self.program}"

    def __repr__(self) -> str:
        name = getattr(self.fn, "__name__", type(self.fn).__name__)
        p = self._program
        return (
            f"Traced({name}, nodes={len(self._recorded.eqn_records)}, instructions={len(p.eqn_records)}, "
            f"levels={len(p.levels)}, parameters={len(self.parameters)}, inputs={len(p.inputs)}, "
            f"guards={len(p.guards)}, backend={self.backend!r})"
        )


def _bits(x: float) -> bytes:
    return struct.pack("<d", x)


def _same(a: float, b: float) -> bool:
    """Bit for bit (both backends promise the engine's exact numbers); any NaN equals any NaN."""
    return _bits(a) == _bits(b) or (math.isnan(a) and math.isnan(b))


def _compare_programs(then: Program, now: Program) -> None:
    """Raise :class:`TraceMismatchError` where ``now`` (recorded again) is not ``then``'s graph.

    Compares the records themselves (plain tuples: one C-level comparison for all the
    instructions); the named views are built only to word a difference.
    """
    vars_then, vars_now = then.var_records, now.var_records
    eqns_then, eqns_now = then.eqn_records, now.eqn_records
    if len(eqns_now) != len(eqns_then) or len(vars_now) != len(vars_then):
        raise TraceMismatchError(
            f"the function built a graph of {len(eqns_now)} op nodes and {len(vars_now) - len(eqns_now)} "
            f"leaves for these inputs; the trace has {len(eqns_then)} and {len(vars_then) - len(eqns_then)}. "
            f"A Python branch on data (an `if` on .data) chose differently. {_ADVICE}"
        )
    for k, (a, b) in enumerate(zip(vars_then, vars_now)):  # (kind, name, value) records
        if a[0] != b[0]:  # equal counts of leaves and of results: a leaf, whose record has its name
            raise TraceMismatchError(
                f"leaf {k} is a {b[0]} now but was a {a[0]} ({a[1]}) when traced. {_ADVICE}")
        if a[0] == CONST and _bits(a[2]) != _bits(b[2]):
            raise TraceMismatchError(
                f"constant {a[1]} is {b[2]!r} now but was {a[2]!r} when traced: a plain number "
                f"inside the function changed. Pass it as an argument instead. {_ADVICE}"
            )
    if eqns_then == eqns_now:
        return
    name_then = [v.name for v in then.vars]
    name_now = [v.name for v in now.vars]
    for a, b in zip(then.eqns, now.eqns):
        if a != b:
            raise TraceMismatchError(
                f"instruction `{eqn_text(a, name_then)}` is `{eqn_text(b, name_now)}` now: a Python branch "
                f"on data chose another graph. {_ADVICE}"
            )


def _compare_leaves(t: Traced, now: Recording) -> None:
    """Each parameter must be the same object (two parameters of equal value are not the same)."""
    then = t.parameters
    position = {id(p): k for k, p in enumerate(then)}
    recorded = t._recorded
    variables = recorded.var_records  # (kind, name, value): a parameter's record carries its name
    names = [variables[i][1] for i in recorded.params]
    unknown = []
    for k, (a, b) in enumerate(zip(then, now.parameters)):
        if a is b:
            continue
        j = position.get(id(b))
        if j is not None:
            raise TraceMismatchError(
                f"the function now uses parameter {names[j]} where it used {names[k]} when traced "
                f"(a branch chose another parameter; equal values do not make them the same). {_ADVICE}"
            )
        unknown.append((k, b))
    if not unknown:
        return
    # a leaf made inside fn is new on every run; a parameter is not
    again = record(t.fn, _args_of(now), grads=False)
    for k, b in unknown:
        if again.parameters[k] is b:
            raise TraceMismatchError(
                f"the function now uses a parameter {b!r} that it did not use when traced (in place of "
                f"{names[k]}): a branch chose another parameter. {_ADVICE}"
            )
        if _bits(b.data) != _bits(variables[recorded.params[k]][2]):
            raise TraceMismatchError(
                f"the function creates a leaf {b!r} whose value changed since tracing (was "
                f"{variables[recorded.params[k]][2]!r}); pass such numbers as arguments "
                f"instead. {_ADVICE}"
            )


def _args_of(rec: Recording) -> tuple[Any, ...]:
    variables = rec.program.var_records
    return unflatten(rec.shape, [variables[i][2] for i in rec.program.inputs])  # [2]: a Var record's value


def trace(fn: Callable[..., Value], *example_args: Any, backend: str = "auto") -> Traced:
    """Record ``fn``'s graph on ``example_args`` once; return a fast replaying :class:`Traced`.

    ``fn(*args)`` must return one Value, or a pair ``(Value, extras)`` where ``extras`` is a
    Value or nested lists/tuples of Values the first one depends on (e.g. a model's outputs,
    for metrics): the replay then returns ``(value, extras as floats)``. Its arguments may
    be numbers, Values, or nested lists/tuples/dicts of them; each number becomes an input
    leaf. Every other leaf the output depends on (except constants made from plain
    numbers) is a *parameter*: its current ``data`` is read at each call and its ``grad``
    receives ``d output / d parameter · gradient`` (``+=``, exactly as ``backward()``).

    ``backend``: ``"python"`` replays with compiled Python loops; ``"numpy"`` runs each
    level as array operations (the ``fast`` extra); both give the engine's numbers bit for
    bit. ``"auto"`` takes numpy when it is installed and the program is wide enough
    (:data:`AUTO_MIN_WIDTH` instructions per level) to gain from it. Comparisons of Values
    become guards checked on every call
    (``TraceMismatchError`` when one flips); ``relu``, ``abs``, ``max``, ``min`` are
    recomputed from the current numbers. A Python ``if`` on ``.data`` cannot be seen:
    ``traced(..., validate=True)`` re-runs ``fn`` with the dynamic engine and compares.

    >>> from autograd import Value
    >>> w, b = Value(0.5), Value(0.1)
    >>> loss = trace(lambda x, y: (w * x + b - y) ** 2, 1.0, 2.0)   # (wx + b - y)²
    >>> round(loss(3.0, 1.0), 12)
    0.36
    >>> round(w.grad, 12), round(b.grad, 12)                     # 2(wx+b-y)·x, 2(wx+b-y)
    (3.6, 1.2)
    """
    return Traced(fn, example_args, backend)
