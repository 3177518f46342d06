"""The chain rule: ``backward``, ``grad``, ``zero_grad`` and ``topological_order``.

One walk serves every reader (:func:`autograd.value.walk`: iterative, deterministic, never
limited by Python's recursion limit) and one stream of chain-rule edges
(:func:`autograd.value.edges`): ``backward()`` runs it as a tight loop, while ``grad()``,
anomaly mode and the stepper iterate the stream itself; tests check that they agree.

Thread safety: a walk marks the nodes it visits, so walks take a process-wide lock;
``backward()`` holds it across its walk and its chain-rule loop, so two threads calling
``backward()`` on one graph give exactly what two calls one after the other give.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from typing import Any

from .modes import ACTIVE as _ACTIVE
from .modes import AnomalyError
from .modes import state as _mode_state
from .value import LOCK, Value, edges, propagate, real_to_float, walk


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
    return walk(root, leaves=True)


def check_gradient(gradient: Any, where: str) -> float:
    """The seed gradient as a float: a real number (not a bool) or a Value's data; else ``TypeError``.

    >>> check_gradient(2, "backward()")
    2.0
    """
    if isinstance(gradient, Value):
        return gradient.data
    if isinstance(gradient, numbers.Real) and not isinstance(gradient, bool):
        return real_to_float(gradient, where)
    raise TypeError(
        f"{where}: gradient must be a real number (the seed d out/d out, usually 1.0), "
        f"got {type(gradient).__name__}: {gradient!r}"
    )


def _check_root(root: Any, where: str) -> None:
    if not isinstance(root, Value):
        raise TypeError(f"{where} differentiates a Value, got {type(root).__name__}: {root!r}")


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
    _check_root(root, "backward()")
    g = check_gradient(gradient, "backward()")
    checked = bool(_ACTIVE[0]) and _mode_state().anomaly is not None
    with LOCK:
        order = walk(root, leaves=False)
        if not order:  # a leaf: d root/d root = 1
            root.grad += g
            return
        # Gradients held from an earlier backward() must not act as upstream gradients now:
        # set them aside, run the pass from zero, then add them back.
        held = [n for n in order if n.grad]
        saved = [n.grad for n in held]
        for n in held:
            n.grad = 0.0
        root.grad = g
        try:
            if checked:
                _propagate_checked(order)
            else:
                propagate(order)
        finally:
            for n, s in zip(held, saved):
                n.grad += s


def _anomaly(node: Value, child: Value, local: float, upstream: float) -> AnomalyError:
    st = _mode_state().anomaly
    trace = st.traces.get(id(node)) if st is not None else None
    where = trace[1] if trace is not None and trace[0] is node else "(created outside detect_anomaly)\n"
    return AnomalyError(
        f"backward through op {node.op!r} gave a non-finite gradient {local * upstream!r} for its "
        f"operand {child!r} (local derivative {local!r}, upstream {upstream!r}).\n"
        f"The node was created here:\n{where}"
    )


def _propagate_checked(order: list[Value]) -> None:
    """The chain-rule loop of ``backward()`` under ``detect_anomaly``: each contribution checked."""
    for node, _, child, local in edges(order):
        contribution = local * node.grad
        if not math.isfinite(contribution):
            raise _anomaly(node, child, local, node.grad)
        child.grad += contribution


def zero_grad(root: Value) -> None:
    """Set ``grad = 0.0`` on every node of ``root``'s graph.

    >>> from autograd import Value
    >>> x = Value(2.0); y = x * x; y.backward()
    >>> zero_grad(y); x.grad, y.grad
    (0.0, 0.0)
    """
    with LOCK:
        for n in walk(root, leaves=True):
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
    _check_root(output, "grad()")
    single = isinstance(inputs, Value)
    xs = [inputs] if single else list(inputs)
    for i, x in enumerate(xs):
        if not isinstance(x, Value):
            raise TypeError(f"grad(): inputs[{i}] must be a Value, got {type(x).__name__}: {x!r}")
    g = check_gradient(gradient, "grad()")
    order = walk(output, leaves=False)
    if create_graph:
        return _grad_graph(output, order, xs, g)
    checked = bool(_ACTIVE[0]) and _mode_state().anomaly is not None
    up: dict[Value, float] = {output: g}
    get = up.get
    for node, _, child, local in edges(order):
        u = up[node]
        contribution = local * u
        if checked and not math.isfinite(contribution):
            raise _anomaly(node, child, local, u)
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


def scopes(root: Value) -> dict[Value, str]:
    """The scope of every node of ``root``'s graph: its own tag, or else the one it feeds.

    A node tagged by :func:`autograd.scope` or by an ``nn`` module (which tags its outputs
    and its parameters) keeps its tag. An untagged result of an op belongs to the scope of
    the nodes it feeds when they all have one and the same scope: the products and partial
    sums inside a neuron belong to the neuron whose output they feed. Untagged leaves
    (inputs, constants) and nodes shared across scopes get ``""``.

    >>> from autograd import Value, scope
    >>> w, x = Value(2.0), Value(3.0)
    >>> s = w * x + 1
    >>> y = s.relu(); y.scope = "neuron"
    >>> sorted(set(scopes(y).values()))
    ['', 'neuron']
    >>> scopes(y)[s]
    'neuron'
    """
    order = walk(root, leaves=True)
    feeds: dict[Value, set[str]] = {}
    out: dict[Value, str] = {}
    for node in reversed(order):  # consumers before the nodes they consume
        s = node.scope
        if not s and not node.is_leaf:
            above = feeds.get(node)
            if above is not None and len(above) == 1:
                s = next(iter(above))
        out[node] = s
        for child in node.children:
            feeds.setdefault(child, set()).add(s)
    return {n: out[n] for n in order}
