"""Value: one real number that remembers the operation that made it.

A node stores data, not behaviour: its number (``data``), its gradient (``grad``), a
``label``, the name of the ``op`` that produced it, at most two ``children`` (an ordered
tuple: ``x * x`` keeps both edges) and the local derivatives of the op with respect to each
child, computed once when the node is built (``local_grads``). There are no closures, so a
graph can be inspected, drawn, stepped through, copied, pickled and freed by plain
reference counting.

The operators and op methods of :class:`Value` are not written here: :func:`_generate`
writes each one from its entry in the op table (:mod:`autograd.ops`) when this module is
imported, with the node built inline (no helper call), which is as fast as the hand-written
code it replaced. The generated source of each is readable as ``Value.tanh.__source__``.

This module is the only one that knows a node's private fields (``_c0 _c1`` the children,
``_g0 _g1`` their local derivatives, ``_mark`` the walk's visit mark, ``_meta`` the label
and scope): the
topological walk and the chain-rule loop live here too, and other modules use
:func:`walk`, :func:`propagate` and :func:`edges`.
"""

from __future__ import annotations

import itertools
import math
import numbers
import re
import threading
from collections.abc import Iterator, Sequence
from typing import Any

from . import ops as _ops
from .modes import ACTIVE as _ACTIVE
from .modes import COMPARE as _COMPARE
from .modes import STATE as _MODE_STATE
from .modes import AnomalyError, creation_trace

Number = int | float
_mode_state = _MODE_STATE.get  # the current recording state (modes.state(), without a call)

