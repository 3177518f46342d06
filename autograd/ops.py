"""The op table: each operation's forward value and local derivatives, written once.

Every reader of a graph (``backward``, ``grad``, the stepper, the renderer, gradient
checking, the Hypothesis strategies and the parametrized tests) looks ops up here, so an
op added to :data:`OPS` is drawn, stepped and property-tested without touching anything
else.

Each op has two rules that must agree:

* ``forward(a[, b]) -> (out, d_out/d_a[, d_out/d_b])`` on plain floats: the fast path, run
  once when a node is built; the local derivatives are stored on the node as numbers.
* ``graph_grads(node) -> (d_out/d_a[, d_out/d_b])`` as :class:`~autograd.Value` expressions
  (or constant floats): used by ``grad(..., create_graph=True)`` so that derivatives are
  themselves differentiable, which gives second and higher derivatives.

Errors follow Python's float semantics for the exception type (``ValueError`` for a math
domain error, ``ZeroDivisionError``, ``OverflowError``) and name the op and the operands.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .value import Value

Interval = tuple[float, float]


@dataclass(frozen=True)
class Op:
    """One operation: how to compute it, differentiate it, draw it and test it.

    ``domain`` gives, per operand, the intervals that tests and strategies sample from:
    inside the op's domain and away from kinks and domain edges. ``param_domain`` is the
    sampling interval of an op's numeric parameter (only ``**`` with a number exponent).

    ``inline`` is the same rule as ``forward`` written as Python expressions over the
    operands ``a`` (and ``b``) and the result ``out``: ``(out_expr, (d_a_expr[, d_b_expr]))``,
    with ``tanh sin cos exp log sqrt`` from :mod:`math` in scope. Trace replay
    (:mod:`autograd.trace`) compiles it into its loops instead of calling ``forward`` per
    node; only ops that never raise have one, and a test checks it against ``forward``
    bit for bit. Ops without it are replayed by calling ``forward``.
    """

    name: str
    symbol: str
    arity: int
    forward: Callable[..., tuple[float, ...]]
    graph_grads: Callable[[Any], tuple[Any, ...]]
    formula: str
    domain: tuple[tuple[Interval, ...], ...]
    param_domain: Interval | None = None
    kinks: tuple[float, ...] = ()
    inline: tuple[str, tuple[str, ...]] | None = None


def _fmt(x: float) -> str:
    return f"{x!r}"


# ----------------------------------------------------------------------------- binary


def add(a: float, b: float) -> tuple[float, float, float]:
    """a + b;  d/da = 1, d/db = 1."""
    return a + b, 1.0, 1.0


def sub(a: float, b: float) -> tuple[float, float, float]:
    """a - b;  d/da = 1, d/db = -1."""
    return a - b, 1.0, -1.0


def mul(a: float, b: float) -> tuple[float, float, float]:
    """a * b;  d/da = b, d/db = a."""
    return a * b, b, a


def div(a: float, b: float) -> tuple[float, float, float]:
    """a / b;  d/da = 1/b, d/db = -a/b^2."""
    if b == 0.0:
        raise ZeroDivisionError(
            f"division by zero in '/': {_fmt(a)} / {_fmt(b)}; the divisor must be non-zero"
        )
    out = a / b
    return out, 1.0 / b, -out / b


def pow_(a: float, b: float) -> tuple[float, float, float]:
    """a ** b for a Value exponent;  d/da = b·a^(b-1), d/db = a^b·ln(a); needs a > 0."""
    if not a > 0.0:
        raise ValueError(
            f"'**' with a Value exponent needs a positive base, got base {_fmt(a)} "
            f"(exponent {_fmt(b)}): d/db a^b = a^b·ln(a) is undefined for a <= 0. "
            "Use a plain number as the exponent (x ** 2), or make the base positive."
        )
    try:
        out = a**b
        da = b * a ** (b - 1.0)
    except OverflowError:
        raise OverflowError(f"'**' overflowed: {_fmt(a)} ** {_fmt(b)} is too large for a float") from None
    return out, da, out * math.log(a)


# ----------------------------------------------------------------------------- unary


def pow_const(a: float, n: float) -> tuple[float, float]:
    """a ** n for a number n;  d/da = n·a^(n-1)."""
    if a < 0.0 and not float(n).is_integer():
        raise ValueError(
            f"'**' of a negative base {_fmt(a)} to the non-integer power {n!r} has no real "
            "result (micrograd silently returns a complex number here). "
            "Use an integer exponent, or abs(x) ** n."
        )
    if a == 0.0 and n < 0:
        raise ZeroDivisionError(f"'**': 0.0 ** {n!r} divides by zero; the base must be non-zero")
    try:
        out = float(a**n)
        if n == 0:
            d = 0.0
        elif a == 0.0 and n < 1:
            d = math.inf  # e.g. sqrt at 0: the slope is vertical
        else:
            d = float(n * a ** (n - 1))
    except OverflowError:
        raise OverflowError(f"'**' overflowed: {_fmt(a)} ** {n!r} is too large for a float") from None
    return out, d


def neg(a: float) -> tuple[float, float]:
    """-a;  d/da = -1."""
    return -a, -1.0


def exp(a: float) -> tuple[float, float]:
    """e^a;  d/da = e^a."""
    try:
        out = math.exp(a)
    except OverflowError:
        raise OverflowError(
            f"exp overflowed: exp({_fmt(a)}) is larger than the largest float (~1.8e308); "
            "inputs above ~709.78 overflow. Scale the input down, or use a stable formulation "
            "(e.g. subtract the max before exp, as softmax does)."
        ) from None
    return out, out


def log(a: float) -> tuple[float, float]:
    """ln(a);  d/da = 1/a; needs a > 0."""
    if not a > 0.0:
        raise ValueError(
            f"log of {_fmt(a)} is undefined: log needs a positive argument. "
            "Clamp the input (e.g. x + 1e-12) or check where it became <= 0."
        )
    return math.log(a), 1.0 / a


def tanh(a: float) -> tuple[float, float]:
    """tanh(a);  d/da = 1 - tanh(a)^2."""
    t = math.tanh(a)
    return t, 1.0 - t * t


def sigmoid(a: float) -> tuple[float, float]:
    """σ(a) = 1 / (1 + e^-a), computed without overflow;  d/da = σ(a)·(1 - σ(a))."""
    if a >= 0.0:
        s = 1.0 / (1.0 + math.exp(-a))
    else:
        e = math.exp(a)
        s = e / (1.0 + e)
    return s, s * (1.0 - s)


def relu(a: float) -> tuple[float, float]:
    """max(0, a);  d/da = 1 if a > 0 else 0 (0 at the kink, as in PyTorch)."""
    if a > 0.0:
        return a, 1.0
    return 0.0, 0.0


def abs_(a: float) -> tuple[float, float]:
    """|a|;  d/da = sign(a) (0 at the kink, as in PyTorch)."""
    if a > 0.0:
        return a, 1.0
    if a < 0.0:
        return -a, -1.0
    return 0.0, 0.0


def sqrt(a: float) -> tuple[float, float]:
    """√a;  d/da = 1 / (2√a); needs a >= 0 (the slope at 0 is +inf)."""
    if a < 0.0:
        raise ValueError(
            f"sqrt of {_fmt(a)} is undefined: sqrt needs a non-negative argument "
            "(micrograd's x ** 0.5 silently returns a complex number here)."
        )
    r = math.sqrt(a)
    return r, (0.5 / r if r > 0.0 else math.inf)


def sin(a: float) -> tuple[float, float]:
    """sin(a);  d/da = cos(a)."""
    return math.sin(a), math.cos(a)


def cos(a: float) -> tuple[float, float]:
    """cos(a);  d/da = -sin(a)."""
    return math.cos(a), -math.sin(a)


# ----------------------------------------------------- differentiable local derivatives
# Each takes the node (a Value with its children) and returns its local derivatives as
# Values, or as floats where they are constant, so that grad(create_graph=True) can build
# a graph of the derivative itself.


def _g_add(n: Value) -> tuple[Any, ...]:
    return 1.0, 1.0


def _g_sub(n: Value) -> tuple[Any, ...]:
    return 1.0, -1.0


def _g_mul(n: Value) -> tuple[Any, ...]:
    a, b = n.children
    return b, a


def _g_div(n: Value) -> tuple[Any, ...]:
    b = n.children[1]
    return 1.0 / b, -n / b


def _g_pow(n: Value) -> tuple[Any, ...]:
    a, b = n.children
    return b * a ** (b - 1.0), n * a.log()


def _g_pow_const(n: Value) -> tuple[Any, ...]:
    (a,) = n.children
    p = exponent_of(n.op)
    if p == 0:
        return (0.0,)
    if p == 1:
        return (1.0,)
    return (p * a ** (p - 1),)


def _g_neg(n: Value) -> tuple[Any, ...]:
    return (-1.0,)


def _g_exp(n: Value) -> tuple[Any, ...]:
    return (n,)


def _g_log(n: Value) -> tuple[Any, ...]:
    return (1.0 / n.children[0],)


def _g_tanh(n: Value) -> tuple[Any, ...]:
    return (1.0 - n * n,)


def _g_sigmoid(n: Value) -> tuple[Any, ...]:
    return (n * (1.0 - n),)


def _g_relu(n: Value) -> tuple[Any, ...]:
    return (1.0 if n.children[0].data > 0.0 else 0.0,)


def _g_abs(n: Value) -> tuple[Any, ...]:
    a = n.children[0].data
    return (1.0 if a > 0.0 else -1.0 if a < 0.0 else 0.0,)


def _g_sqrt(n: Value) -> tuple[Any, ...]:
    return (0.5 / n,)


def _g_sin(n: Value) -> tuple[Any, ...]:
    return (n.children[0].cos(),)


def _g_cos(n: Value) -> tuple[Any, ...]:
    return (-n.children[0].sin(),)


# ----------------------------------------------------------------------------- table

_ANY: tuple[Interval, ...] = ((-3.0, 3.0),)
_NONZERO: tuple[Interval, ...] = ((-3.0, -0.2), (0.2, 3.0))
_POSITIVE: tuple[Interval, ...] = ((0.2, 4.0),)
_LOG: tuple[Interval, ...] = ((0.1, 10.0),)
_WIDE: tuple[Interval, ...] = ((-6.0, 6.0),)

OPS: dict[str, Op] = {
    op.name: op
    for op in [
        Op("+", "+", 2, add, _g_add, "d(a+b)/da = 1, d(a+b)/db = 1", (_ANY, _ANY),
           inline=("a + b", ("1.0", "1.0"))),
        Op("-", "−", 2, sub, _g_sub, "d(a-b)/da = 1, d(a-b)/db = -1", (_ANY, _ANY),
           inline=("a - b", ("1.0", "-1.0"))),
        Op("*", "×", 2, mul, _g_mul, "d(ab)/da = b, d(ab)/db = a", (_ANY, _ANY),
           inline=("a * b", ("b", "a"))),
        Op("/", "÷", 2, div, _g_div, "d(a/b)/da = 1/b, d(a/b)/db = -a/b²", (_ANY, _NONZERO)),
        Op("**", "^", 2, pow_, _g_pow, "d(a^b)/da = b·a^(b-1), d(a^b)/db = a^b·ln a", (_POSITIVE, _ANY)),
        Op("**n", "^n", 1, pow_const, _g_pow_const, "d(a^n)/da = n·a^(n-1)", (_POSITIVE,), (-3.0, 3.0)),
        Op("neg", "−", 1, neg, _g_neg, "d(-a)/da = -1", (_ANY,), inline=("-a", ("-1.0",))),
        Op("exp", "exp", 1, exp, _g_exp, "d(e^a)/da = e^a", (_ANY,)),
        Op("log", "log", 1, log, _g_log, "d(ln a)/da = 1/a", (_LOG,)),
        Op("tanh", "tanh", 1, tanh, _g_tanh, "d(tanh a)/da = 1 - tanh²a", (_ANY,),
           inline=("tanh(a)", ("1.0 - out * out",))),
        Op("sigmoid", "σ", 1, sigmoid, _g_sigmoid, "dσ(a)/da = σ(a)(1 - σ(a))", (_WIDE,)),
        Op("relu", "ReLU", 1, relu, _g_relu, "d relu(a)/da = 1 if a > 0 else 0", (_NONZERO,), kinks=(0.0,),
           inline=("a if a > 0.0 else 0.0", ("1.0 if a > 0.0 else 0.0",))),
        Op("abs", "|·|", 1, abs_, _g_abs, "d|a|/da = sign(a)", (_NONZERO,), kinks=(0.0,),
           inline=("a if a > 0.0 else -a if a < 0.0 else 0.0",
                   ("1.0 if a > 0.0 else -1.0 if a < 0.0 else 0.0",))),
        Op("sqrt", "√", 1, sqrt, _g_sqrt, "d√a/da = 1/(2√a)", (_LOG,)),
        Op("sin", "sin", 1, sin, _g_sin, "d sin a/da = cos a", (_WIDE,), inline=("sin(a)", ("cos(a)",))),
        Op("cos", "cos", 1, cos, _g_cos, "d cos a/da = -sin a", (_WIDE,), inline=("cos(a)", ("-sin(a)",))),
    ]
}
"""Every op, by name. A node's ``op`` string is one of these names, except that ``x ** n``
with a number ``n`` is recorded as ``"**n"`` with the number written in (``"**2"``, as in
micrograd); :func:`op_of` maps any node's op string to its entry."""


