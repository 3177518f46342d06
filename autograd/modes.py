"""Recording modes: ``no_grad`` (build no graph), ``detect_anomaly`` (find the first NaN) and
``scope`` (name the nodes built inside a block).

All three are context variables, so a ``no_grad`` block in one thread (or asyncio task) never
changes what another records. A process-wide counter of active blocks lets the hot path of
every op skip the context-variable lookup when no mode is active anywhere.
"""

from __future__ import annotations

import contextvars
import gc
import os
import threading
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any


class AnomalyError(FloatingPointError):
    """Raised under :func:`detect_anomaly` by the first op whose value or gradient is NaN or infinite."""


@dataclass
class _Anomaly:
    """Where each node recorded under anomaly mode was created: id -> (node, stack text)."""

    traces: dict[int, tuple[Any, str]] = field(default_factory=dict)


@dataclass(frozen=True)
class _State:
    grad_enabled: bool = True
    anomaly: _Anomaly | None = None
    scope: str = ""
    # Called as compare(a, op, b, result) by every comparison of Values (``a < b`` ...):
    # how ``autograd.trace`` turns data-dependent decisions into guards.
    compare: Callable[[Any, str, Any, bool], None] | None = None


# The recording state of each thread / task (read on the hot path as STATE.get()).
STATE: contextvars.ContextVar[_State] = contextvars.ContextVar("chaingrad_mode", default=_State())  # noqa: B039 (frozen)
_LOCK = threading.Lock()
# Number of no_grad / detect_anomaly blocks open anywhere in the process. Read on the hot
# path as ACTIVE[0]; when 0, no context variable needs to be consulted.
ACTIVE = [0]
# Number of comparisons_reported blocks open anywhere: comparisons of Values read COMPARE[0]
# (ops keep their fast path, which only reads ACTIVE).
COMPARE = [0]
_PKG_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep


def state() -> _State:
    """The recording state of the current context."""
    return STATE.get()


def is_grad_enabled() -> bool:
    """True unless inside :func:`no_grad` (in this thread / task).

    >>> from autograd import is_grad_enabled, no_grad
    >>> with no_grad():
    ...     is_grad_enabled()
    False
    """
    return STATE.get().grad_enabled


def _push(changes: dict[str, Any], counter: list[int]) -> contextvars.Token[_State]:
    """Enter a mode: the current state with ``changes``, counted in ``counter`` (ACTIVE/COMPARE)."""
    token = STATE.set(replace(STATE.get(), **changes))
    with _LOCK:
        counter[0] += 1
    return token


def _pop(token: contextvars.Token[_State], counter: list[int]) -> None:
    with _LOCK:
        counter[0] -= 1
    STATE.reset(token)


@contextmanager
def _enter(counter: list[int] = ACTIVE, **changes: Any) -> Iterator[None]:
    token = _push(changes, counter)
    try:
        yield
    finally:
        _pop(token, counter)


@contextmanager
def no_grad() -> Iterator[None]:
    """Inside this block ops compute values but record no graph: results are leaves.

    Use it for evaluation and for parameter updates. It is a context variable, so it is
    local to the current thread or asyncio task.

    >>> from autograd import Value, no_grad
    >>> x = Value(2.0)
    >>> with no_grad():
    ...     y = x * x
    >>> y.data, y.children
    (4.0, ())
    """
    with _enter(grad_enabled=False):
        yield


@contextmanager
def detect_anomaly() -> Iterator[None]:
    """Raise :class:`AnomalyError` at the first op whose value or gradient is NaN or ±inf.

    Forward values are checked as each node is built; gradients are checked during
    ``backward()``/``grad()``, and the error shows where the offending node was created
    (like PyTorch's anomaly mode). It records a stack per node, so it is slow: use it to
    debug, not to train.

    >>> from autograd import Value, detect_anomaly
    >>> with detect_anomaly():
    ...     y = Value(0.0).sqrt() * 0.0
    ...     y.backward()  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    autograd.modes.AnomalyError: ...
    """
    with _enter(anomaly=STATE.get().anomaly or _Anomaly()):
        yield


