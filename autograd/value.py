"""Value: one real number that remembers the operation that made it.

A node stores data, not behaviour: its number (``data``), its gradient (``grad``), a
``label``, the name of the ``op`` that produced it, at most two ``children`` (an ordered
tuple: ``x * x`` keeps both edges) and the local derivatives of the op with respect to each
child, computed once when the node is built (``local_grads``). There are no closures, so a
graph can be inspected, drawn, stepped through and freed by plain reference counting.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

from . import ops as _ops
from .modes import ACTIVE as _ACTIVE
from .modes import COMPARE as _COMPARE
from .modes import AnomalyError, creation_trace
from .modes import state as _mode_state

Number = int | float
_tanh = math.tanh


class Value:
    """A scalar in a computation graph: ``data``, ``grad`` and how it was computed.

    ``Value(data, label="")`` takes a real number (``int``, ``float`` or ``bool``, stored as
    ``float``). Arithmetic with Values or plain numbers on either side builds the graph;
    ``backward()`` fills ``grad`` on every node with d(this)/d(node).

    >>> a = Value(2.0, label="a")
    >>> b = Value(-3.0, label="b")
    >>> c = a * b + a        # c = ab + a
    >>> c.backward()
    >>> a.grad, b.grad       # dc/da = b + 1, dc/db = a
    (-2.0, 2.0)

    ``==`` and ``hash`` are identity (graphs are walked with sets and dicts of nodes);
    ``< <= > >=`` compare ``data``; ``float(v)`` is ``v.data``.
    """

    __slots__ = ("_c0", "_c1", "_g0", "_g1", "_mark", "data", "grad", "label", "op")

    data: float
    grad: float
    label: str
    op: str

    def __init__(self, data: Number, label: str = "", *_micrograd_op: Any) -> None:
        if type(data) is not float:
            data = _to_float(data)
        if type(label) is not str or _micrograd_op:
            label = _check_label(label)
        self.data = data
        self.grad = 0.0
        self.label = label
        self.op = ""
        self._c0 = None
        self._c1 = None
        self._g0 = 0.0
        self._g1 = 0.0
        self._mark = 0

    # ------------------------------------------------------------------ graph structure

    @property
    def children(self) -> tuple[Value, ...]:
        """The operands this node was computed from, in order (duplicates kept)."""
        c0 = self._c0
        if c0 is None:
            return ()
        c1 = self._c1
        return (c0,) if c1 is None else (c0, c1)

    @property
    def local_grads(self) -> tuple[float, ...]:
        """d(self)/d(child) for each child, as stored when the node was built."""
        if self._c0 is None:
            return ()
        return (self._g0,) if self._c1 is None else (self._g0, self._g1)

    @property
    def is_leaf(self) -> bool:
        """True for a node made by ``Value(...)`` (no children), False for an op's result."""
        return self._c0 is None

    @property
    def is_constant(self) -> bool:
        """True for a leaf that chaingrad made from a plain number in an expression."""
        return False

    @property
    def _prev(self) -> set[Value]:
        """micrograd's name for the children (a set there; kept for drawing code written for it)."""
        return set(self.children)

    @property
    def _op(self) -> str:
        """micrograd's name for ``op``."""
        return self.op

    # ------------------------------------------------------------------ binary ops

    # The four arithmetic ops build their node inline (no helper call, no result tuple):
    # they are the bulk of every graph. Their rules are the table's (ops.add, ops.sub,
    # ops.mul); tests/autograd/test_ops.py checks every node against the table.

    def __add__(self, other: Value | Number) -> Value:
        cls = type(other)
        if cls is not _Node and cls is not Value:
            other = _coerce(other)
            if other is NotImplemented:
                return NotImplemented
        if _ACTIVE[0]:
            return _node_in_mode(self.data + other.data, "+", self, 1.0, other, 1.0)
        v = _Node()
        v.data = self.data + other.data
        v.grad = 0.0
        v.label = ""
        v.op = "+"
        v._c0 = self
        v._c1 = other
        v._g0 = 1.0
        v._g1 = 1.0
        v._mark = 0
        return v

    def __radd__(self, other: Number) -> Value:
        o = _coerce(other)
        if o is NotImplemented:
            return NotImplemented
        if _ACTIVE[0]:
            return _node_in_mode(o.data + self.data, "+", o, 1.0, self, 1.0)
        v = _Node()
        v.data = o.data + self.data
        v.grad = 0.0
        v.label = ""
        v.op = "+"
        v._c0 = o
        v._c1 = self
        v._g0 = 1.0
        v._g1 = 1.0
        v._mark = 0
        return v

    def __sub__(self, other: Value | Number) -> Value:
        cls = type(other)
        if cls is not _Node and cls is not Value:
            other = _coerce(other)
            if other is NotImplemented:
                return NotImplemented
        if _ACTIVE[0]:
            return _node_in_mode(self.data - other.data, "-", self, 1.0, other, -1.0)
        v = _Node()
        v.data = self.data - other.data
        v.grad = 0.0
        v.label = ""
        v.op = "-"
        v._c0 = self
        v._c1 = other
        v._g0 = 1.0
        v._g1 = -1.0
        v._mark = 0
        return v

    def __rsub__(self, other: Number) -> Value:
        o = _coerce(other)
        return NotImplemented if o is NotImplemented else o.__sub__(self)

    def __mul__(self, other: Value | Number) -> Value:
        cls = type(other)
        if cls is not _Node and cls is not Value:
            other = _coerce(other)
            if other is NotImplemented:
                return NotImplemented
        a = self.data
        b = other.data
        if _ACTIVE[0]:
            return _node_in_mode(a * b, "*", self, b, other, a)
        v = _Node()
        v.data = a * b
        v.grad = 0.0
        v.label = ""
        v.op = "*"
        v._c0 = self
        v._c1 = other
        v._g0 = b
        v._g1 = a
        v._mark = 0
        return v

    def __rmul__(self, other: Number) -> Value:
        o = _coerce(other)
        if o is NotImplemented:
            return NotImplemented
        a = o.data
        b = self.data
        if _ACTIVE[0]:
            return _node_in_mode(a * b, "*", o, b, self, a)
        v = _Node()
        v.data = a * b
        v.grad = 0.0
        v.label = ""
        v.op = "*"
        v._c0 = o
        v._c1 = self
        v._g0 = b
        v._g1 = a
        v._mark = 0
        return v

    def __truediv__(self, other: Value | Number) -> Value:
        cls = type(other)
        if cls is not _Node and cls is not Value:
            other = _coerce(other)
            if other is NotImplemented:
                return NotImplemented
        out, ga, gb = _ops.div(self.data, other.data)
        return _node(out, "/", self, ga, other, gb)

    def __rtruediv__(self, other: Number) -> Value:
        o = _coerce(other)
        return NotImplemented if o is NotImplemented else o.__truediv__(self)

    def __pow__(self, other: Value | Number) -> Value:
        """``x ** n`` for a number n (any real n for x > 0, an integer n for x < 0), or
        ``x ** y`` for a Value y with x > 0 (then d/dy = x^y·ln x)."""
        if isinstance(other, Value):
            out, ga, gb = _ops.pow_(self.data, other.data)
            return _node(out, "**", self, ga, other, gb)
        if isinstance(other, (int, float)) or _is_real(other):
            n = other if type(other) in (int, float) else float(other)
            out, g = _ops.pow_const(self.data, n)
            return _node(out, _ops.pow_const_name(n), self, g)
        return NotImplemented

    def __rpow__(self, other: Number) -> Value:
        o = _coerce(other)
        return NotImplemented if o is NotImplemented else o.__pow__(self)

    # ------------------------------------------------------------------ unary ops

    def __neg__(self) -> Value:
        out, g = _ops.neg(self.data)
        return _node(out, "neg", self, g)

    def __pos__(self) -> Value:
        return self

    def __abs__(self) -> Value:
        return self.abs()

    def exp(self) -> Value:
        """e^x; d/dx = e^x. ``OverflowError`` above x ≈ 709.78.

        >>> round(Value(1.0).exp().data, 6)
        2.718282
        """
        out, g = _ops.exp(self.data)
        return _node(out, "exp", self, g)

    def log(self) -> Value:
        """Natural log; d/dx = 1/x. ``ValueError`` for x <= 0.

        >>> Value(1.0).log().data
        0.0
        """
        out, g = _ops.log(self.data)
        return _node(out, "log", self, g)

    def tanh(self) -> Value:
        """tanh(x); d/dx = 1 - tanh(x)^2.

        >>> Value(0.0).tanh().local_grads
        (1.0,)
        """
        t = _tanh(self.data)  # ops.tanh, inline (hot in tanh networks)
        if _ACTIVE[0]:
            return _node_in_mode(t, "tanh", self, 1.0 - t * t, None, 0.0)
        v = _Node()
        v.data = t
        v.grad = 0.0
        v.label = ""
        v.op = "tanh"
        v._c0 = self
        v._c1 = None
        v._g0 = 1.0 - t * t
        v._g1 = 0.0
        v._mark = 0
        return v

    def sigmoid(self) -> Value:
        """σ(x) = 1/(1 + e^-x), stable for any x; d/dx = σ(x)(1 - σ(x)).

        >>> Value(0.0).sigmoid().data
        0.5
        """
        out, g = _ops.sigmoid(self.data)
        return _node(out, "sigmoid", self, g)

    def relu(self) -> Value:
        """max(0, x); d/dx = 1 for x > 0, else 0 (0 at the kink, like PyTorch).

        >>> Value(-2.0).relu().data, Value(3.0).relu().data
        (0.0, 3.0)
        """
        a = self.data
        out, g = (a, 1.0) if a > 0.0 else (0.0, 0.0)  # ops.relu, inline (hot in every MLP)
        if _ACTIVE[0]:
            return _node_in_mode(out, "relu", self, g, None, 0.0)
        v = _Node()
        v.data = out
        v.grad = 0.0
        v.label = ""
        v.op = "relu"
        v._c0 = self
        v._c1 = None
        v._g0 = g
        v._g1 = 0.0
        v._mark = 0
        return v

    def abs(self) -> Value:
        """|x|; d/dx = sign(x) (0 at x = 0).

        >>> Value(-2.0).abs().data
        2.0
        """
        out, g = _ops.abs_(self.data)
        return _node(out, "abs", self, g)

    def sqrt(self) -> Value:
        """√x; d/dx = 1/(2√x). ``ValueError`` for x < 0.

        >>> Value(9.0).sqrt().data
        3.0
        """
        out, g = _ops.sqrt(self.data)
        return _node(out, "sqrt", self, g)

    def sin(self) -> Value:
        """sin(x); d/dx = cos(x).

        >>> Value(0.0).sin().local_grads
        (1.0,)
        """
        out, g = _ops.sin(self.data)
        return _node(out, "sin", self, g)

    def cos(self) -> Value:
        """cos(x); d/dx = -sin(x).

        >>> Value(0.0).cos().data
        1.0
        """
        out, g = _ops.cos(self.data)
        return _node(out, "cos", self, g)

    # ------------------------------------------------------------------ comparisons

    def __lt__(self, other: Value | Number) -> bool:
        o = _data_of(other)
        if o is NotImplemented:
            return NotImplemented
        r = self.data < o
        if _COMPARE[0]:
            _compared(self, "<", other, r)
        return r

    def __le__(self, other: Value | Number) -> bool:
        o = _data_of(other)
        if o is NotImplemented:
            return NotImplemented
        r = self.data <= o
        if _COMPARE[0]:
            _compared(self, "<=", other, r)
        return r

    def __gt__(self, other: Value | Number) -> bool:
        o = _data_of(other)
        if o is NotImplemented:
            return NotImplemented
        r = self.data > o
        if _COMPARE[0]:
            _compared(self, ">", other, r)
        return r

    def __ge__(self, other: Value | Number) -> bool:
        o = _data_of(other)
        if o is NotImplemented:
            return NotImplemented
        r = self.data >= o
        if _COMPARE[0]:
            _compared(self, ">=", other, r)
        return r

    # ``__eq__``/``__hash__`` are deliberately object identity: graph walks key on nodes.

    # ------------------------------------------------------------------ conversions

    def __float__(self) -> float:
        return self.data

    def __repr__(self) -> str:
        parts = [f"data={self.data:.4g}", f"grad={self.grad:.4g}"]
        if self.op:
            parts.append(f"op={self.op!r}")
        if self.label:
            parts.append(f"label={self.label!r}")
        return f"{type(self).__name__}({', '.join(parts)})"

    def __format__(self, spec: str) -> str:
        return format(self.data, spec) if spec else repr(self)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        """Jupyter display: the graph as SVG for a small graph, always the repr as text."""
        try:
            from .render import mimebundle

            return mimebundle(self, include, exclude)
        except Exception:  # display must never fail
            return {"text/plain": repr(self)}

    # ------------------------------------------------------------------ autograd

    def backward(self, gradient: float = 1.0) -> None:
        """Add ``d self / d node · gradient`` to ``node.grad`` for every node of the graph.

        Gradients *accumulate*: a second call adds the same amounts again (as in PyTorch),
        so zero them between steps with :meth:`zero_grad` or ``Module.zero_grad()``.

        >>> x = Value(3.0)
        >>> y = x * x
        >>> y.backward(); x.grad
        6.0
        >>> y.backward(); x.grad
        12.0
        """
        from .backward import backward

        backward(self, gradient)

    def zero_grad(self) -> None:
        """Set ``grad = 0.0`` on this node and every node it was computed from."""
        from .backward import zero_grad

        zero_grad(self)

    def detach(self) -> Value:
        """A new leaf with the same ``data`` (and label): gradients stop here.

        >>> x = Value(2.0)
        >>> y = (x * x).detach() * x
        >>> y.backward(); x.grad    # only the last factor is seen: d(4·x)/dx
        4.0
        """
        return Value(self.data, self.label)