# The fields every node sets when it is built, in one place (the generator, copy and pickle
# read this). ``_meta`` is the ``(label, scope)`` pair: one shared ``("", "")`` on most nodes
# (an op's result rarely has either), so two rarely used names cost one slot.
FIELDS = ("data", "grad", "op", "_c0", "_c1", "_g0", "_g1", "_mark", "_meta")
_NO_META = ("", "")


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

    Like micrograd's, a Value made by ``Value(...)`` takes new attributes (``p.m = 0.0``, as
    EurekaLabsAI's AdamW stores its moments; a colour for drawing); the dictionary for them
    is made on first use. The results of operations have no such dictionary, only
    ``data``, ``grad``, ``label`` and the graph fields: they are the bulk of every graph,
    and the dictionary's pointer and header would cost them 24 bytes each (about a fifth).
    ``type(v)`` is therefore a private subclass named ``Value`` (one for leaves, one for
    op results, one for constants); test with ``isinstance(v, Value)``.
    """

    __slots__ = ("_c0", "_c1", "_g0", "_g1", "_mark", "_meta", "data", "grad", "op")

    data: float
    grad: float
    op: str

    def __init__(self, data: Number, label: str = "", *_micrograd_op: Any, **micrograd_kw: Any) -> None:
        if type(data) is not float:
            data = _to_float(data)
        if type(label) is not str or _micrograd_op or micrograd_kw:
            label = _check_label(label, micrograd_kw)
        self.data = data
        self.grad = 0.0
        self.op = ""
        self._c0 = None
        self._c1 = None
        self._g0 = 0.0
        self._g1 = 0.0
        self._mark = 0
        s = _mode_state().scope if _ACTIVE[0] else ""
        self._meta = (label, s) if label or s else _NO_META

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
    def label(self) -> str:
        """A name for drawing and printing (``""`` when none was given); settable."""
        return self._meta[0]

    @label.setter
    def label(self, name: str) -> None:
        if type(name) is not str:
            raise TypeError(f"label must be a str, got {type(name).__name__}: {name!r}")
        self._meta = (name, self.scope)

    @property
    def scope(self) -> str:
        """Where this node was built: the :func:`autograd.scope` blocks, or the ``nn`` module.

        A dotted path such as ``layers.0.neurons.3``; ``""`` outside any. ``nn`` modules tag
        their outputs and parameters only; :func:`autograd.backward.scopes` works out the
        scope of every node in between.
        """
        return self._meta[1]

    @scope.setter
    def scope(self, name: str) -> None:
        if type(name) is not str:
            raise TypeError(f"scope must be a str, got {type(name).__name__}: {name!r}")
        self._meta = (self.label, name)

    @property
    def _prev(self) -> set[Value]:
        """micrograd's name for the children (a set there; kept for drawing code written for it)."""
        return set(self.children)

    @property
    def _op(self) -> str:
        """micrograd's name for ``op``."""
        return self.op

    def _backward(self) -> None:
        """micrograd's per-node step: add ``local_grad · self.grad`` to each child's ``grad``.

        The lecture calls it node by node, from the output down, before ``backward()``
        exists; it does nothing on a leaf.

        >>> a, b = Value(2.0), Value(-3.0)
        >>> c = a * b
        >>> c.grad = 1.0
        >>> c._backward()
        >>> a.grad, b.grad
        (-3.0, 2.0)
        """
        c0 = self._c0
        if c0 is None:
            return
        up = self.grad
        c0.grad += self._g0 * up
        c1 = self._c1
        if c1 is not None:
            c1.grad += self._g1 * up

    # ------------------------------------------------------------------ ops written by hand
    # Every other operator and op method is generated from the op table (see _generate).

    def __pow__(self, other: Value | Number) -> Value:
        """``x ** n`` for a number n (any real n for x > 0, an integer n for x < 0), or
        ``x ** y`` for a Value y with x > 0 (then d/dy = x^y·ln x)."""
        if isinstance(other, Value):
            out, ga, gb = _ops.pow_(self.data, other.data)
            return _node(out, "**", self, ga, other, gb)
        if type(other) in (int, float) or _is_real(other):
            n = other if type(other) in (int, float) else float(other)
            out, g = _ops.pow_const(self.data, n)
            return _node(out, _ops.pow_const_name(n), self, g)
        return NotImplemented

    def __rpow__(self, other: Number) -> Value:
        o = _coerce(other)
        return NotImplemented if o is NotImplemented else o.__pow__(self)

    def __pos__(self) -> Value:
        return self

    def __abs__(self) -> Value:
        return self.abs()  # type: ignore[attr-defined,no-any-return]

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

    # ------------------------------------------------------------------ copy and pickle

    def __copy__(self) -> Value:
        """A new node with the same fields and the same children (a shallow copy)."""
        new = _blank(type(self))
        for f in FIELDS:
            setattr(new, f, getattr(self, f))
        new._mark = 0
        _copy_extras(self, new, None)
        return new

    def __deepcopy__(self, memo: dict[int, Any]) -> Value:
        """A copy of the whole graph below this node (leaves included), without recursion.

        Nodes already in ``memo`` (copied earlier in the same ``deepcopy`` call) are reused,
        so a list of Values that share a graph is copied into one shared graph.
        """
        import copy

        for n in walk(self, leaves=True):
            if id(n) in memo:
                continue
            new = _blank(type(n))
            new.data, new.grad, new.op = n.data, n.grad, n.op
            c0, c1 = n._c0, n._c1
            new._c0 = None if c0 is None else memo[id(c0)]
            new._c1 = None if c1 is None else memo[id(c1)]
            new._g0, new._g1, new._mark, new._meta = n._g0, n._g1, 0, _NO_META
            memo[id(n)] = new
            _copy_extras(n, new, lambda d: copy.deepcopy(d, memo))
        return memo[id(self)]  # type: ignore[no-any-return]

    def __reduce_ex__(self, protocol: Any) -> tuple[Any, ...]:
        """Pickle a graph flat: the leaves as objects, the other nodes as records of indices.

        Pickle follows references recursively, so a chain of 10^5 nodes pickled node by
        node would exceed the recursion limit. Instead the whole graph below this node is
        written as one list in topological order. Leaves are pickled as objects, so a leaf
        shared with other pickled objects (a model's parameters) stays one object after
        loading; interior nodes shared by two *separately* pickled results are copied for
        each of them.
        """
        if self._c0 is None:
            return (_rebuild_leaf, (_pickled_class(type(self)), self.data, self.grad, _extras(self)))
        order = walk(self, leaves=True)
        index: dict[int, int] = {}
        leaves: list[Value] = []
        records: list[tuple[Any, ...]] = []
        for n in order:
            if n._c0 is None:
                index[id(n)] = len(leaves)
                leaves.append(n)
        base = len(leaves)
        for n in order:
            if n._c0 is not None:
                index[id(n)] = base + len(records)
                c1 = n._c1
                records.append((n.op, n.data, n.grad, index[id(n._c0)], n._g0,
                                -1 if c1 is None else index[id(c1)], n._g1, _extras(n)))
        return (_rebuild_graph, (leaves, records))

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
    """An op's result: a :class:`Value` with no attribute dictionary, built without ``__init__``.

    Results of operations need no argument checks, and calling a class whose ``__new__``
    and ``__init__`` are ``object``'s is the cheapest way CPython has to allocate an
    instance (~60 ns less than a Python ``__init__``). ``repr`` shows ``Value``.
    """

    __slots__ = ()
    __new__ = object.__new__  # (kept when Value.__new__ is set below: see there)
    __init__ = object.__init__  # type: ignore[assignment]


