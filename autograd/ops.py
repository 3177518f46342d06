"""The op table: each operation written once, and everything else generated from it.

An :class:`Op` entry holds an op's float rule (its value and local derivatives), its
differentiable rule (for ``grad(..., create_graph=True)``), how it is written, drawn and
explained, where tests sample it, and its documented behaviour at the edges (nan, ±inf,
±0.0, domain boundaries). From the entries:

* :mod:`autograd.value` generates the ``Value`` operators and methods (``x + y``,
  ``x.tanh()``, ``x.max(y)``, ...), with the node built inline;
* the command line's expression grammar takes its function names;
* the renderer its symbols, the stepper its formulas filled in with numbers;
* trace replay compiles its loops from the ``inline`` rules;
* the Hypothesis strategies and the parametrized tests iterate it, and the README's table
  of non-finite semantics is generated from the ``edges`` rows and tested against them.

Adding an op (``log1p`` is the worked example below) touches this file only.

**Numbers at the edges.** Values follow IEEE 754 as Python floats and PyTorch do: nan
propagates through every op (its value, and its local derivative wherever that depends on
the operand: ``relu(nan)`` has slope nan, not 0), ±inf give their limits
(``exp(inf) = inf``, ``1 / inf = 0``, ``tanh(-inf) = -1``), and a nan or inf operand is
never a domain error (``log(nan)`` is nan, ``sin(inf)`` is nan). A *finite* operand outside
an op's domain raises, naming the op and the operand: ``log(x <= 0)``, ``log1p(x <= -1)``,
``sqrt(x < 0)``, a negative base to a non-integer power, division by zero, ``0 ** -n``
(``ValueError`` / ``ZeroDivisionError``, as Python's math does). When finite operands give
a value too large for a float, ``exp`` and ``**`` raise ``OverflowError`` (as
``math.exp`` and ``float.__pow__`` do) while ``+ - * /`` overflow to ±inf (as Python's
float operators do). When the value is finite but the local derivative alone is beyond
float range (``(1e-300) ** -1`` is about 1e300, its slope -1e600; ``sqrt(0)``), the
derivative is stored as ±inf: the value is right, and ``detect_anomaly`` points at the
node if that inf ever reaches a gradient.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .value import Value

Interval = tuple[float, float]
INF = math.inf
NAN = math.nan


@dataclass(frozen=True)
class Edge:
    """One documented point of an op's behaviour at its edges.

    ``op(*args)`` (with ``param`` as the exponent of ``**n``) gives the value ``out`` and
    the local derivatives ``local``, compared bit for bit (nan equals nan, and the sign of a
    zero counts), or raises ``error``.
    """

    args: tuple[float, ...]
    out: float = NAN
    local: tuple[float, ...] = ()
    error: type[Exception] | None = None
    param: float | None = None


@dataclass(frozen=True)
class Op:
    """One operation: how to compute it, differentiate it, write it, draw it and test it.

    * ``forward(a[, b]) -> (out, d_out/d_a[, d_out/d_b])`` on floats: the rule of record.
    * ``graph_grads(node)``: the local derivatives as Value expressions (or constant
      floats), so that derivatives are themselves differentiable.
    * ``inline = (out_expr, (d_a_expr[, d_b_expr]))``: the same rule as Python expressions
      over ``a``, ``b`` and ``out``, for ops that never raise. ``Value``'s method and trace
      replay are compiled from it; a test checks it against ``forward`` bit for bit,
      edges included.
    * ``method`` / ``reflected``: the ``Value`` attributes generated for the op
      (``"__add__"`` / ``"__radd__"``, ``"tanh"``); ``None`` where ``value.py`` writes the
      dispatch by hand (``**`` picks ``"**"`` or ``"**n"`` by the exponent's type).
    * ``expr``: the op written over ``{a}``, ``{b}`` (and ``{n}``, the exponent of ``**n``),
      e.g. ``"tanh({a})"``; ``local_forms``: each local derivative written the same way,
      e.g. ``("1 − tanh({a})²",)``, for the stepper's formulas with numbers.
    * ``domain``: per operand, the intervals tests sample from (inside the domain, away
      from kinks); ``param_domain`` the exponent's for ``**n``; ``kink(*args)`` a
      quantity whose zero is where the op is not differentiable (``relu``: ``a``;
      ``max``: ``a - b``).
    * ``edges``: the documented behaviour at nan, ±inf, ±0.0 and the domain's boundaries.
    * ``function``: the name the op has in the command line's expression grammar
      (``"tanh"``, ``"max"``), or ``None`` for operators.
    * ``boundaries``: per operand, where the op stops being defined or its value overflows
      (``log``: ``((0.0,),)``); the edge strategies draw there and checks keep away.
    """

    name: str
    symbol: str
    arity: int
    forward: Callable[..., tuple[float, ...]]
    graph_grads: Callable[[Any], tuple[Any, ...]]
    formula: str
    domain: tuple[tuple[Interval, ...], ...]
    expr: str
    local_forms: tuple[str, ...]
    method: str | None = None
    reflected: str | None = None
    function: str | None = None
    param_domain: Interval | None = None
    kink: Callable[..., float] | None = None
    inline: tuple[str, tuple[str, ...]] | None = None
    edges: tuple[Edge, ...] = ()
    boundaries: tuple[tuple[float, ...], ...] = ()
    doc: str = ""

    @property
    def kinks(self) -> tuple[float, ...]:
        """Where a unary op's operand is not differentiable (``(0.0,)`` for relu and abs)."""
        return (0.0,) if self.kink is not None and self.arity == 1 else ()


def _fmt(x: float) -> str:
    return f"{x!r}"


def _finite(*xs: float) -> bool:
    return all(math.isfinite(x) for x in xs)


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
    """a / b;  d/da = 1/b, d/db = -a/b² (= -out/b); b = 0 is a ``ZeroDivisionError``."""
    if b == 0.0:
        raise ZeroDivisionError(
            f"division by zero in '/': {_fmt(a)} / {_fmt(b)}; the divisor must be non-zero"
        )
    out = a / b
    return out, 1.0 / b, -out / b


def pow_(a: float, b: float) -> tuple[float, float, float]:
    """a ** b for a Value exponent;  d/da = b·a^(b-1), d/db = a^b·ln(a); needs a > 0 (or -inf)."""
    if not a > 0.0:
        if a != a or b != b:  # nan in, nan out
            return NAN, NAN, NAN
        if a == -INF:  # a non-finite base is not a domain error: IEEE's pow; ln(-inf) is nan
            return a**b, b * a ** (b - 1.0), NAN
        raise ValueError(
            f"'**' with a Value exponent needs a positive base, got base {_fmt(a)} "
            f"(exponent {_fmt(b)}): d/db a^b = a^b·ln(a) is undefined for a <= 0. "
            "Use a plain number as the exponent (x ** 2), or make the base positive."
        )
    try:
        out = a**b
    except OverflowError:
        raise OverflowError(f"'**' overflowed: {_fmt(a)} ** {_fmt(b)} is too large for a float") from None
    try:
        da = b * a ** (b - 1.0)
    except OverflowError:  # the value fits, its slope does not
        da = math.copysign(INF, b)
    return out, da, out * math.log(a)


def maximum(a: float, b: float) -> tuple[float, float, float]:
    """max(a, b);  the gradient goes to the larger operand, split 1/2 : 1/2 on a tie.

    nan propagates (like ``torch.maximum``, unlike Python's ``max``).
    """
    if a > b:
        return a, 1.0, 0.0
    if a < b:
        return b, 0.0, 1.0
    if a == b:
        return a, 0.5, 0.5
    return NAN, NAN, NAN


def minimum(a: float, b: float) -> tuple[float, float, float]:
    """min(a, b);  the gradient goes to the smaller operand, split 1/2 : 1/2 on a tie."""
    if a < b:
        return a, 1.0, 0.0
    if a > b:
        return b, 0.0, 1.0
    if a == b:
        return a, 0.5, 0.5
    return NAN, NAN, NAN


# ----------------------------------------------------------------------------- unary


def pow_const(a: float, n: float) -> tuple[float, float]:
    """a ** n for a number n;  d/da = n·a^(n-1)."""
    if a < 0.0 and not float(n).is_integer() and a != -INF:
        raise ValueError(
            f"'**' of a negative base {_fmt(a)} to the non-integer power {n!r} has no real "
            "result (micrograd silently returns a complex number here). "
            "Use an integer exponent, or abs(x) ** n."
        )
    if a == 0.0 and n < 0:
        raise ZeroDivisionError(f"'**': {_fmt(a)} ** {n!r} divides by zero; the base must be non-zero")
    try:
        out = float(a**n)
    except OverflowError:
        raise OverflowError(f"'**' overflowed: {_fmt(a)} ** {n!r} is too large for a float") from None
    if n == 0:
        return out, 0.0  # a constant function of a (nan ** 0 is 1.0 in IEEE), as in PyTorch
    if a == 0.0 and n < 1:
        return out, INF  # e.g. sqrt at 0: the slope is vertical
    try:
        d = float(n * a ** (n - 1))
    except OverflowError:  # the value fits, its slope does not
        odd = float(n - 1).is_integer() and int(n - 1) % 2 == 1
        d = math.copysign(INF, n * (-1.0 if a < 0.0 and odd else 1.0))
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
    """ln(a);  d/da = 1/a; needs a > 0 (nan and ±inf propagate: log(inf) = inf, log(-inf) = nan)."""
    if not a > 0.0:
        if a != a or a == -INF:
            return NAN, NAN
        raise ValueError(
            f"log of {_fmt(a)} is undefined: log needs a positive argument. "
            "Clamp the input (e.g. x + 1e-12) or check where it became <= 0."
        )
    return math.log(a), 1.0 / a


def log1p(a: float) -> tuple[float, float]:
    """ln(1 + a), accurate for tiny a;  d/da = 1/(1 + a); needs a > -1."""
    if not a > -1.0:
        if a != a or a == -INF:
            return NAN, NAN
        raise ValueError(
            f"log1p of {_fmt(a)} is undefined: log1p(x) = ln(1 + x) needs x > -1. "
            "Clamp the input or check where it became <= -1."
        )
    return math.log1p(a), 1.0 / (1.0 + a)


def tanh(a: float) -> tuple[float, float]:
    """tanh(a);  d/da = 1 - tanh(a)²."""
    t = math.tanh(a)
    return t, 1.0 - t * t


def sigmoid(a: float) -> tuple[float, float]:
    """σ(a) = 1 / (1 + e^-a), computed without overflow;  d/da = σ(a)·(1 - σ(a))."""
    if a >= 0.0:
        s = 1.0 / (1.0 + math.exp(-a))
    else:
        e = math.exp(a)  # nan falls here too: nan out
        s = e / (1.0 + e)
    return s, s * (1.0 - s)


def relu(a: float) -> tuple[float, float]:
    """max(0, a);  d/da = 1 if a > 0 else 0 (0 at the kink, as in PyTorch); nan propagates."""
    if a > 0.0:
        return a, 1.0
    if a <= 0.0:
        return 0.0, 0.0
    return a, a


def abs_(a: float) -> tuple[float, float]:
    """|a|;  d/da = sign(a) (0 at the kink, as in PyTorch); nan propagates."""
    if a > 0.0:
        return a, 1.0
    if a < 0.0:
        return -a, -1.0
    if a == 0.0:
        return 0.0, 0.0
    return a, a


def sqrt(a: float) -> tuple[float, float]:
    """√a;  d/da = 1 / (2√a); needs a >= 0 (the slope at 0 is +inf; √inf = inf, slope 0)."""
    if a < 0.0:
        if a == -INF:
            return NAN, NAN
        raise ValueError(
            f"sqrt of {_fmt(a)} is undefined: sqrt needs a non-negative argument "
            "(micrograd's x ** 0.5 silently returns a complex number here)."
        )
    if a != a:
        return NAN, NAN
    r = math.sqrt(a)
    return r, (0.5 / r if r != 0.0 else INF)


def sin(a: float) -> tuple[float, float]:
    """sin(a);  d/da = cos(a); sin(±inf) is nan (Python's math raises there, IEEE and PyTorch give nan)."""
    if not math.isfinite(a):
        return NAN, NAN
    return math.sin(a), math.cos(a)


def cos(a: float) -> tuple[float, float]:
    """cos(a);  d/da = -sin(a); cos(±inf) is nan."""
    if not math.isfinite(a):
        return NAN, NAN
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


def _g_minmax(n: Value) -> tuple[Any, ...]:
    return n.local_grads  # piecewise constant: its own derivative is 0 (away from ties)


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


def _g_log1p(n: Value) -> tuple[Any, ...]:
    return (1.0 / (1.0 + n.children[0]),)


def _g_tanh(n: Value) -> tuple[Any, ...]:
    return (1.0 - n * n,)


def _g_sigmoid(n: Value) -> tuple[Any, ...]:
    return (n * (1.0 - n),)


def _g_piecewise(n: Value) -> tuple[Any, ...]:
    return n.local_grads  # relu, abs: the stored slope is constant on each side of the kink


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
_LOG1P: tuple[Interval, ...] = ((-0.8, 5.0),)
_WIDE: tuple[Interval, ...] = ((-6.0, 6.0),)

E = Edge
_NAN_1 = (E((NAN,), NAN, (NAN,)),)
# nan in either operand of an arithmetic op: nan out; the local derivatives are what the
# rule gives (1 for +, the other operand for *), as in PyTorch.
_ARITH_EDGES_ADD = (
    E((NAN, 1.0), NAN, (1.0, 1.0)),
    E((INF, 1.0), INF, (1.0, 1.0)),
    E((INF, -INF), NAN, (1.0, 1.0)),
    E((-0.0, -0.0), -0.0, (1.0, 1.0)),
    E((1e308, 1e308), INF, (1.0, 1.0)),
)

OPS: dict[str, Op] = {
    op.name: op
    for op in [
        Op("+", "+", 2, add, _g_add, "d(a+b)/da = 1, d(a+b)/db = 1", (_ANY, _ANY),
           "{a} + {b}", ("1", "1"), "__add__", "__radd__",
           inline=("a + b", ("1.0", "1.0")), edges=_ARITH_EDGES_ADD),
        Op("-", "−", 2, sub, _g_sub, "d(a-b)/da = 1, d(a-b)/db = -1", (_ANY, _ANY),
           "{a} − {b}", ("1", "−1"), "__sub__", "__rsub__",
           inline=("a - b", ("1.0", "-1.0")),
           edges=(E((NAN, 1.0), NAN, (1.0, -1.0)), E((INF, INF), NAN, (1.0, -1.0)),
                  E((0.0, 0.0), 0.0, (1.0, -1.0)))),
        Op("*", "×", 2, mul, _g_mul, "d(ab)/da = b, d(ab)/db = a", (_ANY, _ANY),
           "{a} · {b}", ("{b}", "{a}"), "__mul__", "__rmul__",
           inline=("a * b", ("b", "a")),
           edges=(E((NAN, 2.0), NAN, (2.0, NAN)), E((INF, 0.0), NAN, (0.0, INF)),
                  E((INF, -2.0), -INF, (-2.0, INF)), E((-0.0, 3.0), -0.0, (3.0, -0.0)),
                  E((1e200, 1e200), INF, (1e200, 1e200)))),
        Op("/", "÷", 2, div, _g_div, "d(a/b)/da = 1/b, d(a/b)/db = -a/b²", (_ANY, _NONZERO),
           "{a} / {b}", ("1/{b}", "−{a}/{b}²"), "__truediv__", "__rtruediv__",
           boundaries=((), (0.0,)),
           edges=(E((1.0, INF), 0.0, (0.0, -0.0)), E((INF, 2.0), INF, (0.5, -INF)),
                  E((NAN, 2.0), NAN, (0.5, NAN)), E((INF, INF), NAN, (0.0, NAN)),
                  E((1.0, 0.0), error=ZeroDivisionError), E((NAN, 0.0), error=ZeroDivisionError),
                  E((1e308, 1e-10), INF, (1e10, -INF)))),
        Op("**", "^", 2, pow_, _g_pow, "d(a^b)/da = b·a^(b-1), d(a^b)/db = a^b·ln a", (_POSITIVE, _ANY),
           "{a}^{b}", ("{b}·{a}^({b} − 1)", "{a}^{b}·ln {a}"),
           boundaries=((0.0,), ()),
           edges=(E((NAN, 2.0), NAN, (NAN, NAN)), E((2.0, NAN), NAN, (NAN, NAN)),
                  E((INF, 2.0), INF, (INF, INF)), E((2.0, -INF), 0.0, (NAN, 0.0)),
                  E((-INF, 2.0), INF, (-INF, NAN)), E((-INF, 3.0), -INF, (INF, NAN)),
                  E((-INF, -INF), 0.0, (NAN, NAN)),
                  E((0.0, 2.0), error=ValueError), E((-1.0, 2.0), error=ValueError),
                  E((1e300, 2.0), error=OverflowError),
                  E((1e-300, -1.0), 1e-300**-1, (-INF, 1e-300**-1 * math.log(1e-300))))),
        Op("max", "max", 2, maximum, _g_minmax, "d max(a,b)/da = 1 if a > b, 0 if a < b, ½ if a = b",
           (_ANY, _ANY), "max({a}, {b})",
           ("1 if {a} > {b} else 0 (½ if equal)", "1 if {b} > {a} else 0 (½ if equal)"),
           "max", function="max", kink=lambda a, b: a - b,
           inline=("a if a > b else b if a < b else a if a == b else a + b",
                   ("1.0 if a > b else 0.0 if a < b else 0.5 if a == b else a + b",
                    "0.0 if a > b else 1.0 if a < b else 0.5 if a == b else a + b")),
           edges=(E((1.0, 1.0), 1.0, (0.5, 0.5)), E((NAN, 1.0), NAN, (NAN, NAN)),
                  E((1.0, NAN), NAN, (NAN, NAN)), E((INF, INF), INF, (0.5, 0.5)),
                  E((-INF, 0.0), 0.0, (0.0, 1.0)), E((0.0, -0.0), 0.0, (0.5, 0.5))),
           doc="The max gate: routes the upstream gradient to the larger operand (split equally on a "
               "tie, as torch.maximum does)."),
        Op("min", "min", 2, minimum, _g_minmax, "d min(a,b)/da = 1 if a < b, 0 if a > b, ½ if a = b",
           (_ANY, _ANY), "min({a}, {b})",
           ("1 if {a} < {b} else 0 (½ if equal)", "1 if {b} < {a} else 0 (½ if equal)"),
           "min", function="min", kink=lambda a, b: a - b,
           inline=("a if a < b else b if a > b else a if a == b else a + b",
                   ("1.0 if a < b else 0.0 if a > b else 0.5 if a == b else a + b",
                    "0.0 if a < b else 1.0 if a > b else 0.5 if a == b else a + b")),
           edges=(E((2.0, 2.0), 2.0, (0.5, 0.5)), E((NAN, 1.0), NAN, (NAN, NAN)),
                  E((-INF, -INF), -INF, (0.5, 0.5)), E((INF, 0.0), 0.0, (0.0, 1.0))),
           doc="The min gate: routes the upstream gradient to the smaller operand (split equally on a tie)."),
        Op("**n", "^n", 1, pow_const, _g_pow_const, "d(a^n)/da = n·a^(n-1)", (_POSITIVE,),
           "{a}^{n}", ("{n}·{a}^({n} − 1)",), param_domain=(-3.0, 3.0),
           boundaries=((0.0,),),
           edges=(E((NAN,), NAN, (NAN,), param=2.0), E((NAN,), 1.0, (0.0,), param=0.0),
                  E((INF,), INF, (INF,), param=2.0), E((INF,), 0.0, (-0.0,), param=-1.0),
                  E((-INF,), -INF, (INF,), param=3.0), E((0.0,), 0.0, (INF,), param=0.5),
                  E((0.0,), 0.0, (0.0,), param=2.0), E((0.0,), error=ZeroDivisionError, param=-1.0),
                  E((-8.0,), error=ValueError, param=0.5), E((1e200,), error=OverflowError, param=2.0),
                  E((1e-300,), 1e-300**-1, (-INF,), param=-1.0))),
        Op("neg", "−", 1, neg, _g_neg, "d(-a)/da = -1", (_ANY,), "−{a}", ("−1",), "__neg__", function="neg",
           inline=("-a", ("-1.0",)),
           edges=(E((NAN,), NAN, (-1.0,)), E((INF,), -INF, (-1.0,)), E((0.0,), -0.0, (-1.0,)))),
        Op("exp", "exp", 1, exp, _g_exp, "d(e^a)/da = e^a", (_ANY,), "exp({a})", ("exp({a})",), "exp",
           function="exp",
           boundaries=((709.782712893384, 709.7827128933841, -745.1332191019412),),
           edges=(*_NAN_1, E((INF,), INF, (INF,)), E((-INF,), 0.0, (0.0,)),
                  E((709.0,), math.exp(709.0), (math.exp(709.0),)), E((710.0,), error=OverflowError))),
        Op("log", "log", 1, log, _g_log, "d(ln a)/da = 1/a", (_LOG,), "ln({a})", ("1/{a}",), "log",
           function="log",
           boundaries=((0.0,),),
           edges=(*_NAN_1, E((INF,), INF, (0.0,)), E((-INF,), NAN, (NAN,)),
                  E((5e-324,), math.log(5e-324), (INF,)),
                  E((0.0,), error=ValueError), E((-1.0,), error=ValueError))),
        Op("log1p", "log1p", 1, log1p, _g_log1p, "d ln(1+a)/da = 1/(1+a)", (_LOG1P,), "ln(1 + {a})",
           ("1/(1 + {a})",), "log1p", function="log1p",
           boundaries=((-1.0,),),
           edges=(*_NAN_1, E((INF,), INF, (0.0,)), E((-INF,), NAN, (NAN,)),
                  E((1e-20,), 1e-20, (1.0,)), E((-1.0,), error=ValueError), E((-2.0,), error=ValueError)),
           doc="ln(1 + x), accurate where x is tiny (log(1 + 1e-20) is 0.0; log1p gives 1e-20)."),
        Op("tanh", "tanh", 1, tanh, _g_tanh, "d(tanh a)/da = 1 - tanh²a", (_ANY,), "tanh({a})",
           ("1 − tanh({a})²",), "tanh", function="tanh",
           inline=("tanh(a)", ("1.0 - out * out",)),
           edges=(*_NAN_1, E((INF,), 1.0, (0.0,)), E((-INF,), -1.0, (0.0,)), E((-0.0,), -0.0, (1.0,)),
                  E((20.0,), 1.0, (0.0,)))),
        Op("sigmoid", "σ", 1, sigmoid, _g_sigmoid, "dσ(a)/da = σ(a)(1 - σ(a))", (_WIDE,), "σ({a})",
           ("σ({a})·(1 − σ({a}))",), "sigmoid", function="sigmoid",
           edges=(*_NAN_1, E((INF,), 1.0, (0.0,)), E((-INF,), 0.0, (0.0,)), E((0.0,), 0.5, (0.25,)),
                  E((-800.0,), 0.0, (0.0,)))),
        Op("relu", "ReLU", 1, relu, _g_piecewise, "d relu(a)/da = 1 if a > 0 else 0", (_NONZERO,),
           "relu({a})", ("1 if {a} > 0 else 0",), "relu", function="relu", kink=lambda a: a,
           inline=("a if a > 0.0 else 0.0 if a <= 0.0 else a",
                   ("1.0 if a > 0.0 else 0.0 if a <= 0.0 else a",)),
           edges=(*_NAN_1, E((INF,), INF, (1.0,)), E((-INF,), 0.0, (0.0,)), E((0.0,), 0.0, (0.0,)),
                  E((-0.0,), 0.0, (0.0,)), E((5e-324,), 5e-324, (1.0,)))),
        Op("abs", "|·|", 1, abs_, _g_piecewise, "d|a|/da = sign(a)", (_NONZERO,), "|{a}|",
           ("sign({a})",), "abs", function="abs", kink=lambda a: a,
           inline=("a if a > 0.0 else -a if a < 0.0 else 0.0 if a == 0.0 else a",
                   ("1.0 if a > 0.0 else -1.0 if a < 0.0 else 0.0 if a == 0.0 else a",)),
           edges=(*_NAN_1, E((INF,), INF, (1.0,)), E((-INF,), INF, (-1.0,)), E((0.0,), 0.0, (0.0,)),
                  E((-0.0,), 0.0, (0.0,)))),
        Op("sqrt", "√", 1, sqrt, _g_sqrt, "d√a/da = 1/(2√a)", (_LOG,), "√{a}", ("1/(2·√{a})",), "sqrt",
           function="sqrt",
           boundaries=((0.0,),),
           edges=(*_NAN_1, E((INF,), INF, (0.0,)), E((-INF,), NAN, (NAN,)), E((0.0,), 0.0, (INF,)),
                  E((-0.0,), -0.0, (INF,)), E((-4.0,), error=ValueError))),
        Op("sin", "sin", 1, sin, _g_sin, "d sin a/da = cos a", (_WIDE,), "sin({a})", ("cos({a})",), "sin",
           function="sin",
           edges=(*_NAN_1, E((INF,), NAN, (NAN,)), E((-INF,), NAN, (NAN,)), E((-0.0,), -0.0, (1.0,)))),
        Op("cos", "cos", 1, cos, _g_cos, "d cos a/da = -sin a", (_WIDE,), "cos({a})", ("−sin({a})",), "cos",
           function="cos",
           edges=(*_NAN_1, E((INF,), NAN, (NAN,)), E((-INF,), NAN, (NAN,)), E((0.0,), 1.0, (-0.0,)))),
    ]
}
"""Every op, by name. A node's ``op`` string is one of these names, except that ``x ** n``
with a number ``n`` is recorded as ``"**n"`` with the number written in (``"**2"``, as in
micrograd); :func:`op_of` maps any node's op string to its entry."""

FUNCTIONS: tuple[str, ...] = tuple(sorted(op.function for op in OPS.values() if op.function))
"""The op names usable as functions in an expression (the command line's grammar)."""


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
    >>> apply("max", Value(1.0), 3.0).data
    3.0
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
    if name == "**":
        return operands[0] ** operands[1]
    from .value import Value, constant

    first = operands[0]
    if not isinstance(first, Value):  # a number on the left: the reflected form
        if entry.reflected is not None:
            return getattr(operands[1], entry.reflected)(first)
        first = constant(first)
    return getattr(first, entry.method)(*operands[1:])  # type: ignore[arg-type]


def edge_table() -> str:
    """The documented non-finite semantics of every op as a Markdown table (in the README).

    >>> print(edge_table().splitlines()[0])
    | op | operands | value | local derivatives |
    """
    rows = ["| op | operands | value | local derivatives |", "|---|---|---|---|"]
    for op in OPS.values():
        for e in op.edges:
            args = ", ".join(_show(a) for a in e.args)
            if op.name == "**n":
                args = f"{args} ** {_show(e.param)}"
            if e.error is not None:
                rows.append(f"| `{op.name}` | {args} | {e.error.__name__} | |")
            else:
                local = ", ".join(_show(d) for d in e.local)
                rows.append(f"| `{op.name}` | {args} | {_show(e.out)} | {local} |")
    return "\n".join(rows)


def _show(x: float | None) -> str:
    if x is None:
        return ""
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return repr(x)