class Const(Value):
    """A leaf made from a plain number in an expression (``x + 1`` makes ``Const(1.0)``).

    It behaves like any leaf (its ``grad`` is filled in too); the renderer draws it as a
    constant rather than an input.
    """

    __slots__ = ()

    @property
    def is_constant(self) -> bool:
        return True


class _Node(Value):
    """An op's result: a :class:`Value` built without running ``Value.__init__``.

    Results of operations need no argument checks, and calling a class whose ``__init__``
    is ``object.__init__`` is the cheapest way CPython has to allocate an instance (about
    25 ns less than ``object.__new__(Value)``, ~60 ns less than a Python ``__init__``).
    Test node types with ``isinstance(v, Value)``; ``repr`` shows ``Value``.
    """

    __slots__ = ()
    __init__ = object.__init__  # type: ignore[assignment]


_Node.__name__ = _Node.__qualname__ = "Value"  # what users see in reprs and error messages


class _Const(Const):
    """A :class:`Const` made from a plain number in an expression, allocated like :class:`_Node`."""

    __slots__ = ()
    __init__ = object.__init__  # type: ignore[assignment]


_Const.__name__ = _Const.__qualname__ = "Const"


# ------------------------------------------------------------------ construction helpers

_new = object.__new__


def _node(data: float, op: str, c0: Value, g0: float, c1: Value | None = None, g1: float = 0.0) -> Value:
    """Build an op's result node (the path of the less frequent ops)."""
    if _ACTIVE[0]:
        return _node_in_mode(data, op, c0, g0, c1, g1)
    v = _Node()
    v.data = data
    v.grad = 0.0
    v.label = ""
    v.op = op
    v._c0 = c0
    v._c1 = c1
    v._g0 = g0
    v._g1 = g1
    v._mark = 0
    return v