class _Const(Const):
    """A :class:`Const` made from a plain number in an expression, allocated like :class:`_Node`."""

    __slots__ = ()
    __new__ = object.__new__
    __init__ = object.__init__  # type: ignore[assignment]


class _Leaf(Value):
    """What ``Value(...)`` makes: a leaf that also takes new attributes, like micrograd's."""

    __slots__ = ("__dict__",)


def _new_value(cls: type, *args: Any, **kwargs: Any) -> Value:
    """``Value(...)`` makes a :class:`_Leaf`; subclasses (``Const``, a user's) make themselves."""
    return object.__new__(_Leaf if cls is Value else cls)  # type: ignore[no-any-return]


# Set after the subclasses exist: CPython keeps a subclass's allocator when it names
# ``object.__new__`` itself and that was already its allocator, so ``_Node()`` and
# ``_Const()`` stay on the C fast path instead of calling this Python function.
Value.__new__ = staticmethod(_new_value)  # type: ignore[assignment]

for _cls, _name in ((_Node, "Value"), (_Leaf, "Value"), (_Const, "Const")):
    _cls.__name__ = _cls.__qualname__ = _name  # what users see in reprs and error messages


# ------------------------------------------------------------------ construction helpers


def _node(data: float, op: str, c0: Value, g0: float, c1: Value | None = None, g1: float = 0.0) -> Value:
    """Build an op's result node (for the ops written by hand: the generated ones inline this)."""
    if _ACTIVE[0]:
        return _node_in_mode(data, op, c0, g0, c1, g1)
    return _build(data, op, c0, g0, c1, g1)


def _build(data: float, op: str, c0: Value, g0: float, c1: Value | None, g1: float) -> Value:
    v = _Node()
    v.data = data
    v.grad = 0.0
    v.op = op
    v._c0 = c0
    v._c1 = c1
    v._g0 = g0
    v._g1 = g1
    v._mark = 0
    v._meta = _NO_META
    return v


def _node_in_mode(data: float, op: str, c0: Value, g0: float, c1: Value | None, g1: float) -> Value:
    """Build a node while some mode is active somewhere (no_grad, detect_anomaly, scope)."""
    st = _mode_state()
    if not st.grad_enabled:  # a leaf holding the number (built like a node: no checks needed)
        v = _build(data, "", None, 0.0, None, 0.0)  # type: ignore[arg-type]
        if st.scope:
            v._meta = ("", st.scope)
        return v
    if st.anomaly is not None and not math.isfinite(data):
        operands = ", ".join(repr(c) for c in ((c0,) if c1 is None else (c0, c1)))
        raise AnomalyError(
            f"op {op!r} produced {data!r} from {operands}.\nThe op was called here:\n{creation_trace()}"
        )
    v = _build(data, op, c0, g0, c1, g1)
    if st.scope:
        v._meta = ("", st.scope)
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


