"""The forms in which an engine's ops are called, and small programs built from them.

A *form* is one way of calling an op through micrograd's protocol: ``x * y`` (two Values),
``x * 2`` (a number on the right), ``2 * x`` (a number on the left), ``x ** n``, ``-x``,
``tanh(x)`` (the method ``x.tanh()``). The same form works on any engine with that
protocol, so one :class:`Program` runs on the engine under test and on chaingrad's own
``Value`` alike: that is how chaingrad builds *its own copy* of a failing expression.

The forms come from the op table (:data:`autograd.ops.OPS`): an op added there is
checked on other engines too.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ..ops import OPS, Op

_OPERATORS: dict[str, Callable[[Any, Any], Any]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": operator.truediv,
    "**": operator.pow,
}
# The dunder method a learner writes for each form (named in messages about a missing form).
_DUNDERS = {"+": "add", "-": "sub", "*": "mul", "/": "truediv", "**": "pow"}


@dataclass(frozen=True)
class Form:
    """One way of calling op ``op``: ``kind`` is ``"vv"`` (Value op Value), ``"vn"`` (Value
    op number), ``"nv"`` (number op Value) or ``"v"`` (one Value).

    ``required``: micrograd's protocol has it, so an engine that has the op but not this
    form is broken (``2 * x`` without ``__rmul__``), rather than merely smaller.
    """

    key: str
    op: str
    kind: str
    required: bool = True

    @property
    def entry(self) -> Op:
        return OPS[self.op]

    @property
    def n_values(self) -> int:
        """How many Value operands the form takes."""
        return 2 if self.kind == "vv" else 1

    @property
    def has_const(self) -> bool:
        return self.kind in ("vn", "nv")

    @property
    def is_method(self) -> bool:
        """True for an op called as a method (``x.tanh()``, ``x.max(y)``), not an operator."""
        return self.op != "neg" and ("**" if self.op == "**n" else self.op) not in _OPERATORS

    def call(self, args: Sequence[Any], const: float | None = None) -> Any:
        """Apply the form to Values ``args`` (and the number ``const``), on any engine."""
        kind = self.kind
        if self.op == "neg":
            return -args[0]
        if self.is_method:
            method = getattr(args[0], self.entry.method or self.op)
            return method() if kind == "v" else method(args[1] if kind == "vv" else const)
        fn = _OPERATORS["**" if self.op == "**n" else self.op]
        if kind == "vv":
            return fn(args[0], args[1])
        if kind == "vn":
            return fn(args[0], const)
        return fn(const, args[0])

    def text(self, args: Sequence[str], const: float | None = None) -> str:
        """The form written with operand texts ``args``: ``"x * 2.5"``, ``"tanh(a)"``."""
        if self.op == "neg":
            return f"-{args[0]}"
        if self.kind == "v":
            return f"{self.op}({args[0]})"
        if self.is_method:
            other = args[1] if self.kind == "vv" else number_text(const)
            return f"{self.op}({args[0]}, {other})"
        sym = "**" if self.op == "**n" else self.op
        if self.kind == "vv":
            return f"{args[0]} {sym} {args[1]}"
        c = number_text(const)
        return f"{args[0]} {sym} {c}" if self.kind == "vn" else f"{c} {sym} {args[0]}"

    def op_args(self, xs: Sequence[float], const: float | None = None) -> tuple[float, ...]:
        """The op's operands in its own order, from the form's Value operands and number."""
        if self.kind == "vn":
            return (xs[0],) if self.op == "**n" else (xs[0], const)  # type: ignore[return-value]
        if self.kind == "nv":
            return (const, xs[0])  # type: ignore[return-value]
        return tuple(xs)

    def operand_domain(self, k: int) -> tuple[tuple[float, float], ...]:
        """Sampling intervals of the form's k-th Value operand (from the op table)."""
        if self.kind == "nv":
            return self.entry.domain[1]
        return self.entry.domain[k]

    def const_domain(self) -> tuple[tuple[float, float], ...]:
        """Sampling intervals of the form's number operand."""
        if self.op == "**n":
            assert self.entry.param_domain is not None
            return (self.entry.param_domain,)
        return self.entry.domain[1] if self.kind == "vn" else self.entry.domain[0]

    def hint(self) -> str:
        """What a learner defines to provide this form."""
        if self.op == "neg":
            return "define __neg__"
        if self.kind == "v":
            return f"define a {self.op}() method"
        if self.is_method:
            return f"define a {self.op}(other) method that accepts a Value or a number"
        name = _DUNDERS["**" if self.op == "**n" else self.op]
        if self.kind == "nv":
            return f"define __r{name}__ (Python calls it for a number on the left)"
        if self.kind == "vn":
            return f"make __{name}__ accept a plain number (wrap it in a Value)"
        return f"define __{name}__"


def number_text(c: float | None) -> str:
    """A number as it reads in an expression (negatives in parentheses)."""
    assert c is not None
    s = repr(float(c))
    return f"({s})" if s.startswith("-") else s


