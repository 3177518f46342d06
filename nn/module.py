"""Modules: containers of parameters (``Module``) and micrograd's ``Neuron``, ``Layer``, ``MLP``.

A neuron computes ``a = f(w·x + b)``; a layer is a list of neurons that see the same input;
an MLP stacks layers, ``z = W·a + b``, ``a = f(z)``, with a linear last layer. Signatures and
behaviour are micrograd's (``Neuron(nin, nonlin=True)``, ``Layer(nin, nout)``,
``MLP(nin, nouts)``, ``parameters()``, ``zero_grad()``), so micrograd code runs unchanged;
keyword-only options add the activation, the initializer and an explicit random generator.

``Module`` finds parameters by walking the object's public attributes (Values, Modules and
lists/tuples/dicts of them) in definition order, so a subclass only assigns attributes:

>>> import random
>>> from autograd import Value, dot, tag_scope
>>> class Scale(Module):
...     def __init__(self):
...         self.k = Value(2.0)
...     def forward(self, x):
...         return self.k * x
>>> m = Scale()
>>> m(3.0).data, m.state_dict()
(6.0, {'k': 2.0})
"""

from __future__ import annotations

import math
import numbers
import random
from collections.abc import Iterable, Mapping
from typing import Any

from autograd import Value, dot, tag_scope

from . import init as _init

__all__ = ["ACTIVATIONS", "MLP", "Embedding", "Layer", "Module", "Neuron"]

ACTIVATIONS = ("relu", "tanh", "sigmoid", "linear")

Input = Value | float | int