def real_to_float(x: numbers.Real, where: str) -> float:
    """``float(x)`` for a real number ``x``, or an ``OverflowError`` that names ``where`` and
    the number when ``x`` lies beyond the float range (±1.8e308).

    Python's own message ("int too large to convert to float") names neither; and unlike a
    float that overflows, such a number is finite, so it is an error, not ``inf``.

    >>> real_to_float(3, "Value()")
    3.0
    """
    try:
        return float(x)
    except OverflowError:
        raise _too_large(x, where) from None


def _too_large(x: Any, where: str) -> OverflowError:
    what = (f"an int of about {int(x.bit_length() * 0.30103) + 1} digits" if isinstance(x, int)
            else f"a {type(x).__name__} beyond ±1e308")
    return OverflowError(
        f"{where}: {what} is too large for a float (the largest is about 1.8e308). "
        "Scale it down before it enters the graph, or use math.inf for an infinite value."
    )


def _to_float(data: Any) -> float:
    if isinstance(data, (int, float)) or _is_real(data):
        return real_to_float(data, "Value()")
    if isinstance(data, Value):
        raise TypeError(
            f"Value() takes a number, got another Value ({data!r}). "
            "Use that Value itself, or Value(v.data) for a new leaf with its number."
        )
    raise TypeError(
        f"Value() takes a real number (int, float or bool), got {type(data).__name__}: {data!r}. "
        "Convert it first, e.g. Value(float(x))."
    )


_MICROGRAD = (
    "micrograd's internal constructor; chaingrad records children and local derivatives itself. "
    "Build results with Value operations (a * b, x.tanh(), ...); the second argument of Value is a str label."
)


def _check_label(label: Any, kw: dict[str, Any]) -> str:
    if "_children" in kw or "_op" in kw:
        raise TypeError(f"Value(data, _children=..., _op=...) is {_MICROGRAD}")
    if kw:
        raise TypeError(f"Value() got unexpected keyword argument(s) {', '.join(map(repr, kw))}; "
                        "it takes Value(data, label='')")
    if isinstance(label, (tuple, list, set, str)):
        raise TypeError(f"Value(data, children, op) is {_MICROGRAD}")
    raise TypeError(f"label must be a str, got {type(label).__name__}: {label!r}")


def _coerce(x: Any) -> Value:
    """A Value for an operand: Values pass through, real numbers become :class:`Const`."""
    if type(x) is float or (not isinstance(x, Value) and (isinstance(x, int) or _is_real(x))):
        c = _Const()  # x is known real here: no constructor checks needed
        try:
            c.data = float(x)
        except OverflowError:
            raise _too_large(x, "an operand of a Value op") from None
        c.grad = 0.0
        c.op = ""
        c._c0 = None
        c._c1 = None
        c._g0 = 0.0
        c._g1 = 0.0
        c._mark = 0
        c._meta = _NO_META
        return c
    if isinstance(x, Value):
        return x
    return NotImplemented


def constant(x: Number) -> Const:
    """The :class:`Const` leaf chaingrad makes for a plain number in an expression.

    >>> constant(2).data, constant(2).is_constant
    (2.0, True)
    """
    c = _coerce(x)
    if c is NotImplemented or not isinstance(c, Const):
        raise TypeError(f"constant() takes a real number, got {type(x).__name__}: {x!r}")
    return c


def tag_scope(values: Value | list[Value] | tuple[Value, ...], path: str) -> None:
    """Give ``path`` as its scope to each Value in ``values`` that has none yet.

    What ``nn`` modules call on their outputs: one store per Value, with no scope lookup
    per node built.

    >>> y = Value(1.0) * 2
    >>> tag_scope(y, "neuron"); tag_scope([y], "layer"); y.scope
    'neuron'
    """
    for v in (values,) if isinstance(values, Value) else values:
        if isinstance(v, Value):
            m = v._meta
            if not m[1]:
                v._meta = (m[0], path) if m[0] else ("", path)