class scope:
    """Tag every node built inside the block with ``name`` (nested blocks join with ``.``).

    The renderer and the stepper group and name nodes by it; ``nn`` modules enter their
    attribute path (``layers.0.neurons.3``) around their forward pass. Like ``no_grad`` it
    is a context variable: local to the current thread or asyncio task. (A class rather
    than a generator: modules enter one per call, and this costs a third as much.)

    >>> from autograd import Value, scope
    >>> x = Value(2.0)
    >>> with scope("layer"):
    ...     with scope("neuron"):
    ...         y = x * 3
    >>> y.scope, x.scope
    ('layer.neuron', '')
    """

    __slots__ = ("_tokens", "name")

    def __init__(self, name: str) -> None:
        if type(name) is not str or not name:
            raise TypeError(f"scope() takes a non-empty str name, got {type(name).__name__}: {name!r}")
        self.name = name
        self._tokens: list[contextvars.Token[_State]] = []

    def __enter__(self) -> None:
        outer = STATE.get().scope
        self._tokens.append(_push({"scope": f"{outer}.{self.name}" if outer else self.name}, ACTIVE))

    def __exit__(self, *exc: object) -> None:
        _pop(self._tokens.pop(), ACTIVE)


@contextmanager
def comparisons_reported(callback: Callable[[Any, str, Any, bool], None]) -> Iterator[None]:
    """Inside this block every comparison of Values calls ``callback(a, op, b, result)``.

    ``op`` is ``"<"``, ``"<="``, ``">"`` or ``">="`` and ``result`` the bool the comparison
    returned; ``autograd.trace`` records these as guards. Local to the thread or task.

    For example (tests/autograd/test_trace_guards.py runs it)::

        seen = []
        with comparisons_reported(lambda a, op, b, r: seen.append((op, b, r))):
            Value(2.0) > 1
        seen == [(">", 1, True)]
    """
    with _enter(COMPARE, compare=callback):
        yield


def current_scope() -> str:
    """The dotted name of the :func:`scope` blocks open in this context ("" outside any)."""
    return STATE.get().scope


# The open gc_paused() blocks of the whole process (the collector is process-wide) and the
# state the first of them found.
_GC_LOCK = threading.Lock()
_gc_pauses = 0
_gc_was_enabled = False


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector inside the block; restore it on exit.

    Building a big graph allocates one object per node, and the collector's full passes
    over all live objects then cost a large share of the time (see the README's Speed
    section). chaingrad's graphs contain no reference cycles (local derivatives are stored
    numbers, not closures), so reference counting frees them without the collector. The
    collector is process-wide, so this is your explicit choice: other threads' cyclic
    garbage is not collected while the block runs either. Blocks may nest, and overlap in
    several threads (``fit`` in two threads): the collector stays paused until the last
    open block ends, which restores the state the first one found (re-enabled only if it
    was enabled then).

    >>> import gc
    >>> with gc_paused():
    ...     gc.isenabled()
    False
    >>> gc.isenabled()
    True
    """
    global _gc_pauses, _gc_was_enabled
    with _GC_LOCK:
        if _gc_pauses == 0:
            _gc_was_enabled = gc.isenabled()
        _gc_pauses += 1
        gc.disable()
    try:
        yield
    finally:
        with _GC_LOCK:
            _gc_pauses -= 1
            if _gc_pauses == 0 and _gc_was_enabled:
                gc.enable()


def creation_trace() -> str:
    """The current stack, without chaingrad's own frames, for anomaly reports."""
    frames = [f for f in traceback.extract_stack()[:-1] if not f.filename.startswith(_PKG_DIR)]
    return "".join(traceback.format_list(frames[-8:]))