def pow_const_name(n: float) -> str:
    """The op string of ``x ** n`` for a number ``n``: ``"**2"``, ``"**0.5"``, ``"**-1"``."""
    return f"**{n!r}"


def exponent_of(op: str) -> float:
    """The number ``n`` in a ``"**n"`` op string (``exponent_of("**2") == 2.0``)."""
    return float(op[2:])


def op_of(op: str) -> Op:
    """The table entry for a node's ``op`` string (``""`` for a leaf is an error).

    >>> op_of("tanh").formula
    'd(tanh a)/da = 1 - tanh²a'
    >>> op_of("**3").name
    '**n'
    """
    entry = OPS.get(op)
    if entry is not None:
        return entry
    if op.startswith("**") and len(op) > 2:
        return OPS["**n"]
    raise KeyError(f"no op named {op!r} in the op table (a leaf has op '')")


def apply(name: str, *operands: Any, param: float | None = None) -> Value:
    """Apply the op ``name`` to Values (or numbers where Python allows), by table name.

    ``param`` is the number exponent of ``"**n"``. Readers that build graphs from a
    description (the Hypothesis strategies, the command line) go through here.

    >>> from autograd import Value
    >>> apply("tanh", Value(0.0)).data
    0.0
    >>> apply("**n", Value(3.0), param=2).data
    9.0
    """
    entry = OPS.get(name)
    if entry is None:
        raise KeyError(f"no op named {name!r}; the ops are {', '.join(OPS)}")
    if len(operands) != entry.arity:
        raise TypeError(f"op {name!r} takes {entry.arity} operand(s), got {len(operands)}")
    if name == "**n":
        if param is None:
            raise TypeError("op '**n' needs param=<the exponent>")
        return operands[0] ** param
    fn = _BINARY.get(name)
    if fn is not None:
        return fn(*operands)
    if name == "neg":
        return -operands[0]
    return getattr(operands[0], name)()


_BINARY: dict[str, Callable[[Any, Any], Any]] = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / b,
    "**": lambda a, b: a**b,
}