def dot(weights: Sequence[Value], inputs: Sequence[Value | Number], start: Value) -> Value:
    """``start + w0·x0 + w1·x1 + …``: a neuron's sum, built node for node as micrograd builds it.

    The graph is exactly ``sum((w * x for w, x in zip(weights, inputs)), start)``'s: a
    ``*`` node per pair (a plain number ``x`` becomes a :class:`Const`, as in ``w * 2.0``)
    and a ``+`` node adding it to the running sum, with the same numbers and local
    derivatives (``d(w·x)/dw = x``, ``d(w·x)/dx = w``, ``d(s + p)/ds = d(s + p)/dp = 1``),
    so drawing, stepping, tracing and gradients cannot tell the two apart. It is built in
    one loop instead of two operator calls per pair, which halves the cost of a neuron.
    Pairs of any other kind, and every pair while a mode (``no_grad``, ``detect_anomaly``,
    ``scope``) is active, go through the operators themselves.

    >>> w, b = [Value(0.5), Value(-1.0)], Value(0.25)
    >>> y = dot(w, [2.0, 3.0], b)          # 0.25 + 0.5·2 + (-1)·3
    >>> y.data, y.op, [c.op for c in y.children]
    (-1.75, '+', ['+', '*'])
    """
    acc = start
    if _ACTIVE[0] or (type(acc) is not _Leaf and type(acc) is not _Node):
        if _ACTIVE[0] and not _mode_state().grad_enabled and type(acc) in _OWN:
            return _dot_no_grad(weights, inputs, acc)
        for w, x in zip(weights, inputs):
            acc = acc + w * x
        return acc
    s = acc.data
    pairs = zip(weights, inputs)
    for w, x in pairs:
        tw = type(w)
        tx = type(x)
        if (tw is not _Leaf and tw is not _Node) or (tx is not _Leaf and tx is not _Node and tx is not float):
            acc = acc + w * x  # anything else: the operators decide (and explain an error)
            if type(acc) is not _Node:  # a user's type took over the sum: let it finish
                for w, x in pairs:
                    acc = acc + w * x
                return acc
            s = acc.data
            continue
        a = w.data
        if tx is float:  # what w * 2.0 does: the number becomes a Const leaf
            c = _Const()
            c.data = b = x
            c.grad = 0.0
            c.op = ""
            c._c0 = None
            c._c1 = None
            c._g0 = 0.0
            c._g1 = 0.0
            c._mark = 0
            c._meta = _NO_META
            x = c
        else:
            b = x.data
        m = _Node()
        m.data = p = a * b
        m.grad = 0.0
        m.op = "*"
        m._c0 = w
        m._c1 = x
        m._g0 = b
        m._g1 = a
        m._mark = 0
        m._meta = _NO_META
        n = _Node()
        n.data = s = s + p
        n.grad = 0.0
        n.op = "+"
        n._c0 = acc
        n._c1 = m
        n._g0 = 1.0
        n._g1 = 1.0
        n._mark = 0
        n._meta = _NO_META
        acc = n
    return acc


_OWN = (_Leaf, _Node, _Const)  # the classes whose operators are the generated ones


def _dot_no_grad(weights: Sequence[Value], inputs: Sequence[Value | Number], start: Value) -> Value:
    """:func:`dot` under ``no_grad``: the operators would make a leaf per product and per sum and
    keep only the last, so the sum is added up as floats (the same products, the same order,
    so the same bits) and made into one leaf. Other operand kinds go through the operators."""
    pairs = zip(weights, inputs)
    s = start.data
    n = 0
    for w, x in pairs:
        tx = type(x)
        if type(w) not in _OWN or (tx is not float and tx not in _OWN):  # (a subclass may override ops)
            acc = _node_in_mode(s, "", None, 0.0, None, 0.0) if n else start  # type: ignore[arg-type]
            acc = acc + w * x  # the operators decide (and explain an error)
            for w, x in pairs:
                acc = acc + w * x
            return acc
        s = s + w.data * (x if tx is float else x.data)
        n += 1
    return _node_in_mode(s, "", None, 0.0, None, 0.0) if n else start  # type: ignore[arg-type]


