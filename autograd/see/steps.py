"""Forward and backward as sequences of steps, each explained with this graph's numbers.

:func:`forward_steps` lists the ops in topological order, each a line such as
``v4 = v2 + b = (-6.0000) + 6.8800 = 0.8800``. :func:`backward_steps` records, edge by edge
and in the order ``backward()`` applies them (the same walk, the same stored local
derivatives), ``contribution = local_grad · upstream`` and the child's running gradient,
without touching ``.grad``; :meth:`Step.explain` fills the op table's local derivative in:
``∂L/∂v4 = ∂L/∂L · (1 − tanh(0.8800)²) = 1.0000 · 0.5010 = 0.5010``. Numbers are written
as in the drawn boxes (:func:`~autograd.see.render.fmt_number`), negatives bracketed.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..backward import check_gradient, topological_order
from ..ops import OPS, op_of
from ..value import Value, edges, walk
from .render import check_root, find_params, fmt_number, fmt_operand, node_names

if TYPE_CHECKING:  # pragma: no cover
    import graphviz


# ------------------------------------------------------------------------------ op text


def _exponent(op: str) -> str:
    n = float(op[2:])
    return str(int(n)) if n.is_integer() and abs(n) < 1e15 else repr(n)


def _fill(template: str, operands: Sequence[str], out: str, op: str) -> str:
    a = operands[0] if operands else ""
    b = operands[1] if len(operands) > 1 else ""
    n = _exponent(op) if op_of(op) is OPS["**n"] else ""
    text = template.format(a=a, b=b, out=out, n=n)
    return re.sub(r"\(\((-[^()]*)\)\)", r"(\1)", text)  # exp((-1.0)) reads exp(-1.0)


def expr_text(node: Value, operands: Sequence[str]) -> str:
    """How ``node``'s op reads over ``operands`` (names or numbers), from the op table's ``expr``.

    >>> from autograd import Value
    >>> expr_text(Value(2.0) ** 3, ["x"]), expr_text(Value(1.0) + 2, ["a", "b"])
    ('x^3', 'a + b')
    """
    return _fill(op_of(node.op).expr, operands, "", node.op)


def local_form(node: Value, operand: int, operands: Sequence[str], out: str) -> str | None:
    """The local derivative d(node)/d(operand) written over ``operands`` and ``out``
    (the op table's ``local_forms``), or None when the table has no form for it."""
    forms = op_of(node.op).local_forms
    if operand >= len(forms):
        return None
    return _fill(forms[operand], operands, out, node.op)


def _wrap(text: str) -> str:
    """``text`` in brackets when an operator stands outside any bracket in it."""
    depth = 0
    for i, c in enumerate(text):
        depth += (c == "(") - (c == ")")
        if depth == 0 and c in " +−-·/×^" and i > 0:
            return f"({text})"
    return text


# ------------------------------------------------------------------------------ steps


def _names(root: Value, params: Any = None) -> tuple[list[Value], dict[Value, str]]:
    order = topological_order(root)
    names = node_names(order, find_params(order, params, "explain()"))
    return order, dict(zip(order, names))


@dataclass(frozen=True)
class ForwardStep:
    """One op computed: ``node = op(operands) = data``, in topological order."""

    index: int
    node: Value
    operands: tuple[Value, ...]
    data: float
    root: Value = field(repr=False, compare=False)

    def explain(self, names: dict[Value, str] | None = None) -> str:
        """This step as a line with names and numbers: "v4 = v2 + b = (-6.0000) + 6.8800 = 0.8800".

        >>> from autograd import Value
        >>> x = Value(2.0, label="x"); y = x * -3.0; y.label = "y"
        >>> forward_steps(y)[0].explain()
        'y = x · v1 = 2.0000 · (-3.0000) = -6.0000'
        """
        names = names if names is not None else _names(self.root)[1]
        by_name = expr_text(self.node, [names[c] for c in self.operands])
        by_number = expr_text(self.node, [fmt_operand(c.data) for c in self.operands])
        return f"{names[self.node]} = {by_name} = {by_number} = {fmt_number(self.data)}"


@dataclass(frozen=True)
class Step:
    """One application of the chain rule: ``child_grad += local_grad · upstream``.

    ``node`` passes gradient to its operand ``child`` (operand number ``operand``);
    ``local_grad`` is d(node)/d(child) as stored on the node, ``upstream`` is the node's
    (final) gradient, ``contribution = local_grad · upstream``, and ``child_grad`` is the
    child's gradient after this step adds the contribution. ``nth`` of ``fan_in``: which of
    the child's contributions this is.
    """

    index: int
    node: Value
    child: Value
    operand: int
    local_grad: float
    upstream: float
    contribution: float
    child_grad: float
    root: Value = field(repr=False, compare=False)
    nth: int = field(default=1, compare=False)
    fan_in: int = field(default=1, compare=False)

    def explain(self, names: dict[Value, str] | None = None) -> str:
        """This step's arithmetic, the local derivative filled in with this graph's numbers.

        >>> from autograd import Value
        >>> w = Value(0.2, label="w"); z = (w * 3).tanh(); z.label = "z"
        >>> print(backward_steps(z)[0].explain())
        ∂z/∂v2 = ∂z/∂z · (1 − tanh(0.6000)²) = 1.0000 · 0.7116 = 0.7116
        ∂z/∂v2 = 1 − tanh(v2)² = 0.7116  (the local derivative of tanh)
        """
        names = names if names is not None else _names(self.root)[1]
        root, node, child = names[self.root], names[self.node], names[self.child]
        kids = self.node.children
        symbolic = f"∂{node}/∂{child}"
        if kids.count(self.child) > 1:
            symbolic += f" (operand {self.operand + 1})"
        filled = local_form(self.node, self.operand, [fmt_operand(c.data) for c in kids],
                            fmt_operand(self.node.data))
        local = fmt_number(self.local_grad)
        trivial = filled is None or filled in (local, fmt_operand(self.local_grad)) or "{" not in (
            op_of(self.node.op).local_forms[self.operand])  # a number alone: say which derivative it is
        mid = symbolic if trivial else _wrap(str(filled))
        eq = "+=" if self.fan_in > 1 else "="
        first = (f"∂{root}/∂{child} {eq} ∂{root}/∂{node} · {mid} = {fmt_operand(self.upstream)} · "
                 f"{fmt_operand(self.local_grad)} = {fmt_number(self.contribution)}")
        rule = local_form(self.node, self.operand, [names[c] for c in kids], node)
        symbol = op_of(self.node.op).symbol
        if rule is None:
            second = f"the local derivative of {symbol}: {op_of(self.node.op).formula}"
        else:
            second = f"{symbolic} = {rule} = {local}  (the local derivative of {symbol})"
        lines = [first, second]
        if self.fan_in > 1:
            lines.append(f"contribution {self.nth} of {self.fan_in}: ∂{root}/∂{child} so far = "
                         f"{fmt_number(self.child_grad)}")
        return "\n".join(lines)

    def frame(self, rankdir: str = "LR") -> graphviz.Digraph:
        """The graph as it stands after this step, this step's edge in red."""
        from .viewer import Walk

        return Walk(self.root, None, "backward").frame(self.index + 1, rankdir)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        from .render import fit_width, render_sources

        bundle = {"text/plain": f"{self!r}\n{self.explain()}"}
        try:
            bundle["image/svg+xml"] = fit_width(render_sources([self.frame().source])[0])
        except Exception:  # display must never fail: the text is always there
            pass
        return bundle


def forward_steps(root: Value) -> list[ForwardStep]:
    """The ops of ``root``'s graph in the order forward computed them (topological), one step each.

    >>> from autograd import Value
    >>> x = Value(2.0, label="x")
    >>> [(s.node.op, s.data) for s in forward_steps((x * x).tanh())]
    [('*', 4.0), ('tanh', 0.999329299739067)]
    """
    check_root(root, "forward_steps()")
    interior = walk(root, leaves=False)
    return [ForwardStep(k, n, n.children, n.data, root) for k, n in enumerate(interior)]


def backward_steps(root: Value, gradient: float = 1.0) -> list[Step]:
    """The chain-rule steps of ``backward()`` on ``root``, one per edge, in the order it applies them.

    Reverse topological order; for each node, its operands in order. ``.grad`` is left
    untouched. After the last step touching a node, its ``child_grad`` is exactly the
    gradient ``root.backward(gradient)`` gives it (from zero).

    >>> from autograd import Value
    >>> a = Value(3.0, label="a")
    >>> y = a * a                      # dy/da = a + a: two steps add up
    >>> [(s.contribution, s.child_grad) for s in backward_steps(y)]
    [(3.0, 3.0), (3.0, 6.0)]
    >>> a.grad                         # untouched
    0.0
    """
    check_root(root, "backward_steps()")
    grads: dict[Value, float] = {root: check_gradient(gradient, "backward_steps()")}
    raw: list[tuple[Value, Value, int, float, float, float, float]] = []
    for node, i, child, local in edges(walk(root, leaves=False)):  # backward()'s own edge stream
        up = grads[node]
        contribution = local * up
        child_grad = grads.get(child, 0.0) + contribution
        grads[child] = child_grad
        raw.append((node, child, i, local, up, contribution, child_grad))
    fan_in: dict[Value, int] = {}
    for r in raw:
        fan_in[r[1]] = fan_in.get(r[1], 0) + 1
    seen: dict[Value, int] = {}
    steps: list[Step] = []
    count = itertools.count()
    for node, child, i, local, up, contribution, child_grad in raw:
        seen[child] = seen.get(child, 0) + 1
        steps.append(Step(next(count), node, child, i, local, up, contribution, child_grad, root,
                          seen[child], fan_in[child]))
    return steps
