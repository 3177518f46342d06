"""The topological walk and the chain rule: ``backward``, ``grad`` and ``zero_grad``.

One walk serves every reader: an iterative depth-first search with an explicit stack that
follows ``children`` in order, so it is deterministic and never limited by Python's
recursion limit (a chain a million nodes deep works). Visits are marked in a slot on each
node with a number unique to the walk, instead of a set of visited ids.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from typing import Any

from .modes import ACTIVE as _ACTIVE
from .modes import AnomalyError
from .modes import state as _mode_state
from .value import Value

_walks = itertools.count(1)


def _walk(root: Value, with_leaves: bool) -> list[Value]:
    """Nodes reachable from ``root``, children before parents, root last.

    Without ``with_leaves`` only interior nodes (results of ops) are listed: that is all
    the chain rule needs, since leaves only receive gradient. Not safe for two threads
    walking the *same* graph at the same moment (the visit marks are shared).
    """
    entered = 2 * next(_walks)
    done = entered + 1
    order: list[Value] = []
    if root._c0 is None:
        if with_leaves:
            order.append(root)
        return order
    if not with_leaves:
        return _walk_interior(root, entered, order)
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
    """``_walk(root, False)``: the same order, in a loop specialised for the chain rule.

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


def topological_order(root: Value) -> list[Value]:
    """Every node of ``root``'s graph, each once, children before parents, ``root`` last.

    Deterministic: the same graph gives the same order in any process.

    >>> from autograd import Value
    >>> a = Value(2.0, "a"); b = a * a; c = b + a
    >>> [n.label or n.op for n in topological_order(c)]
    ['a', '*', '+']
    """
    if not isinstance(root, Value):
        raise TypeError(f"topological_order() takes a Value, got {type(root).__name__}")
    return _walk(root, True)


def _check_gradient(gradient: Any, where: str) -> float:
    if isinstance(gradient, Value):
        return gradient.data
    if isinstance(gradient, (int, float)):
        return float(gradient)
    raise TypeError(f"{where}: gradient must be a number, got {type(gradient).__name__}: {gradient!r}")


def backward(root: Value, gradient: float = 1.0) -> None:
    """Accumulate ``d root / d node · gradient`` into ``node.grad`` for every node.

    Reverse topological order; each node passes ``local_grad · upstream`` to each child
    and contributions add up where a node feeds several others (fan-in). A second call
    adds again, exactly once more: gradients a graph already holds do not feed back in.

    >>> from autograd import Value
    >>> a = Value(3.0); b = a + a; c = b + b
    >>> backward(c); a.grad       # c = 4a
    4.0
    """
    g = _check_gradient(gradient, "backward()")
    order = _walk(root, False)
    checked = bool(_ACTIVE[0]) and _mode_state().anomaly is not None
    # Gradients held from an earlier backward() must not act as upstream gradients now:
    # set them aside, run the pass from zero, then add them back.
    held = [n for n in order if n.grad]
    saved = [n.grad for n in held]
    for n in held:
        n.grad = 0.0
    root.grad += g
    try:
        if checked:
            _propagate_checked(order)
        else:
            for node in reversed(order):
                up = node.grad
                node._c0.grad += node._g0 * up
                c1 = node._c1
                if c1 is not None:
                    c1.grad += node._g1 * up
    finally:
        for n, s in zip(held, saved):
            n.grad += s


def _anomaly(node: Value, child: Value, contribution: float) -> AnomalyError:
    st = _mode_state().anomaly
    trace = st.traces.get(id(node)) if st is not None else None
    where = trace[1] if trace is not None and trace[0] is node else "(created outside detect_anomaly)\n"
    return AnomalyError(
        f"backward through op {node.op!r} gave a non-finite gradient {contribution!r} for its "
        f"operand {child!r} (local derivative {_local_of(node, child)!r}, upstream {node.grad!r}).\n"
        f"The node was created here:\n{where}"
    )