def _data_of(x: Any) -> float:
    if isinstance(x, Value):
        return x.data
    if isinstance(x, (int, float)) or _is_real(x):
        return x
    return NotImplemented


# ------------------------------------------------------------------ copy and pickle helpers


def _pickled_class(cls: type) -> type:
    """The importable class a pickle names for a leaf (the private ones are named ``Value``)."""
    return Value if cls is _Leaf else Const if cls is _Const else cls


def _blank(cls: type) -> Value:
    """An empty node of the concrete class ``cls`` (a pickle's ``Value`` makes a ``_Leaf``)."""
    new: Value = object.__new__(_Leaf if cls is Value else _Const if cls is Const else cls)
    return new


def _extras(n: Value) -> tuple[tuple[str, str], dict[str, Any]] | None:
    """What a node holds beyond its fields: ``(label, scope)`` and a leaf's own attributes."""
    meta = n._meta
    d = getattr(n, "__dict__", None)  # (a leaf's is made empty on first access: not the hot path)
    return (meta, dict(d) if d else {}) if meta != _NO_META or d else None


def _copy_extras(src: Value, dst: Value, deep: Any) -> None:
    _set_extras(dst, _extras(src), deep)


def _set_extras(v: Value, extras: tuple[tuple[str, str], dict[str, Any]] | None, deep: Any = None) -> None:
    if not extras:
        return
    meta, d = extras
    if meta != _NO_META:
        v._meta = meta
    if d:
        if not hasattr(v, "__dict__"):
            raise TypeError(f"cannot restore the attributes {sorted(d)} on an op's result: only a "
                            "Value(...) leaf keeps attributes of its own")
        v.__dict__.update(deep(d) if deep is not None else d)


def _rebuild_leaf(cls: type, data: float, grad: float, extras: Any) -> Value:
    v = _blank(cls)
    v.data, v.grad, v.op = data, grad, ""
    v._c0 = v._c1 = None
    v._g0 = v._g1 = 0.0
    v._mark = 0
    v._meta = _NO_META
    _set_extras(v, extras)
    return v


def _rebuild_graph(leaves: list[Value], records: list[tuple[Any, ...]]) -> Value:
    nodes = list(leaves)
    for op, data, grad, i0, g0, i1, g1, extras in records:
        v = _Node()
        v.data, v.grad, v.op = data, grad, op
        v._c0 = nodes[i0]
        v._c1 = None if i1 < 0 else nodes[i1]
        v._g0, v._g1, v._mark, v._meta = g0, g1, 0, _NO_META
        _set_extras(v, extras)
        nodes.append(v)
    return nodes[-1]


# ------------------------------------------------------------------ the walk

# One walk at a time in the process: visit marks live on the nodes, so two threads walking
# graphs that share nodes would corrupt each other's marks. Reentrant, so backward() can
# hold it across its walk and its chain-rule loop.
LOCK = threading.RLock()
_walks = itertools.count(1)


def walk(root: Value, leaves: bool = True) -> list[Value]:
    """Nodes reachable from ``root``, each once, children before parents, ``root`` last.

    An iterative depth-first search that follows ``children`` in order (deterministic, and
    never limited by the recursion limit). With ``leaves=False`` only the results of ops
    are listed: all that the chain rule needs. Safe to call from several threads.

    >>> a = Value(2.0, "a"); b = a * a; c = b + a
    >>> [n.label or n.op for n in walk(c)]
    ['a', '*', '+']
    >>> [n.op for n in walk(c, leaves=False)]
    ['*', '+']
    """
    with LOCK:
        entered = 2 * next(_walks)
        order: list[Value] = []
        if root._c0 is None:
            if leaves:
                order.append(root)
            return order
        if not leaves:
            return _walk_interior(root, entered, order)
        return _walk_all(root, entered, order)


