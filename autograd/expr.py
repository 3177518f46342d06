"""Parse an arithmetic expression typed by a user into a Value graph, without ``eval``.

The text is parsed with :mod:`ast` and only a whitelist is accepted: numbers, variable
names, ``+ - * / **``, unary minus and plus, and calls of the op table's
functions (``tanh(x)``, ``exp(x)``, ``max(x, y)``, ...), applied through :func:`autograd.ops.apply`.
Anything else raises :class:`ExprError`, which names the offending column.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Mapping
from dataclasses import dataclass

from .ops import FUNCTIONS, OPS, apply
from .value import Const, Value

MAX_LENGTH = 2000
"""Longer expressions are refused (the parser, not the engine, would be the bottleneck)."""
MAX_EXPONENT = 1000.0
"""A number exponent larger than this in magnitude is refused rather than computed."""

_BINOPS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}
_ARITY = {op.function: op.arity for op in OPS.values() if op.function}


class ExprError(ValueError):
    """An expression outside the whitelist; ``col`` is its 1-based column (0 if unknown)."""

    def __init__(self, message: str, text: str, col: int) -> None:
        self.col = col
        self.text = text
        pointer = f"\n  {text}\n  {' ' * max(col - 1, 0)}^" if col > 0 and "\n" not in text else ""
        super().__init__(f"column {col}: {message}{pointer}" if col > 0 else message + pointer)


@dataclass(frozen=True)
class Parsed:
    """A built expression: its output ``value`` and the leaf Value of each variable name."""

    value: Value
    variables: dict[str, Value]
    unused: tuple[str, ...] = ()  # names given a value that the expression never uses


def parse_assignment(text: str) -> tuple[str, float]:
    """``"x=2.5"`` -> ``("x", 2.5)`` for ``--set``; a bad form raises ``ValueError``.

    >>> parse_assignment("w=-3")
    ('w', -3.0)
    """
    name, sep, number = text.partition("=")
    name = name.strip()
    if not sep or not name.isidentifier():
        raise ValueError(f"--set takes NAME=NUMBER (like x=2), got {text!r}")
    try:
        value = float(number)
    except ValueError:
        raise ValueError(f"--set {name}: {number.strip()!r} is not a number") from None
    if not math.isfinite(value):
        raise ValueError(f"--set {name}: the value must be finite, got {number.strip()!r}")
    return name, value


def build(text: str, values: Mapping[str, float]) -> Parsed:
    """Build the graph of ``text`` with each name bound to a labelled leaf ``Value``.

    >>> p = build("tanh(x*w + b)", {"x": 2.0, "w": -3.0, "b": 6.88})
    >>> round(p.value.data, 4), sorted(p.variables)
    (0.7064, ['b', 'w', 'x'])
    >>> build("__import__('os')", {})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    autograd.expr.ExprError: column 1: unknown function '__import__'; the functions are abs, cos, ...
      __import__('os')
      ^
    """
    if not isinstance(text, str):
        raise TypeError(f"the expression must be a str, got {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise ExprError(f"the expression is {len(text)} characters long; at most {MAX_LENGTH} are accepted",
                        text[:60] + "...", 0)
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as e:
        col = e.offset or len(text.strip()) + 1  # no offset: the input ended too early
        raise ExprError(f"not a valid expression: {e.msg}", text.strip(), col) from None
    return _Builder(text.strip(), values).run(tree.body)


class _Builder:
    def __init__(self, text: str, values: Mapping[str, float]) -> None:
        self.text = text
        self.values = dict(values)
        self.leaves: dict[str, Value] = {}

    def fail(self, node: ast.AST, message: str) -> ExprError:
        return ExprError(message, self.text, getattr(node, "col_offset", -1) + 1)

    def run(self, root: ast.expr) -> Parsed:
        # An explicit stack, not recursion: a deeply nested expression cannot exhaust the C stack
        # here (ast.parse itself limits nesting depth).
        results: dict[int, Value | float] = {}
        stack: list[tuple[ast.expr, bool]] = [(root, False)]
        while stack:
            node, ready = stack.pop()
            kids = self.operands(node)
            if not ready:
                stack.append((node, True))
                stack.extend((k, False) for k in reversed(kids))
                continue
            results[id(node)] = self.combine(node, [results.pop(id(k)) for k in kids])
        out = results[id(root)]
        value = out if isinstance(out, Value) else Const(out)
        return Parsed(value, dict(self.leaves), tuple(sorted(set(self.values) - set(self.leaves))))

    def operands(self, node: ast.expr) -> list[ast.expr]:
        """The sub-expressions of an allowed node (raises for anything not whitelisted)."""
        if isinstance(node, ast.Constant):
            if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
                raise self.fail(node, f"only real numbers are allowed, not {node.value!r}")
            if isinstance(node.value, float) and not math.isfinite(node.value):
                raise self.fail(node, "the number is too large for a float")
            return []
        if isinstance(node, ast.Name):
            return []
        if isinstance(node, ast.BinOp):
            if type(node.op) not in _BINOPS:
                raise self.fail(node, f"operator {type(node.op).__name__} is not allowed; use + - * / **")
            return [node.left, node.right]
        if isinstance(node, ast.UnaryOp):
            if not isinstance(node.op, (ast.USub, ast.UAdd)):
                raise self.fail(node, "only unary minus and plus are allowed")
            return [node.operand]
        if isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name):
                raise self.fail(node, "only calls of a function by name are allowed, like tanh(x)")
            name = node.func.id
            if name not in FUNCTIONS:
                raise self.fail(node, f"unknown function {name!r}; the functions are {', '.join(FUNCTIONS)}")
            n = _ARITY[name]
            if node.keywords or len(node.args) != n or any(isinstance(a, ast.Starred) for a in node.args):
                count = "one argument" if n == 1 else f"{n} arguments"
                raise self.fail(node, f"{name}() takes exactly {count}")
            return list(node.args)
        what = type(node).__name__
        hint = {"Attribute": "attribute access", "Lambda": "a lambda", "Subscript": "indexing",
                "ListComp": "a comprehension", "GeneratorExp": "a comprehension",
                "SetComp": "a comprehension", "DictComp": "a comprehension"}.get(what, what)
        allowed = f"numbers, names, + - * / ** and {', '.join(FUNCTIONS)}"
        raise self.fail(node, f"{hint} is not allowed; use {allowed}")

    def combine(self, node: ast.expr, args: list[Value | float]) -> Value | float:
        try:
            if isinstance(node, ast.Constant):
                return float(node.value)
            if isinstance(node, ast.Name):
                return self.leaf(node)
            if isinstance(node, ast.UnaryOp):
                (a,) = args
                return -a if isinstance(node.op, ast.USub) else a
            if isinstance(node, ast.Call):
                entry = next(op for op in OPS.values() if op.function == node.func.id)
                return apply(entry.name, *(a if isinstance(a, Value) else Const(a) for a in args))
            assert isinstance(node, ast.BinOp)  # operands() allowed nothing else
            a, b = args
            op = _BINOPS[type(node.op)]
            if op == "**":
                return self.power(node, a, b)
            if not isinstance(a, Value) and not isinstance(b, Value):
                a = Const(a)  # keep numbers-only parts in the graph, as drawn
            return apply(op, a, b)
        except ExprError:
            raise
        except (ValueError, ZeroDivisionError, OverflowError) as e:
            raise self.fail(node, str(e)) from None

    def power(self, node: ast.BinOp, a: Value | float, b: Value | float) -> Value | float:
        if not isinstance(b, Value):
            if abs(b) > MAX_EXPONENT:
                limit = f"at most {MAX_EXPONENT:g} in magnitude"
                raise self.fail(node.right, f"exponent {b!r} is too large ({limit})")
            if not isinstance(a, Value):
                a = Const(a)
            return apply("**n", a, param=int(b) if b == int(b) else b)
        if not isinstance(a, Value):
            a = Const(a)
        return apply("**", a, b)

    def leaf(self, node: ast.Name) -> Value:
        name = node.id
        if name in self.leaves:
            return self.leaves[name]
        if name not in self.values:
            if name in FUNCTIONS:
                raise self.fail(node, f"{name} is a function: call it, like {name}(x)")
            raise self.fail(node, f"variable {name!r} has no value; give it one with --set {name}=NUMBER")
        v = Value(self.values[name], label=name)
        self.leaves[name] = v
        return v
