"""Pass 1, record: run the function once on Values and write down what the engine did.

:func:`record` calls ``fn`` on fresh input leaves with comparisons of Values reported
(each becomes a :class:`~.ir.Guard`), walks the graph it returns with the same public
walk ``backward()`` uses, and returns a :class:`~.ir.Program` whose backward instructions
list every gradient contribution in exactly the order ``backward()`` adds them.
"""

from __future__ import annotations

import numbers
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import repeat
from typing import Any

from ..modes import comparisons_reported, is_grad_enabled
from ..ops import exponent_of, op_of
from ..value import Value, operands, walk
from .ir import CONST, INPUT, PARAM, RESULT, Guard, Program

__all__ = ["Recording", "backward_records", "flatten", "record", "unflatten", "with_grads"]

_PKG_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep


# ----------------------------------------------------------------------------- arguments


def flatten(args: tuple[Any, ...]) -> tuple[list[float], list[Any]]:
    """The numbers in nested lists/tuples/dicts of numbers and Values, and their shape."""
    leaves: list[float] = []
    shape: list[Any] = []
    stack: list[Any] = [args]
    while stack:
        x = stack.pop()
        t = type(x)
        if t is float:
            leaves.append(x)
            shape.append(0)
        elif t is list or t is tuple:
            shape.append((t, len(x)))
            stack.extend(reversed(x))
        elif isinstance(x, Value):
            leaves.append(x.data)
            shape.append(0)
        elif t is int or t is bool or isinstance(x, numbers.Real):
            leaves.append(float(x))
            shape.append(0)
        elif t is dict:
            keys = tuple(x)
            shape.append((dict, keys))
            stack.extend(x[k] for k in reversed(keys))
        else:
            raise TypeError(
                f"trace: arguments must be numbers, Values, or lists/tuples/dicts of them; "
                f"got {t.__name__}: {x!r}. Pass other objects by closing over them in the function."
            )
    return leaves, shape


def unflatten(shape: list[Any], leaves: list[Any]) -> Any:
    """Rebuild the object of ``shape`` with ``leaves`` in place of its numbers."""
    it_shape = iter(shape)
    it_leaves = iter(leaves)
    root_kind = next(it_shape)
    if root_kind == 0:
        return next(it_leaves)
    stack: list[tuple[Any, list[Any]]] = [(root_kind, [])]
    while True:
        kind, items = stack[-1]
        want = kind[1] if kind[0] is not dict else len(kind[1])
        if len(items) == want:
            stack.pop()
            t = kind[0]
            obj: Any = dict(zip(kind[1], items)) if t is dict else (items if t is list else tuple(items))
            if not stack:
                return obj
            stack[-1][1].append(obj)
            continue
        s = next(it_shape)
        if s == 0:
            items.append(next(it_leaves))
        else:
            stack.append((s, []))


def paths(args: Any) -> list[tuple[str, Any]]:
    """(path, shape token) in the order of :func:`flatten`, for error messages."""
    out: list[tuple[str, Any]] = []
    stack: list[tuple[str, Any]] = [("args", args)]
    while stack:
        path, x = stack.pop()
        t = type(x)
        if t is list or t is tuple:
            out.append((path, (t, len(x))))
            stack.extend((f"{path}[{i}]", x[i]) for i in reversed(range(len(x))))
        elif t is dict:
            out.append((path, (dict, tuple(x))))
            stack.extend((f"{path}[{k!r}]", x[k]) for k in reversed(tuple(x)))
        else:
            out.append((path, 0))
    return out


def describe(token: Any) -> str:
    if token == 0:
        return "a number"
    t, n = token
    return f"a dict with keys {list(n)}" if t is dict else f"a {t.__name__} of length {n}"


def split_result(result: Any) -> tuple[Value, Any]:
    """``(output, extras)`` from what the traced function returned (extras may be None)."""
    if isinstance(result, Value):
        return result, None
    if isinstance(result, tuple) and len(result) == 2 and isinstance(result[0], Value):
        return result
    raise TypeError(
        "trace() needs a function that returns one Value (e.g. a loss), or a pair (Value, extras) "
        f"with extras Values it depends on; got {type(result).__name__}"
    )


def flatten_values(extras: Any) -> tuple[list[Value], list[Any]]:
    """The Values in ``extras`` (a Value or nested lists/tuples of them) and its shape."""
    nodes: list[Value] = []
    shape: list[Any] = []
    stack = [extras]
    while stack:
        x = stack.pop()
        t = type(x)
        if t is list or t is tuple:
            shape.append((t, len(x)))
            stack.extend(reversed(x))
        elif isinstance(x, Value):
            nodes.append(x)
            shape.append(0)
        else:
            raise TypeError(f"trace: extra outputs must be Values or lists/tuples of them, got {t.__name__}")
    return nodes, shape