def _local_of(node: Value, child: Value) -> float:
    return node._g0 if node._c0 is child else node._g1


def _propagate_checked(order: list[Value]) -> None:
    """The chain-rule loop of ``backward()`` under ``detect_anomaly``: each contribution checked."""
    for node in reversed(order):
        up = node.grad
        for child, local in zip(node.children, node.local_grads):
            contribution = local * up
            if not math.isfinite(contribution):
                raise _anomaly(node, child, contribution)
            child.grad += contribution


def zero_grad(root: Value) -> None:
    """Set ``grad = 0.0`` on every node of ``root``'s graph.

    >>> from autograd import Value
    >>> x = Value(2.0); y = x * x; y.backward()
    >>> zero_grad(y); x.grad, y.grad
    (0.0, 0.0)
    """
    for n in _walk(root, True):
        n.grad = 0.0


def grad(
    output: Value,
    inputs: Sequence[Value] | Value,
    *,
    create_graph: bool = False,
    gradient: float = 1.0,
) -> tuple[Any, ...]:
    """The derivatives ``d output / d x`` for each ``x`` in ``inputs``, leaving ``.grad`` alone.

    With ``create_graph=False`` the results are floats. With ``create_graph=True`` they are
    Values in a new graph built from the inputs, so they can be differentiated again:
    second and higher derivatives. An input that ``output`` does not depend on gets 0.

    >>> from autograd import Value
    >>> x = Value(3.0)
    >>> y = x ** 3
    >>> grad(y, [x])                                    # 3x² = 27
    (27.0,)
    >>> (dy,) = grad(y, [x], create_graph=True)
    >>> grad(dy, [x])                                   # 6x = 18
    (18.0,)
    """
    if not isinstance(output, Value):
        raise TypeError(f"grad() differentiates a Value, got {type(output).__name__}: {output!r}")
    single = isinstance(inputs, Value)
    xs = [inputs] if single else list(inputs)
    for i, x in enumerate(xs):
        if not isinstance(x, Value):
            raise TypeError(f"grad(): inputs[{i}] must be a Value, got {type(x).__name__}: {x!r}")
    g = _check_gradient(gradient, "grad()")
    order = _walk(output, False)
    if create_graph:
        return _grad_graph(output, order, xs, g)
    checked = bool(_ACTIVE[0]) and _mode_state().anomaly is not None
    up: dict[Value, float] = {output: g}
    get = up.get
    for node in reversed(order):
        u = up[node]
        for child, local in zip(node.children, node.local_grads):
            contribution = local * u
            if checked and not math.isfinite(contribution):
                raise _anomaly(node, child, contribution)
            up[child] = get(child, 0.0) + contribution
    return tuple(get(x, 0.0) for x in xs)


def _grad_graph(output: Value, order: list[Value], xs: list[Value], g: float) -> tuple[Value, ...]:
    from .ops import op_of

    # Upstream gradients are floats while constant and Values once they depend on inputs;
    # multiplying by 1 or adding 0 builds no node.
    up: dict[Value, Any] = {output: g}
    for node in reversed(order):
        u = up[node]
        for child, local in zip(node.children, op_of(node.op).graph_grads(node)):
            contribution = _times(local, u)
            prev = up.get(child)
            up[child] = contribution if prev is None else _plus(prev, contribution)
    out = []
    for x in xs:
        d = up.get(x, 0.0)
        out.append(d if isinstance(d, Value) else Value(d))
    return tuple(out)


def _times(a: Any, b: Any) -> Any:
    if not isinstance(a, Value):
        if a == 1.0:
            return b
        if a == 0.0 and not isinstance(b, Value):
            return 0.0
    if not isinstance(b, Value) and b == 1.0:
        return a
    return a * b


def _plus(a: Any, b: Any) -> Any:
    if not isinstance(a, Value) and a == 0.0:
        return b
    if not isinstance(b, Value) and b == 0.0:
        return a
    return a + b
