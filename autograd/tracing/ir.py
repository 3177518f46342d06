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
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from operator import itemgetter
from typing import NamedTuple

from ..ops import op_of

__all__ = ["PARTIAL_SUM", "RESULT", "Eqn", "GradEqn", "Guard", "Program", "Var"]

INPUT, PARAM, CONST, NODE = "input", "param", "const", "node"
# Both lowerings keep 1.0 and -1.0 in value slots 0 and 1 and variable i in slot i + 2.
ONE, MINUS_ONE = 0, 1


class Var(NamedTuple):
    """One number of the program: an input, a parameter, a constant or an op's result.

    (``Var``, ``Eqn`` and ``GradEqn`` name the fields of a :class:`Program`'s records, which
    it stores as plain tuples: see there.)
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
    """Forward instructions, backward instructions and guards over numbered variables.

    The records are stored as plain tuples in the field order of :class:`Var`, :class:`Eqn`
    and :class:`GradEqn` (``var_records``, ``eqn_records``, ``grad_records``): a program has
    a few records per node, CPython's collector stops tracking plain tuples of numbers and
    strings after one pass, and it never stops tracking named tuples (a live trace of
    micrograd's demo step held ~300k of them and made every full collection ~10x slower).
    ``vars``, ``eqns`` and ``grads`` give the records as named tuples, built anew at each read
    (read them once into a local when looping).

    >>> from autograd import Value
    >>> from autograd.tracing.record import record
    >>> w = Value(2.0)
    >>> p = record(lambda x: w * x, (1.0,)).program
    >>> p.eqn_records[0], p.eqns[0].op
    (('*', (1, 0), 2, None), '*')
    """

    var_records: tuple[tuple[str, str, float], ...]
    inputs: tuple[int, ...]  # var id of each flattened argument number
    params: tuple[int, ...]  # var ids of the parameters, in order
    eqn_records: tuple[tuple[str, tuple[int, ...], int, float | None], ...]  # forward, in topological order
    outputs: tuple[int, ...]  # the returned value's var, then any extra outputs
    grad_records: tuple[tuple[int, tuple[tuple[int, int], ...]], ...]  # backward, parents before children
    guards: tuple[Guard, ...] = ()
    levels: tuple[tuple[int, ...], ...] = field(default=())  # schedule: eqn indices per step

    @property
    def vars(self) -> tuple[Var, ...]:
        """The variables as :class:`Var` s (inputs, parameters, constants, then op results),
        the results named ``v0, v1, ...`` in instruction order (their records, :data:`RESULT`,
        carry no name: a program has one per node, and formatting the names costs more than
        the rest of a record)."""
        vs = list(map(_as_var, self.var_records))
        for j, o in enumerate(map(_OUT, self.eqn_records)):
            if vs[o][1] == "":  # [1]: name
                vs[o] = _as_var((NODE, f"v{j}", 0.0))
        return tuple(vs)

    @property
    def eqns(self) -> tuple[Eqn, ...]:
        """The forward instructions as :class:`Eqn` s, in topological order."""
        return tuple(map(_as_eqn, self.eqn_records))

    @property
    def grads(self) -> tuple[GradEqn, ...]:
        """The backward instructions as :class:`GradEqn` s, in execution order."""
        return tuple(map(_as_grad, self.grad_records))

    def producer(self) -> dict[int, int]:
        """var id -> index of the eqn computing it."""
        return dict(zip(map(_OUT, self.eqn_records), range(len(self.eqn_records))))

    def with_(self, **changes: object) -> Program:
        return replace(self, **changes)  # type: ignore[arg-type]

    def __str__(self) -> str:
        return format_program(self)


_OUT = itemgetter(2)  # an eqn record's out
RESULT = (NODE, "", 0.0)  # the record of an op's result (one object shared by all of them)
PARTIAL_SUM = (NODE, "(partial sum)", 0.0)  # the record of a '+' that fuse folded into the next one
_as_var, _as_eqn, _as_grad = (partial(tuple.__new__, t) for t in (Var, Eqn, GradEqn))


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
    variables, eqns = p.vars, p.eqns
    name = [v.name for v in variables]
    lines = ["{ lambda " + " ".join(name[i] for i in p.inputs) + " ; "
             + " ".join(name[i] for i in p.params) + " ."]
    consts = [v for v in variables if v.kind == CONST]
    if consts:
        lines.append("  consts " + " ".join(f"{v.name}={v.value!r}" for v in consts))
    lines.append("  let")
    for e in eqns:
        lines.append("    " + eqn_text(e, name))
    lines.append("  backward")
    for ge in p.grads:
        if not ge.terms:
            lines.append(f"    g{name[ge.var]} = gradient")
            continue
        terms = []
        for k, pos in ge.terms:
            e = eqns[k]
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
    n = len(p.eqn_records)
    d0, d1 = [-1] * n, [-1] * n
    get = stored.get
    for k, (op, ins, _, _) in enumerate(p.eqn_records):
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