class Module:
    """Base class: ``parameters()``, ``named_parameters()``, ``zero_grad()``, ``state_dict()``.

    Subclasses define ``forward(...)`` (called by ``module(...)``), or override ``__call__``
    and ``parameters()`` as micrograd modules do; both styles work.

    **Names in the graph.** On a module's first call, every module inside it (an attribute,
    or in a list, tuple or dict attribute) is given its path (``layers.0.neurons.3``, the
    prefix of its parameters' ``named_parameters()`` names), and the parameters are tagged
    with it (``Value.scope``). Each call then tags the Values the module returns with its
    path, so the renderer and the stepper can group a network's nodes by neuron and layer
    (:func:`autograd.backward.scopes` assigns the nodes in between). Tagging costs one
    attribute store per module call, not one per node.

    >>> model = MLP(2, [2, 1], rng=random.Random(0))
    >>> y = model([1.0, 2.0])
    >>> y.scope, model.layers[0].neurons[1].w[0].scope
    ('layers.1.neurons.0', 'layers.0.neurons.1')
    """

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        path = self.__dict__.get("_graph_path")
        if path is None:  # the first call of an outermost module: name everything inside
            _name_tree(self)
            path = ""
        out = self.forward(*args, **kwargs)
        if path and (type(out) is list or type(out) is tuple or isinstance(out, Value)):
            tag_scope(out, path)
        return out

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """The module's computation; subclasses define it."""
        raise NotImplementedError(f"{type(self).__name__} must define forward() (or __call__)")

    def parameters(self) -> list[Value]:
        """Every parameter (a ``Value``) once, in definition order.

        >>> len(MLP(3, [4, 4, 1], rng=random.Random(0)).parameters())   # 16 + 20 + 5
        41
        """
        cls = type(self)
        if cls.parameters is Module.parameters and cls.named_parameters is not Module.named_parameters:
            return [p for _, p in self.named_parameters()]
        return [p for _, p in _walk(self, named=False)]  # (also what an override's super().parameters() gets)

    def named_parameters(self) -> list[tuple[str, Value]]:
        """``(name, parameter)`` pairs; names are dotted attribute paths like ``layers.0.neurons.2.w.1``.

        Public attributes are walked in definition order (names starting with ``_`` are
        skipped); a Value reached twice is listed once. A subclass that overrides only
        ``parameters()`` (micrograd style) gets its parameters named by position: ``"0"``, ``"1"``...

        >>> [n for n, _ in Neuron(2, rng=random.Random(0)).named_parameters()]
        ['w.0', 'w.1', 'b']
        """
        cls = type(self)
        if cls.named_parameters is Module.named_parameters and cls.parameters is not Module.parameters:
            return [(str(i), p) for i, p in enumerate(self.parameters())]
        return _walk(self)

    def zero_grad(self) -> None:
        """Set every parameter's ``grad`` to 0.0 (gradients accumulate across ``backward()`` calls).

        >>> n = Neuron(1, rng=random.Random(0)); n.b.grad = 5.0
        >>> n.zero_grad(); n.b.grad
        0.0
        """
        for p in self.parameters():
            p.grad = 0.0

    def state_dict(self) -> dict[str, float]:
        """A plain ``{name: float}`` dict of the parameters' values (JSON-serializable).

        >>> Neuron(1, init=lambda fi, fo, rng: 0.5).state_dict()
        {'w.0': 0.5, 'b': 0.0}
        """
        return {name: p.data for name, p in self.named_parameters()}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Set the parameters from ``state`` (strict): every name present, nothing extra, numbers only.

        Everything is validated before anything is assigned, so on a ``ValueError`` the
        module is unchanged. A missing, unexpected or non-numeric (or non-finite) entry is
        named in the error.

        >>> n = Neuron(1, rng=random.Random(0))
        >>> n.load_state_dict({"w.0": 0.25, "b": -1})
        >>> n.w[0].data, n.b.data
        (0.25, -1.0)
        """
        if not isinstance(state, Mapping):
            raise TypeError(
                f"load_state_dict() takes a mapping of parameter name -> number, got {type(state).__name__}"
            )
        named = self.named_parameters()
        names = [n for n, _ in named]
        expected = set(names)
        missing = [n for n in names if n not in state]
        unexpected = [k for k in state if k not in expected]
        problems = []
        if missing:
            problems.append(f"missing key(s): {', '.join(map(repr, missing))}")
        if unexpected:
            problems.append(f"unexpected key(s): {', '.join(map(repr, unexpected))}")
        for n in names:
            if n in state and not _is_number(state[n]):
                v = state[n]
                big = isinstance(v, int) and abs(v) >= 10**30
                shown = f"an int of {len(str(abs(v)))} digits" if big else repr(v)
                problems.append(f"key {n!r} must be a finite number, got {type(v).__name__}: {shown}")
        if problems:
            raise ValueError(
                f"load_state_dict() into {self!r}: " + "; ".join(problems) + ". Nothing was loaded."
            )
        for n, p in named:
            p.data = float(state[n])


def _name_tree(root: Module) -> None:
    """Give every module below ``root`` its attribute path and tag its parameters with it."""
    object.__setattr__(root, "_graph_path", "")
    stack: list[tuple[str, Any, str]] = [(k, v, "") for k, v in reversed(vars(root).items())
                                         if not k.startswith("_")]
    while stack:
        path, obj, owner = stack.pop()  # owner: the path of the module holding obj
        if isinstance(obj, Module):
            object.__setattr__(obj, "_graph_path", path)
            stack.extend((f"{path}.{k}", v, path) for k, v in reversed(vars(obj).items())
                         if not k.startswith("_"))
        elif isinstance(obj, Value):
            if obj.is_leaf and owner:
                obj.scope = owner
        elif isinstance(obj, (list, tuple)):
            stack.extend((f"{path}.{i}", v, owner) for i, v in reversed(list(enumerate(obj))))
        elif isinstance(obj, dict):
            stack.extend((f"{path}.{k}", v, owner) for k, v in reversed(list(obj.items())))


def _is_number(v: Any) -> bool:
    if not isinstance(v, numbers.Real) or isinstance(v, bool):
        return False
    try:
        return math.isfinite(v)
    except OverflowError:  # an int beyond float range
        return False


def _walk(root: Module, named: bool = True) -> list[tuple[str, Value]]:
    """Walk attributes iteratively (explicit stack), depth-first in definition order.

    ``root``'s own attributes are always walked; a module met inside it is asked for its
    ``named_parameters()`` if it customizes either method, so overrides are respected.
    With ``named=False`` every name is ``""`` (``parameters()``: no strings are built), and
    a list or tuple of Values, such as a neuron's weights, is taken in one loop instead of
    element by element through the stack (the same order: nothing else comes between).
    """
    out: list[tuple[str, Value]] = []
    seen: set[int] = set()
    visited: set[int] = set()
    stack: list[tuple[str, Any]] = [("", root)]
    while stack:
        name, obj = stack.pop()
        if isinstance(obj, Value):
            if id(obj) not in seen:
                seen.add(id(obj))
                out.append((name, obj))
            continue
        if isinstance(obj, Module):
            if id(obj) in visited:
                continue
            visited.add(id(obj))
            cls = type(obj)
            if obj is not root and (
                cls.parameters is not Module.parameters or cls.named_parameters is not Module.named_parameters
            ):
                items: list[tuple[str, Any]] = list(obj.named_parameters())
            else:
                items = [(k, v) for k, v in vars(obj).items() if not k.startswith("_")]
        elif isinstance(obj, (list, tuple)):
            if not named and all(isinstance(v, Value) for v in obj):
                for v in obj:
                    if id(v) not in seen:
                        seen.add(id(v))
                        out.append(("", v))
                continue
            items = [(str(i), v) for i, v in enumerate(obj)]
        elif isinstance(obj, dict):
            items = [(str(k), v) for k, v in obj.items()]
        else:
            continue
        if named:
            prefix = f"{name}." if name else ""
            stack.extend((prefix + k, v) for k, v in reversed(items))
        else:
            stack.extend(("", v) for _, v in reversed(items))
    return out


# ----------------------------------------------------------------------------- checks


def _check_count(where: str, what: str, n: Any) -> int:
    if isinstance(n, bool) or not isinstance(n, numbers.Integral):
        raise TypeError(f"{where}: {what} must be an int, got {type(n).__name__}: {n!r}")
    if n < 1:
        raise ValueError(f"{where}: {what} must be >= 1, got {n!r}")
    return int(n)


def _check_activation(where: str, activation: Any) -> str:
    if activation not in ACTIVATIONS:
        raise ValueError(
            f"{where}: unknown activation {activation!r} ({type(activation).__name__}); "
            f"use one of {', '.join(map(repr, ACTIVATIONS))}"
        )
    return activation


def _check_rng(where: str, rng: Any) -> random.Random:
    if rng is None:
        return random.Random()  # unseeded: a different network each time
    if not isinstance(rng, random.Random):
        raise TypeError(
            f"{where}: rng must be a random.Random or None, got {type(rng).__name__}: {rng!r}. "
            "Pass random.Random(seed) for a reproducible network."
        )
    return rng


def _as_inputs(x: Any) -> list[Input]:
    if type(x) is list:  # the common case, first: the checks below cost ~1 µs per neuron call
        return x
    if isinstance(x, (Value, numbers.Real)):
        return [x]
    if isinstance(x, (str, bytes)) or not isinstance(x, Iterable):
        raise TypeError(f"expected a list of numbers or Values as input, got {type(x).__name__}: {x!r}")
    return x if isinstance(x, list) else list(x)


# ----------------------------------------------------------------------------- modules


class Neuron(Module):
    """One unit: ``f(w·x + b)`` with ``nin`` weights and a bias (micrograd's ``Neuron``).

    ``nonlin=False`` makes it linear; otherwise ``activation`` is ``"relu"`` (default),
    ``"tanh"``, ``"sigmoid"`` or ``"linear"``. Weights come from ``init`` (a name in
    :mod:`nn.init` or a callable ``init(fan_in, fan_out, rng)``; default U(-1, 1) as in
    micrograd), the bias starts at 0. ``rng`` is a ``random.Random``; without one a fresh
    unseeded generator is used. ``fan_out`` is the size of the layer the neuron belongs to
    (used by Xavier init). The sum is ``sum((wi*xi for ...), b)``, exactly micrograd's graph
    (built by :func:`autograd.dot` in one loop).

    >>> n = Neuron(2, init=lambda fi, fo, rng: 0.5)
    >>> n([1.0, 3.0]).data, n([-1.0, -3.0]).data    # relu(0.5 + 1.5), relu(-2)
    (2.0, 0.0)
    >>> n
    Neuron(2, relu)
    """

    def __init__(
        self,
        nin: int,
        nonlin: bool = True,
        *,
        activation: str = "relu",
        init: str | _init.Init = "uniform",
        rng: random.Random | None = None,
        fan_out: int = 1,
    ) -> None:
        nin = _check_count("Neuron", "nin", nin)
        fan_out = _check_count("Neuron", "fan_out", fan_out)
        activation = _check_activation("Neuron", activation)
        draw = _init.get(init)
        rng = _check_rng("Neuron", rng)
        self.w = [Value(draw(nin, fan_out, rng), f"w{i}") for i in range(nin)]
        self.b = Value(0.0, "b")
        self._activation = "relu" if activation == "linear" else activation
        self.nonlin = bool(nonlin) and activation != "linear"

    @property
    def activation(self) -> str:
        """The function applied to ``w·x + b`` now: ``"linear"`` whenever ``nonlin`` is false.

        Both are read at call time, as in micrograd, so ``n.nonlin = False`` after
        construction makes the neuron linear, and ``n.activation = "tanh"`` switches it to
        tanh (setting ``"linear"`` sets ``nonlin`` to False, any other name sets it True).

        >>> n = Neuron(1, init=lambda fi, fo, rng: 1.0)
        >>> n([-2.0]).data
        0.0
        >>> n.nonlin = False; n([-2.0]).data, n.activation
        (-2.0, 'linear')
        >>> n.activation = "tanh"; n.nonlin, round(n([-2.0]).data, 4)
        (True, -0.964)
        """
        return self._activation if self.nonlin else "linear"

    @activation.setter
    def activation(self, value: str) -> None:
        value = _check_activation("Neuron.activation", value)
        self.nonlin = value != "linear"
        if value != "linear":
            self._activation = value

    def forward(self, x: Iterable[Input] | Input) -> Value:
        """``f(b + w0·x0 + w1·x1 + ...)`` for ``nin`` inputs (numbers or Values)."""
        xs = _as_inputs(x)
        if len(xs) != len(self.w):
            raise ValueError(f"{self!r} takes {len(self.w)} inputs, got {len(xs)}")
        act = dot(self.w, xs, self.b)  # = sum((wi * xi for ...), self.b), node for node
        if not self.nonlin:  # read now, not at construction: micrograd code sets it afterwards
            return act
        a = self._activation
        if a == "relu":
            return act.relu()
        if a == "tanh":
            return act.tanh()
        if a == "sigmoid":
            return act.sigmoid()
        return act

    def __repr__(self) -> str:
        return f"Neuron({len(self.w)}, {self.activation})"


class Layer(Module):
    """``nout`` neurons that all see the same input (micrograd's ``Layer``).

    Returns a list of ``nout`` Values, or one Value when ``nout == 1``. Keywords are passed
    to each :class:`Neuron` (``nonlin``, ``activation``, ``init``, ``rng``).

    >>> layer = Layer(3, 2, rng=random.Random(0))
    >>> len(layer([1.0, 2.0, 3.0])), layer
    (2, Layer(3 -> 2, relu))
    """

    def __init__(
        self,
        nin: int,
        nout: int,
        *,
        nonlin: bool = True,
        activation: str = "relu",
        init: str | _init.Init = "uniform",
        rng: random.Random | None = None,
    ) -> None:
        nin = _check_count("Layer", "nin", nin)
        nout = _check_count("Layer", "nout", nout)
        rng = _check_rng("Layer", rng)
        self.neurons = [
            Neuron(nin, nonlin, activation=activation, init=init, rng=rng, fan_out=nout) for _ in range(nout)
        ]

    def forward(self, x: Iterable[Input] | Input) -> Value | list[Value]:
        """Each neuron applied to ``x``; a single Value if the layer has one neuron."""
        xs = _as_inputs(x)
        out = [n(xs) for n in self.neurons]
        return out[0] if len(out) == 1 else out

    def __repr__(self) -> str:
        n = self.neurons[0]
        return f"Layer({len(n.w)} -> {len(self.neurons)}, {n.activation})"


class MLP(Module):
    """A multi-layer perceptron (micrograd's ``MLP``): ``nouts`` gives each layer's size.

    Hidden layers use ``activation`` (default ``"relu"``); the last layer is linear. A
    one-output MLP returns a single Value.

    >>> model = MLP(2, [16, 16, 1], rng=random.Random(0))
    >>> model
    MLP(2 -> 16 -> 16 -> 1, relu)
    >>> type(model([0.5, -1.0])).__name__, len(model.parameters())
    ('Value', 337)
    """

    def __init__(
        self,
        nin: int,
        nouts: Iterable[int],
        *,
        activation: str = "relu",
        init: str | _init.Init = "uniform",
        rng: random.Random | None = None,
    ) -> None:
        nin = _check_count("MLP", "nin", nin)
        if isinstance(nouts, numbers.Integral) or not isinstance(nouts, Iterable):
            raise TypeError(f"MLP: nouts must be a list of layer sizes like [16, 16, 1], got {nouts!r}")
        sizes = [nin] + [_check_count("MLP", "each layer size in nouts", n) for n in nouts]
        if len(sizes) < 2:
            raise ValueError("MLP: nouts is empty; give at least one layer size, e.g. [16, 16, 1]")
        activation = _check_activation("MLP", activation)
        rng = _check_rng("MLP", rng)
        last = len(sizes) - 2
        self.layers = [
            Layer(sizes[i], sizes[i + 1], nonlin=i != last, activation=activation, init=init, rng=rng)
            for i in range(len(sizes) - 1)
        ]
        self.activation = activation

    def forward(self, x: Iterable[Input] | Input) -> Value | list[Value]:
        """The layers applied in turn."""
        for layer in self.layers:
            x = layer(x)
        return x

    def __repr__(self) -> str:
        sizes = [len(self.layers[0].neurons[0].w)] + [len(layer.neurons) for layer in self.layers]
        return f"MLP({' -> '.join(map(str, sizes))}, {self.activation})"


class Embedding(Module):
    """A lookup table of ``num_embeddings`` vectors of ``dim`` learnable Values each.

    ``emb(i)`` is row ``i`` (the parameter Values themselves, so gradients reach them).
    Rows start from N(0, 1) as in PyTorch, or from ``init``.

    >>> emb = Embedding(10, 2, rng=random.Random(0))
    >>> v = emb(3); len(v), v[0] is emb.weight[3][0]
    (2, True)
    """

    def __init__(
        self,
        num_embeddings: int,
        dim: int,
        *,
        init: str | _init.Init = "normal",
        rng: random.Random | None = None,
    ) -> None:
        num_embeddings = _check_count("Embedding", "num_embeddings", num_embeddings)
        dim = _check_count("Embedding", "dim", dim)
        draw = _init.get(init)
        rng = _check_rng("Embedding", rng)
        self.weight = [[Value(draw(dim, num_embeddings, rng), f"e{i}.{j}") for j in range(dim)]
                       for i in range(num_embeddings)]

    def forward(self, index: int) -> list[Value]:
        """Row ``index`` (0 <= index < num_embeddings) as a new list of the row's Values."""
        if isinstance(index, bool) or not isinstance(index, numbers.Integral):
            raise TypeError(f"Embedding index must be an int, got {type(index).__name__}: {index!r}")
        if not 0 <= index < len(self.weight):
            raise IndexError(
                f"Embedding index {index} out of range for {self!r} (0 to {len(self.weight) - 1})"
            )
        return list(self.weight[int(index)])

    def __repr__(self) -> str:
        return f"Embedding({len(self.weight)}, {len(self.weight[0])})"