def _walk_all(root: Value, entered: int, order: list[Value]) -> list[Value]:
    done = entered + 1
    stack = [root]
    pop = stack.pop
    push = stack.append
    emit = order.append
    while stack:
        node = pop()
        m = node._mark
        if m == entered:  # all its children are done
            node._mark = done
            emit(node)
            continue
        if m == done:  # a second path reached it earlier
            continue
        c0 = node._c0
        if c0 is None:  # a leaf
            node._mark = done
            emit(node)
            continue
        node._mark = entered
        push(node)
        c1 = node._c1
        if c1 is not None and c1._mark < entered:
            push(c1)
        if c0._mark < entered:
            push(c0)
    return order


def _walk_interior(root: Value, entered: int, order: list[Value]) -> list[Value]:
    """``walk(root, leaves=False)``: the same order, in a loop specialised for the chain rule.

    Instead of pushing a node's first child and popping it straight back, the loop steps
    down into it (chains of unary ops never touch the stack twice), and a node with no
    child left to visit is emitted at once. The order is exactly the general walk's. In a
    DAG a child is never ``entered`` while its parent is being expanded, so
    ``mark < entered`` means "not done yet".
    """
    done = entered + 1
    stack = [root]
    pop = stack.pop
    push = stack.append
    emit = order.append
    while stack:
        node = pop()
        m = node._mark
        if m >= entered:
            if m == entered:  # its children are done now
                node._mark = done
                emit(node)
            continue  # else: done already, reached by a second path
        while True:
            c0 = node._c0
            c1 = node._c1
            need1 = c1 is not None and c1._mark < entered and c1._c0 is not None
            if c0._mark < entered and c0._c0 is not None:
                node._mark = entered
                push(node)
                if need1:
                    push(c1)
                node = c0
            elif need1:
                node._mark = entered
                push(node)
                node = c1
            else:  # nothing left below: emit now
                node._mark = done
                emit(node)
                break
    return order


# ------------------------------------------------------------------ the chain rule


def edges(order: list[Value]) -> Iterator[tuple[Value, int, Value, float]]:
    """The chain rule's edges in ``backward()``'s order: ``(node, operand, child, local_grad)``.

    ``order`` is ``walk(root, leaves=False)``; the edges come parent by parent from the root
    down, each node's operands in order. This is the one definition of which edge is applied
    when: :func:`propagate` is its fast loop, and ``grad()``, anomaly mode and the stepper
    iterate it.
    """
    for node in reversed(order):
        yield node, 0, node._c0, node._g0
        c1 = node._c1
        if c1 is not None:
            yield node, 1, c1, node._g1


def operands(order: list[Value]) -> tuple[list[Value | None], list[Value | None]]:
    """Each node's first and second operand, ``None`` where it has none (a leaf has neither).

    For passes that read a whole graph at once (``autograd.trace`` records one): two list
    reads per node instead of a ``children`` tuple built per node.

    >>> a, b = Value(1.0), Value(2.0)
    >>> first, second = operands([a, b, a * b])
    >>> first[2] is a and second[2] is b, first[0], second[0]
    (True, None, None)
    """
    return [n._c0 for n in order], [n._c1 for n in order]


def propagate(order: list[Value]) -> None:
    """``child.grad += local_grad · node.grad`` over :func:`edges`, in a tight loop."""
    for node in reversed(order):
        up = node.grad
        node._c0.grad += node._g0 * up
        c1 = node._c1
        if c1 is not None:
            c1.grad += node._g1 * up


# ------------------------------------------------------------------ generated ops

_MATH_CALL = re.compile(r"\b([a-z][a-z0-9_]*)\(")  # a function of Python's math module, by name
_SIMPLE = re.compile(r"^(a|b|-?[0-9.]+)$")  # a derivative that needs no temporary


