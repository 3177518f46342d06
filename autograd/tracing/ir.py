"""The trace's intermediate representation: a flat program of forward and backward instructions.

A :class:`Program` is what ``print(traced)`` shows, in the spirit of JAX's jaxprs: numbered
variables (inputs ``x``, parameters ``p``, constants ``c``, op results ``v``), one
:class:`Eqn` per forward instruction, one :class:`GradEqn` per gradient the backward pass
computes (its terms in exactly the order ``backward()`` adds them), and the
:class:`Guard` s checked on every call. Every pass (``record``, ``fuse``, ``schedule``)
takes and returns a Program, so each can be printed and tested alone.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from itertools import repeat
from operator import itemgetter
from typing import NamedTuple

from ..ops import op_of

__all__ = ["Eqn", "GradEqn", "Guard", "Packed", "Program", "Var", "pack", "result_vars", "unpack"]

INPUT, PARAM, CONST, NODE = "input", "param", "const", "node"
# Both lowerings keep 1.0 and -1.0 in value slots 0 and 1 and variable i in slot i + 2.
ONE, MINUS_ONE = 0, 1


class Var(NamedTuple):
    """One number of the program: an input, a parameter, a constant or an op's result.

    (``Var``, ``Eqn`` and ``GradEqn`` are named tuples: a program has one per node, and a
    tuple is the cheapest immutable record Python builds.)
    """

    kind: str
    name: str
    value: float = 0.0  # a constant's number (and, for a parameter, its value when traced)


class Eqn(NamedTuple):
    """``out = op(*ins)``: one forward instruction.

    ``op`` is an op-table name (``"+"``, ``"*"``, ``"tanh"``, ``"**n"`` with ``param`` the
    exponent), or ``"sum"``: the left fold ``((ins[0] + ins[1]) + ins[2]) + ...`` that a
    chain of single-use ``+`` nodes becomes when fused (the same additions in the same order).
    """

    op: str
    ins: tuple[int, ...]
    out: int
    param: float | None = None


class GradEqn(NamedTuple):
    """``g[var] = Σ local(eqn, pos) · g[eqns[eqn].out]`` over ``terms``, in this order.

    The order is the order in which ``backward()`` adds the contributions, so the sum is
    the same floating-point number.
    """

    var: int
    terms: tuple[tuple[int, int], ...]  # (index of the eqn the gradient flows from, operand position)


@dataclass(frozen=True, slots=True)
class Guard:
    """A comparison of Values made while tracing: ``lhs op rhs`` was ``expected``.

    ``lhs``/``rhs`` are variable ids, or ``None`` with the plain number in ``*_value``.
    """

    lhs: int | None
    op: str
    rhs: int | None
    expected: bool
    where: str
    lhs_value: float = 0.0
    rhs_value: float = 0.0


@dataclass(frozen=True, slots=True, weakref_slot=True)
class Program:
    """Forward instructions, backward instructions and guards over numbered variables."""

    vars: tuple[Var, ...]
    inputs: tuple[int, ...]  # var id of each flattened argument number
    params: tuple[int, ...]  # var ids of the parameters, in order
    eqns: tuple[Eqn, ...]  # forward, in topological order
    outputs: tuple[int, ...]  # the returned value's var, then any extra outputs
    grads: tuple[GradEqn, ...]  # backward, in execution order (parents before children)
    guards: tuple[Guard, ...] = ()
    levels: tuple[tuple[int, ...], ...] = field(default=())  # schedule: eqn indices per step

    def producer(self) -> dict[int, int]:
        """var id -> index of the eqn computing it."""
        return dict(zip([e[2] for e in self.eqns], range(len(self.eqns))))  # e[2]: e.out

    def with_(self, **changes: object) -> Program:
        return replace(self, **changes)  # type: ignore[arg-type]

    def __str__(self) -> str:
        return format_program(self)


# ----------------------------------------------------------------------------- keeping

# A Program as plain tuples: (vars, inputs, params, eqns, outputs, grads, guards, levels).
Packed = tuple


def pack(p: Program) -> Packed:
    """``p`` as nested plain tuples, which CPython's collector stops tracking after one pass.

    A program has a few records per node, and named tuples stay tracked forever: a live
    trace of micrograd's demo step held ~300k of them and made every full collection
    ~10x slower. Plain tuples of numbers and strings are untracked by the collections that
    see them (a tuple holding tuples once those are: two collections for a program).
    :func:`unpack` gives the Program back, equal field by field.

    >>> from autograd import Value
    >>> from autograd.tracing.record import record
    >>> w = Value(2.0)
    >>> p = record(lambda x: w * x, (1.0,)).program
    >>> type(pack(p)[3][0]) is tuple, unpack(pack(p)) == p
    (True, True)
    """
    return (tuple(map(_plain, p.vars)), p.inputs, p.params, tuple(map(_plain, p.eqns)), p.outputs,
            tuple(map(_plain, p.grads)), p.guards, p.levels)


_plain = itemgetter(slice(None))  # a named tuple's items as a plain tuple (a C-level copy)


_as_var, _as_eqn, _as_grad = (partial(tuple.__new__, t) for t in (Var, Eqn, GradEqn))


def result_vars(n: int) -> Iterator[Var]:
    """The variables ``v0, v1, … v{n-1}`` of ``n`` instruction results, in order, made in one
    C-level pass (without ``Var``'s Python-level ``__new__``: record and fuse make one per node).

    >>> [v.name for v in result_vars(3)]
    ['v0', 'v1', 'v2']
    """
    return map(_as_var, zip(repeat(NODE), map("v{}".format, range(n)), repeat(0.0)))


def unpack(t: Packed) -> Program:
    """The :class:`Program` that :func:`pack` packed (its records as named tuples again)."""
    vs, inputs, params, eqns, outputs, grads, guards, levels = t
    return Program(tuple(map(_as_var, vs)), inputs, params, tuple(map(_as_eqn, eqns)), outputs,
                   tuple(map(_as_grad, grads)), guards, levels)


# ----------------------------------------------------------------------------- printing

_TEMPLATES = {"+": "{a} + {b}", "-": "{a} - {b}", "*": "{a} * {b}", "/": "{a} / {b}", "**": "{a} ** {b}",
              "**n": "{a} ** {n}", "neg": "-{a}"}


def _num(x: float) -> str:
    return f"({x!r})" if x < 0 else repr(x)


def eqn_text(e: Eqn, name: list[str]) -> str:
    """``v3 = v1 * w0`` for one eqn (the op table's ``expr`` template where it has one)."""
    ins = [name[i] for i in e.ins]
    if e.op == "sum":
        return f"{name[e.out]} = {' + '.join(ins)}"
    entry = op_of(e.op if e.op != "**n" else f"**{e.param!r}")
    template = getattr(entry, "expr", None) or _TEMPLATES.get(entry.name) or (
        f"{entry.name}(" + ", ".join("{" + k + "}" for k in "ab"[: entry.arity]) + ")")
    n = "" if e.param is None else (repr(int(e.param)) if float(e.param).is_integer() else repr(e.param))
    return f"{name[e.out]} = " + template.format(a=ins[0], b=ins[1] if len(ins) > 1 else "", n=n)


_WORD = re.compile(r"\b(a|b|out)\b")


def local_text(e: Eqn, pos: int, name: list[str]) -> str | None:
    """The local derivative d out / d operand ``pos`` as text, ``None`` when it is 1."""
    if e.op in ("+", "sum") or (e.op == "-" and pos == 0):
        return None
    if e.op == "-" or e.op == "neg":
        return "-1"
    if e.op == "*":
        return name[e.ins[1 - pos]]
    entry = op_of(e.op if e.op != "**n" else f"**{e.param!r}")
    ab = {"a": name[e.ins[0]], "b": name[e.ins[1]] if len(e.ins) > 1 else "", "out": name[e.out]}
    forms = getattr(entry, "local_forms", None)
    if forms:
        n = "" if e.param is None else repr(e.param)
        return "(" + forms[pos].format(a=ab["a"], b=ab["b"], out=ab["out"], n=n) + ")"
    if entry.inline is not None:
        return "(" + _WORD.sub(lambda m: ab[m.group()], entry.inline[1][pos]) + ")"
    return f"∂{name[e.out]}/∂{ab['ab'[pos]]}"


def format_program(p: Program) -> str:
    """The program as text: inputs and parameters, forward lines, backward lines, guards."""
    name = [v.name for v in p.vars]
    lines = ["{ lambda " + " ".join(name[i] for i in p.inputs) + " ; "
             + " ".join(name[i] for i in p.params) + " ."]
    consts = [v for v in p.vars if v.kind == CONST]
    if consts:
        lines.append("  consts " + " ".join(f"{v.name}={v.value!r}" for v in consts))
    lines.append("  let")
    for e in p.eqns:
        lines.append("    " + eqn_text(e, name))
    lines.append("  backward")
    for ge in p.grads:
        if not ge.terms:
            lines.append(f"    g{name[ge.var]} = gradient")
            continue
        terms = []
        for k, pos in ge.terms:
            e = p.eqns[k]
            up = "g" + name[e.out]
            loc = local_text(e, pos, name)
            terms.append(up if loc is None else ("−" + up if loc == "-1" else f"{up} · {loc}"))
        lines.append(f"    g{name[ge.var]} = " + " + ".join(terms))
    if p.guards:
        lines.append("  guards")
        for g in p.guards:
            lhs = name[g.lhs] if g.lhs is not None else _num(g.lhs_value)
            rhs = name[g.rhs] if g.rhs is not None else _num(g.rhs_value)
            lines.append(f"    {lhs} {g.op} {rhs} is {g.expected}   ({g.where})")
    else:
        lines.append("  guards: none")
    lines.append("  in " + ", ".join(name[i] for i in p.outputs) + " }")
    return "\n".join(lines)


def local_slots(p: Program, stored: dict[tuple[int, int], int],
                slot: Sequence[int]) -> tuple[list[int], list[int]]:
    """Per eqn, the value slots of d out / d operand 0 and of d out / d operand 1 (or later).

    1.0 (slot :data:`ONE`) for ``+``/``sum``, the other operand for ``*``, -1.0 (:data:`MINUS_ONE`)
    for the negated operand of ``-``/``neg``, else the slot the lowering stored it in
    (``stored[(eqn, operand)]``). ``slot[var]`` is where the lowering keeps each variable;
    ``-1`` marks "no such operand". One pass over the instructions, no call per gradient term.
    """
    n = len(p.eqns)
    d0, d1 = [-1] * n, [-1] * n
    get = stored.get
    for k, (op, ins, _, _) in enumerate(p.eqns):
        if op == "+" or op == "sum":
            d0[k] = d1[k] = ONE
        elif op == "*":
            d0[k], d1[k] = slot[ins[1]], slot[ins[0]]
        elif op == "-":
            d0[k], d1[k] = ONE, MINUS_ONE
        elif op == "neg":
            d0[k] = MINUS_ONE
        else:
            d0[k], d1[k] = get((k, 0), -1), get((k, 1), -1)
    return d0, d1
