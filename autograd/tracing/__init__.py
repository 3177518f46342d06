"""Trace once, replay many: record a function's graph and rerun it on new numbers, fast.

A training loop rebuilds the same graph every step. :func:`trace` runs a function once on
example arguments, records the graph it builds, and returns a :class:`Traced` callable
that, given new input numbers, recomputes the output from the *current* values of the
parameters and adds the parameters' gradients into their ``.grad`` exactly as
``backward()`` would, without creating a Value per node. ``print(traced)`` shows the
program it runs.

It is a small compiler in four passes over one intermediate representation
(:mod:`.ir`), each a function that can be printed and tested alone:

1. :mod:`.record` runs the function on Values and writes the graph down as a
   :class:`~.ir.Program`: forward instructions, backward instructions listing every
   gradient contribution in ``backward()``'s order, and a guard per comparison of Values;
2. :func:`.passes.fuse` turns chains of single-use ``+`` into one ``sum`` (the same left fold),
   and derives the backward instructions of what it keeps from the recorded forward ones
   (``trace`` records without backward instructions, since the replay never runs the
   unfused ones; ``Traced.recorded`` derives them when read);
3. :func:`.passes.schedule` groups instructions into levels that can run at once;
4. :mod:`.lower_python` (compiled loops over a float list, bit-identical to the engine)
   or :mod:`.lower_numpy` (one array call per level and op; the ``fast`` extra).

Decisions taken on data are handled in three ways. ``relu``, ``abs``, ``max``, ``min``
(and every other op) are recomputed from the current numbers by the op table's rules, so
their side of a kink is never frozen. A comparison of Values (``a < b``, ``max(values)``
with Python's ``max``) is recorded as a guard, checked on every call before any gradient
is written; a guard that flips raises :class:`TraceMismatchError` naming the comparison and
where it was made (we raise rather than re-trace silently: a Traced object is one fixed,
printable program, and the caller knows best whether re-tracing is right;
``nn.train.fit(traced=True)`` re-traces). What cannot be guarded: Python code that reads
``.data`` and branches on it (``if x.data > 0:``), and plain numbers computed from data,
are invisible to the trace and frozen as they were. ``traced(..., validate=True)`` re-runs
the function with the dynamic engine and compares the programs instruction by instruction,
each parameter's identity (two parameters of equal value are not the same), every constant,
the output and every gradient, raising :class:`TraceMismatchError` on any difference.

Only what the output (and the extra outputs and guards) depends on is replayed: an op whose
result the function throws away is not recomputed, so it cannot raise on a later call as
the dynamic engine would.

The package is ``autograd.tracing`` rather than ``autograd.trace`` so that the function
``autograd.trace`` is never shadowed by its own subpackage (``import autograd.trace.x``
would rebind the name, and ``autograd.trace`` would mean two things).
"""

from .ir import Eqn, GradEqn, Guard, Program, Var
from .replay import BACKENDS, Traced, TraceMismatchError, trace

__all__ = ["BACKENDS", "Eqn", "GradEqn", "Guard", "Program", "TraceMismatchError", "Traced", "Var", "trace"]