def _body(op: _ops.Op, c0: str, c1: str) -> str:
    """The lines after ``a`` (and ``b``) are read: compute the rule, build the node."""
    unary = op.arity == 1
    if op.inline is None:
        rule = "    out, g0 = _f(a)\n" if unary else "    out, g0, g1 = _f(a, b)\n"
        d0, d1 = "g0", "0.0" if unary else "g1"
    else:
        out, *ds = (_MATH_CALL.sub(r"_m_\1(", e) for e in (op.inline[0], *op.inline[1]))
        if unary:
            ds.append("0.0")
        rule = f"    out = {out}\n"
        for i, d in enumerate(ds):
            if not _SIMPLE.match(d):
                rule += f"    g{i} = {d}\n"
                ds[i] = f"g{i}"
        d0, d1 = ds
    return rule + f"""\
    if _ACTIVE[0]:
        return _node_in_mode(out, {op.name!r}, {c0}, {d0}, {c1}, {d1})
    v = _Node()
    v.data = out
    v.grad = 0.0
    v.op = {op.name!r}
    v._c0 = {c0}
    v._c1 = {c1}
    v._g0 = {d0}
    v._g1 = {d1}
    v._mark = 0
    v._meta = _NO_META
    return v
"""


def _source(op: _ops.Op, method: str, reflected: bool) -> str:
    """Python source of the Value method ``method`` for ``op``."""
    if op.arity == 1:
        return f"def {method}(self):\n    a = self.data\n" + _body(op, "self", "None")
    if reflected:  # a number on the left: `2 * x`
        head = (f"def {method}(self, other):\n    other = _coerce(other)\n"
                "    if other is NotImplemented:\n        return NotImplemented\n"
                "    a = other.data\n    b = self.data\n")
        return head + _body(op, "other", "self")
    head = (f"def {method}(self, other):\n    cls = type(other)\n"
            "    if cls is not _Node and cls is not _Leaf:\n        other = _coerce(other)\n"
            "        if other is NotImplemented:\n            return NotImplemented\n"
            "    a = self.data\n    b = other.data\n")
    return head + _body(op, "self", "other")


def _doc(op: _ops.Op, method: str, reflected: bool) -> str:
    """The generated method's docstring: what it computes, the formula and a worked example."""
    lead = op.doc or f"{op.expr.format(a='x', b='y')}"
    args = [round(iv[0][0] + (iv[0][1] - iv[0][0]) * f, 2) for iv, f in zip(op.domain, (0.3, 0.8))]
    out, *local = op.forward(*args)
    if op.arity == 1:
        call = f"Value({args[0]!r}).{method}()"
    elif reflected:
        call = f"{method}: {args[0]!r} {op.symbol} Value({args[1]!r})"
    else:
        call = f"Value({args[0]!r}).{method}({args[1]!r})"
    example = (f"    >>> y = {call}\n    >>> y.data, y.local_grads\n    ({out!r}, {tuple(local)!r})"
               if not reflected else f"    {call} gives data {out!r}, local derivatives {tuple(local)!r}")
    return (f"{lead}\n\n{op.formula}. Generated from the op table entry {op.name!r} (see autograd.ops).\n\n"
            f"{example}\n")


def _generate() -> None:
    """Write every op method of :class:`Value` from the op table."""
    names: dict[str, Any] = {
        "_ACTIVE": _ACTIVE, "_Node": _Node, "_Leaf": _Leaf, "_coerce": _coerce, "_NO_META": _NO_META,
        "_node_in_mode": _node_in_mode,
        **{f"_m_{f}": getattr(math, f) for f in dir(math) if not f.startswith("_")},
    }
    for op in _ops.OPS.values():
        for method, reflected in ((op.method, False), (op.reflected, True)):
            if method is None:
                continue
            src = _source(op, method, reflected)
            code = compile(src, f"<autograd.value: op {op.name!r}, {method}>", "exec")
            ns = {**names, "_f": op.forward}
            exec(code, ns)  # the table's own rules: no user text reaches here
            fn = ns[method]
            fn.__source__ = src
            fn.__doc__ = _doc(op, method, reflected)
            fn.__qualname__ = f"Value.{method}"
            fn.__module__ = __name__
            setattr(Value, method, fn)


_generate()