def _node_in_mode(data: float, op: str, c0: Value, g0: float, c1: Value | None, g1: float) -> Value:
    st = _mode_state()
    if not st.grad_enabled:
        return Value(data)
    if st.anomaly is not None and not math.isfinite(data):
        operands = ", ".join(repr(c) for c in ((c0,) if c1 is None else (c0, c1)))
        raise AnomalyError(
            f"op {op!r} produced {data!r} from {operands}.\nThe op was called here:\n{creation_trace()}"
        )
    v = _Node()
    v.data = data
    v.grad = 0.0
    v.label = ""
    v.op = op
    v._c0 = c0
    v._c1 = c1
    v._g0 = g0
    v._g1 = g1
    v._mark = 0
    if st.anomaly is not None:
        st.anomaly.traces[id(v)] = (v, creation_trace())
    return v


def _compared(a: Value, op: str, b: Any, result: bool) -> None:
    """Report a comparison to the recording mode's hook (see ``modes.comparisons_reported``)."""
    hook = _mode_state().compare
    if hook is not None:
        hook(a, op, b, result)


def _is_real(x: Any) -> bool:
    return isinstance(x, numbers.Real) and not isinstance(x, Value)


def _to_float(data: Any) -> float:
    if isinstance(data, (int, float)) or _is_real(data):
        return float(data)
    if isinstance(data, Value):
        raise TypeError(
            f"Value() takes a number, got another Value ({data!r}). "
            "Use that Value itself, or Value(v.data) for a new leaf with its number."
        )
    raise TypeError(
        f"Value() takes a real number (int, float or bool), got {type(data).__name__}: {data!r}. "
        "Convert it first, e.g. Value(float(x))."
    )


def _check_label(label: Any) -> str:
    if isinstance(label, (tuple, list, set)) or isinstance(label, str):
        raise TypeError(
            "Value(data, children, op) is micrograd's internal constructor; chaingrad records "
            "children and local derivatives itself. Build results with Value operations "
            "(a * b, x.tanh(), ...); the second argument of Value is a str label."
        )
    raise TypeError(f"label must be a str, got {type(label).__name__}: {label!r}")


def _coerce(x: Any) -> Value:
    """A Value for an operand: Values pass through, real numbers become :class:`Const`."""
    if type(x) is float or (not isinstance(x, Value) and (isinstance(x, int) or _is_real(x))):
        c = _Const()  # x is known real here: no constructor checks needed
        c.data = float(x)
        c.grad = 0.0
        c.label = ""
        c.op = ""
        c._c0 = None
        c._c1 = None
        c._g0 = 0.0
        c._g1 = 0.0
        c._mark = 0
        return c
    if isinstance(x, Value):
        return x
    return NotImplemented


def _data_of(x: Any) -> float:
    if isinstance(x, Value):
        return x.data
    if isinstance(x, (int, float)) or _is_real(x):
        return x
    return NotImplemented