# ----------------------------------------------------------------------------- recording


@dataclass(frozen=True)
class Recording:
    """A recorded program and the live objects it refers to."""

    program: Program
    parameters: tuple[Value, ...]  # the leaf behind each parameter var, in order
    shape: list[Any]  # the structure of the arguments
    extras_shape: list[Any] | None  # the structure of the extra outputs, if any
    output: Value | None = None  # the output node (kept only when asked: it holds the graph)


def _where() -> str:
    """``file:line`` of the innermost frame outside chaingrad's package (the user's comparison)."""
    f = sys._getframe(2)
    while f is not None and f.f_code.co_filename.startswith(_PKG_DIR):
        f = f.f_back
    if f is None:
        return "?"
    return f"{os.path.basename(f.f_code.co_filename)}:{f.f_lineno}"


def record(fn: Callable[..., Any], args: tuple[Any, ...], keep_output: bool = False,
           grads: bool = True) -> Recording:
    """Run ``fn(*args)`` on fresh input leaves and record its graph as a :class:`Program`.

    ``grads=False`` leaves the backward instructions out (``grad_records == ()``): :func:`~.passes.fuse`
    derives its own from the forward ones, and :func:`with_grads` adds them later.

    >>> from autograd import Value
    >>> w = Value(2.0, label="w")
    >>> print(record(lambda x: (w * x).tanh(), (0.5,)).program)
    { lambda x0 ; w .
      let
        v0 = w · x0
        v1 = tanh(v0)
      backward
        gv1 = gradient
        gv0 = gv1 · (1 − tanh(v0)²)
        gw = gv0 · x0
      guards: none
      in v1 }
    """
    if not callable(fn):
        raise TypeError(f"trace() needs a function, got {type(fn).__name__}: {fn!r}")
    if not is_grad_enabled():
        raise RuntimeError("trace() records a graph, which no_grad() prevents: call it outside no_grad()")
    numbers_in, shape = flatten(args)
    inputs = [Value(x) for x in numbers_in]
    compared: list[tuple[Any, str, Any, bool, str]] = []

    def on_compare(a: Any, op: str, b: Any, result: bool) -> None:
        compared.append((a, op, b, result, _where()))

    with comparisons_reported(on_compare):
        result = fn(*unflatten(shape, inputs))
    out, extras = split_result(result)
    extras_shape = None
    extra_nodes: list[Value] = []
    if extras is not None:
        extra_nodes, extras_shape = flatten_values(extras)
    program, params = build(out, inputs, extra_nodes, compared, grads)
    return Recording(program, params, shape, extras_shape, out if keep_output else None)


def build(out: Value, inputs: list[Value], extras: list[Value],
          compared: list[tuple[Any, str, Any, bool, str]],
          grads: bool = True) -> tuple[Program, tuple[Value, ...]]:
    """The program of the graph below ``out`` (and the extra outputs and compared Values)."""
    order = walk(out, leaves=True)
    roots = [*extras, *(x for a, _, b, _, _ in compared for x in (a, b) if isinstance(x, Value))]
    if roots:
        seen = set(order)  # the loss's nodes, then also those only a guard reads
        for k, e in enumerate(extras):
            if e not in seen:
                raise ValueError(
                    f"trace: extra output {k} ({e!r}) is not part of the output's graph; only values "
                    "the returned Value depends on can be replayed alongside it"
                )
        for r in roots:  # values a guard needs but the loss does not depend on
            if r not in seen:
                for n in walk(r, leaves=True):
                    if n not in seen:
                        seen.add(n)
                        order.append(n)
    var_of: dict[Value, int] = {}
    variables: list[tuple[str, str, float]] = []  # Var records
    used_names: set[str] = set()
    for k, x in enumerate(inputs):
        var_of[x] = k
        variables.append((INPUT, f"x{k}", x.data))
        used_names.add(f"x{k}")
    first, second = operands(order)
    leaves = [n for n, c0 in zip(order, first) if c0 is None and n not in var_of]  # no operand: a leaf
    params: list[Value] = []
    label_count: dict[str, int] = {}
    for n in leaves:
        if not n.is_constant:
            label_count[n.label] = label_count.get(n.label, 0) + 1
    for n in leaves:
        if n.is_constant:
            continue
        label = n.label  # a parameter is shown by its label when that names it alone
        unique = label_count[label] == 1 and label.isidentifier() and not _reserved(label)
        name = label if unique and label not in used_names else f"p{len(params)}"
        used_names.add(name)
        var_of[n] = len(variables)
        variables.append((PARAM, name, n.data))
        params.append(n)
    n_const = 0
    for n in leaves:
        if n.is_constant:
            var_of[n] = len(variables)
            variables.append((CONST, f"c{n_const}", n.data))
            n_const += 1
    eqns: list[tuple[str, tuple[int, ...], int, float | None]] = []  # Eqn records
    entries: dict[str, tuple[str, float | None]] = {}
    add_eqn = eqns.append
    k = n_leaves = len(variables)  # the next node's variable
    for n, c0, c1 in zip(order, first, second):
        if c0 is None:
            continue
        op = n.op
        got = entries.get(op)
        if got is None:
            entry = op_of(op)
            got = entries[op] = (entry.name, exponent_of(op) if entry.name == "**n" else None)
        var_of[n] = k
        add_eqn((got[0], (var_of[c0],) if c1 is None else (var_of[c0], var_of[c1]), k, got[1]))
        k += 1
    variables += [RESULT] * (k - n_leaves)  # the results' variables: v0, v1, ... in eqn order when read
    out_var, param_vars = var_of[out], tuple(var_of[p] for p in params)
    grad_records = backward_records(eqns, out_var, param_vars, len(variables)) if grads else ()
    guards = tuple(_guard(a, op, b, r, w, var_of) for a, op, b, r, w in compared)
    program = Program(tuple(variables), tuple(range(len(inputs))), param_vars, tuple(eqns),
                      (out_var, *(var_of[e] for e in extras)), grad_records, guards)
    return program, tuple(params)


