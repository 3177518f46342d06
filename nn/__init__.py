"""chaingrad's neural-network package, built only on ``autograd``'s public API.

Modules (``Module``, ``Neuron``, ``Layer``, ``MLP``, ``Embedding``) live in :mod:`nn.module`,
activations and losses in :mod:`nn.functional` (import as ``F``), optimizers and schedules
in :mod:`nn.optim`, initializers in :mod:`nn.init`; ``save``/``load`` write and read
parameters (and optimizer state) as JSON; ``to_torch``/``from_torch`` convert an MLP to and
from an equivalent PyTorch module.
"""

from . import data, functional, init, metrics, optim, train
from .interop import from_torch, to_torch
from .module import ACTIVATIONS, MLP, Embedding, Layer, Module, Neuron
from .serialization import load, save

__all__ = [
    "ACTIVATIONS",
    "MLP",
    "Embedding",
    "Layer",
    "Module",
    "Neuron",
    "data",
    "from_torch",
    "functional",
    "init",
    "load",
    "metrics",
    "optim",
    "save",
    "to_torch",
    "train",
]
