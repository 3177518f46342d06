"""The way out to PyTorch: ``to_torch`` turns an MLP into an equivalent ``torch.nn.Module``
with the same weights, and ``from_torch`` turns such a module back into an ``nn.MLP``.

For users who outgrow a scalar engine: train or inspect here, continue in PyTorch (or
bring a small PyTorch model here to see its graph). PyTorch is imported only when one of
these functions is called, and is never a dependency of chaingrad; without it they raise an
``ImportError`` that says ``pip install torch``.

The architectures are those the two libraries share: layers of neurons
``a = f(W·x + b)`` with ``f`` one of relu, tanh, sigmoid or none (linear), i.e. a
``torch.nn.Sequential`` of ``Linear`` layers (with bias), each optionally followed by
``ReLU``, ``Tanh``, ``Sigmoid`` or ``Identity``. Weights are copied as float64 (exactly:
chaingrad's numbers are Python floats, which are float64).
"""

from __future__ import annotations

import random
from typing import Any

from .module import MLP, Layer, Neuron

__all__ = ["from_torch", "to_torch"]

_TO_TORCH = {"relu": "ReLU", "tanh": "Tanh", "sigmoid": "Sigmoid"}
_FROM_TORCH = {"ReLU": "relu", "Tanh": "tanh", "Sigmoid": "sigmoid", "Identity": "linear"}


def _torch(where: str) -> Any:
    try:
        import torch
    except ImportError as e:
        raise ImportError(
            f"{where} needs PyTorch, which chaingrad does not depend on: pip install torch"
        ) from e
    return torch


def _layers(model: Any) -> list[list[Neuron]]:
    if isinstance(model, MLP):
        return [layer.neurons for layer in model.layers]
    if isinstance(model, Layer):
        return [model.neurons]
    if isinstance(model, Neuron):
        return [[model]]
    raise TypeError(
        f"nn.to_torch: expected an nn.MLP, nn.Layer or nn.Neuron, got {type(model).__name__}: {model!r}"
    )


def to_torch(model: MLP | Layer | Neuron) -> Any:
    """A ``torch.nn.Sequential`` computing what ``model`` computes, with its weights (float64).

    Each layer becomes ``Linear(nin, nout)`` (``weight[j][i]`` = neuron j's ``w[i]``,
    ``bias[j]`` = its ``b``) followed by the layer's activation module, none for a linear
    layer. The activation is read from the neurons now (``n.activation``, which follows
    ``n.nonlin``); a layer whose neurons disagree is a ``ValueError``. The module takes a
    batch ``x`` of shape ``(N, nin)`` and returns ``(N, nout)``: a one-output MLP's single
    ``Value`` is column 0. The copy is independent: training one changes nothing in the other.

    >>> import random
    >>> from nn import MLP
    >>> net = to_torch(MLP(2, [3, 1], rng=random.Random(0)))   # doctest: +SKIP
    >>> net                                                    # doctest: +SKIP
    Sequential(
      (0): Linear(in_features=2, out_features=3, bias=True)
      (1): ReLU()
      (2): Linear(in_features=3, out_features=1, bias=True)
    )
    """
    layers = _layers(model)
    torch = _torch("nn.to_torch")
    modules: list[Any] = []
    for k, neurons in enumerate(layers):
        acts = {n.activation for n in neurons}
        if len(acts) != 1:
            raise ValueError(
                f"nn.to_torch: the neurons of layer {k} use different activations "
                f"({', '.join(sorted(acts))}); a torch Linear layer is followed by one activation"
            )
        nin = len(neurons[0].w)
        linear = torch.nn.Linear(nin, len(neurons), bias=True, dtype=torch.float64)
        with torch.no_grad():
            linear.weight.copy_(torch.tensor([[w.data for w in n.w] for n in neurons], dtype=torch.float64))
            linear.bias.copy_(torch.tensor([n.b.data for n in neurons], dtype=torch.float64))
        modules.append(linear)
        act = acts.pop()
        if act != "linear":
            modules.append(getattr(torch.nn, _TO_TORCH[act])())
    return torch.nn.Sequential(*modules)


def from_torch(module: Any) -> MLP:
    """An ``nn.MLP`` with the weights of a ``torch.nn.Sequential`` of ``Linear`` layers (each
    optionally followed by ``ReLU``, ``Tanh``, ``Sigmoid`` or ``Identity``), or of one ``Linear``.

    Each layer's neurons get the activation that follows its ``Linear`` (none: linear), so
    a network ending in an activation keeps it. Anything else (a layer without bias,
    another module type, two activations in a row) is a ``ValueError`` naming the module.
    The reverse of :func:`to_torch`: ``from_torch(to_torch(m))`` has ``m``'s state_dict.
    """
    torch = _torch("nn.from_torch")
    if isinstance(module, torch.nn.Linear):
        items = [module]
    elif isinstance(module, torch.nn.Sequential):
        items = list(module)
    else:
        raise TypeError(
            f"nn.from_torch: expected a torch.nn.Sequential of Linear layers and activations (or a Linear), "
            f"got {type(module).__name__}"
        )
    layers: list[tuple[Any, str]] = []
    for i, m in enumerate(items):
        name = type(m).__name__
        if isinstance(m, torch.nn.Linear):
            if m.bias is None:
                raise ValueError(
                    f"nn.from_torch: module {i} ({m}) has no bias; every chaingrad neuron has one "
                    "(make it with bias=True)"
                )
            layers.append((m, "linear"))
        elif name in _FROM_TORCH and layers and layers[-1][1] == "linear":
            layers[-1] = (layers[-1][0], _FROM_TORCH[name])
        elif name in _FROM_TORCH:
            raise ValueError(f"nn.from_torch: module {i} ({m}) must follow a Linear layer")
        else:
            raise ValueError(
                f"nn.from_torch: module {i} is a {name}; only Linear, ReLU, Tanh, Sigmoid and Identity "
                "have a chaingrad equivalent"
            )
    if not layers:
        raise ValueError("nn.from_torch: the module has no Linear layer")
    for i in range(1, len(layers)):
        if layers[i][0].in_features != layers[i - 1][0].out_features:
            raise ValueError(
                f"nn.from_torch: Linear layer {i} takes {layers[i][0].in_features} inputs but the layer "
                f"before gives {layers[i - 1][0].out_features}"
            )
    hidden = [act for _, act in layers[:-1] if act != "linear"]
    model = MLP(layers[0][0].in_features, [lin.out_features for lin, _ in layers],
                activation=hidden[0] if hidden else "relu", rng=random.Random(0))
    for layer, (lin, act) in zip(model.layers, layers):
        weight = lin.weight.detach().to(torch.float64).tolist()
        bias = lin.bias.detach().to(torch.float64).tolist()
        for j, neuron in enumerate(layer.neurons):
            for w, x in zip(neuron.w, weight[j]):
                w.data = float(x)
            neuron.b.data = float(bias[j])
            neuron.activation = act  # read at call time; "linear" sets nonlin False
    return model