def _reserved(name: str) -> bool:
    return len(name) > 1 and name[0] in "xpcvg" and name[1:].isdigit()


def with_grads(p: Program) -> Program:
    """``p`` with the backward instructions :func:`backward_records` derives from its forward ones."""
    return p.with_(grad_records=backward_records(p.eqn_records, p.outputs[0], p.params, len(p.var_records)))


Term = tuple[int, int]  # (index of the eqn the gradient flows from, operand position)


def backward_records(eqns: Sequence[tuple[str, tuple[int, ...], int, float | None]], out: int,
                     params: Sequence[int], n_vars: int, at_a: Sequence[Term] | None = None,
                     at_b: Sequence[Term] | None = None,
                     dropped: Sequence[int] = ()) -> tuple[tuple[int, tuple[Term, ...]], ...]:
    """The :class:`~.ir.GradEqn` records of every gradient that reaches a parameter, its terms
    in ``backward()``'s order.

    ``backward()`` visits the op nodes in reverse topological order and adds
    ``local · upstream`` to each child, first operand first; here each variable collects
    the same contributions in the same order, so ``0.0 + t1 + t2 + ...`` is the same float.
    ``eqns`` are recorded instructions (one or two operands each), in topological order;
    only those the output depends on contribute. A term of operand 0 / 1 of eqn ``k`` is
    written ``at_a[k]`` / ``at_b[k]`` (default ``(k, 0)`` / ``(k, 1)``; :func:`~.passes.fuse`
    points them at the fused instruction), and the variables in ``dropped`` get no record
    (fuse: the partial sums it folded away, whose gradient is exactly the next one's).
    """
    need = [False] * n_vars  # does a parameter lie below this variable?
    for i in params:
        need[i] = True
    for _, ins, o, _ in eqns:
        if need[ins[0]] or (len(ins) == 2 and need[ins[1]]):
            need[o] = True
    if not need[out]:
        return ()
    n = len(eqns)
    if at_a is None:
        at_a = list(zip(range(n), repeat(0)))
    if at_b is None:
        at_b = list(zip(range(n), repeat(1)))
    emit = [True] * n_vars
    emit[out] = False  # the seed is the first record
    for i in dropped:
        emit[i] = False
    # terms[var]: the contributions so far (None: none yet, or not needed); an instruction whose
    # output got none does not lie between the output and a parameter and is skipped
    terms: list[list[Term] | None] = [None] * n_vars
    terms[out] = []
    grads: list[tuple[int, tuple[Term, ...]]] = [(out, ())]
    add = grads.append
    for k in range(n - 1, -1, -1):
        _, ins, o, _ = eqns[k]
        t = terms[o]
        if t is None:
            continue
        if emit[o]:
            add((o, tuple(t)))
        terms[o] = None
        i = ins[0]
        if need[i]:
            t = terms[i]
            if t is None:
                terms[i] = [at_a[k]]
            else:
                t.append(at_a[k])
        if len(ins) == 2:
            i = ins[1]
            if need[i]:
                t = terms[i]
                if t is None:
                    terms[i] = [at_b[k]]
                else:
                    t.append(at_b[k])
    for i in params:
        t = terms[i]
        if t is not None:
            add((i, tuple(t)))
    return tuple(grads)


def _guard(a: Any, op: str, b: Any, result: bool, where: str, var_of: dict[Value, int]) -> Guard:
    lhs = var_of[a] if isinstance(a, Value) else None
    rhs = var_of[b] if isinstance(b, Value) else None
    return Guard(lhs, op, rhs, result, where, 0.0 if lhs is not None else float(a),
                 0.0 if rhs is not None else float(b))