def all_forms(ops: Sequence[str] | None = None) -> list[Form]:
    """Every form of every op in the table (or of ``ops``), in table order.

    >>> [f.key for f in all_forms(["*", "tanh"])]
    ['x * y', 'x * 2', '2 * x', 'tanh(x)']
    """
    out: list[Form] = []
    for name, entry in OPS.items():
        if ops is not None and name not in ops:
            continue
        if name == "**":
            out += [Form("x ** y", name, "vv", required=False), Form("2 ** x", name, "nv", required=False)]
        elif name == "**n":
            out.append(Form("x ** n", name, "vn"))
        elif name == "neg":
            out.append(Form("-x", name, "v"))
        elif entry.arity == 2 and name in _OPERATORS:
            out += [Form(f"x {name} y", name, "vv"), Form(f"x {name} 2", name, "vn"),
                    Form(f"2 {name} x", name, "nv")]
        elif entry.arity == 2 and name.isidentifier():  # a method of two operands: x.max(y)
            out += [Form(f"{name}(x, y)", name, "vv", required=False),
                    Form(f"{name}(x, 2)", name, "vn", required=False)]
        elif entry.arity == 1 and name.isidentifier():
            out.append(Form(f"{name}(x)", name, "v"))
    return out


Instr = tuple[Form, tuple[int, ...], float | None]

INPUT_NAMES = ("x", "y", "z", "w", "u", "v")
_LET_NAMES = "abcdefghijklmnopqrst"


@dataclass(frozen=True)
class Program:
    """A straight-line expression: ``len(point)`` inputs, then one node per instruction.

    Node ``i < len(point)`` is input ``i``; instruction ``k`` makes node ``len(point) + k``
    from earlier nodes. The last node is the output.
    """

    point: tuple[float, ...]
    instrs: tuple[Instr, ...]
    labels: tuple[str, ...] | None = None  # a name per node, instead of the generated ones

    @property
    def n_inputs(self) -> int:
        return len(self.point)

    def run(self, make_value: Callable[[float], Any], point: Sequence[float] | None = None,
            labels: bool = False) -> list[Any]:
        """Build the expression with ``make_value`` at ``point``; every node, inputs first."""
        xs = self.point if point is None else point
        nodes = [make_value(float(x)) for x in xs]
        for form, args, const in self.instrs:
            nodes.append(form.call([nodes[i] for i in args], const))
        if labels:
            for node, name in zip(nodes, self.names()):
                node.label = name
        return nodes

    def pruned(self) -> Program:
        """The same expression without the instructions its output does not depend on
        (inputs are kept, so the point is unchanged)."""
        n = self.n_inputs
        live = {n + len(self.instrs) - 1}
        for k in reversed(range(len(self.instrs))):
            if n + k in live:
                live.update(self.instrs[k][1])
        keep = [k for k in range(len(self.instrs)) if n + k in live]
        new_index = {i: i for i in range(n)}
        new_index.update({n + k: n + j for j, k in enumerate(keep)})
        kept = (self.instrs[k] for k in keep)
        instrs = tuple((f, tuple(new_index[a] for a in args), c) for f, args, c in kept)
        return Program(self.point, instrs)

    def uses(self) -> list[int]:
        """How many times each node is an operand."""
        count = [0] * (self.n_inputs + len(self.instrs))
        for _, args, _ in self.instrs:
            for i in args:
                count[i] += 1
        return count

    def names(self) -> list[str]:
        """A display name per node: inputs x, y, z; shared intermediates a, b, c; the output out."""
        if self.labels is not None:
            return list(self.labels)
        uses = self.uses()
        names = list(INPUT_NAMES[: self.n_inputs])
        lets = iter(_LET_NAMES)
        for k in range(len(self.instrs)):
            i = self.n_inputs + k
            names.append("out" if i == len(uses) - 1 else next(lets, f"v{k}") if uses[i] > 1 else f"v{k}")
        return names

    def text(self) -> str:
        """The expression as a learner would write it: ``"a = x * x; a + a"``."""
        uses = self.uses()
        names = self.names()
        texts = list(names[: self.n_inputs])
        lets: list[str] = []
        last = len(uses) - 1
        for k, (form, args, const) in enumerate(self.instrs):
            i = self.n_inputs + k
            parts = [texts[j] if self._bare(j, uses) else f"({texts[j]})" for j in args]
            t = form.text(parts, const)
            if i != last and uses[i] > 1:
                lets.append(f"{names[i]} = {t}")
                texts.append(names[i])
            else:
                texts.append(t)
        return "; ".join([*lets, texts[-1]])

    def _bare(self, j: int, uses: list[int]) -> bool:
        """True where node j's text needs no parentheses as an operand."""
        if j < self.n_inputs or uses[j] > 1:
            return True
        form = self.instrs[j - self.n_inputs][0]
        return form.kind == "v" and form.op != "neg"

    def point_text(self, point: Sequence[float] | None = None) -> str:
        """``"x=0.5, y=-2.0"``."""
        xs = self.point if point is None else point
        return ", ".join(f"{n}={x!r}" for n, x in zip(INPUT_NAMES, xs))
