"""Weight initialization: draw one starting weight from a distribution scaled by fan-in/fan-out.

Every initializer has the same shape, ``init(fan_in, fan_out, rng) -> float``: it draws one
weight for a unit with ``fan_in`` inputs in a layer of ``fan_out`` units, from an explicit
``random.Random`` (never the global ``random``). ``Neuron``/``Layer``/``MLP`` take one by
name (``init="xavier_uniform"``) or as a callable of that shape. The scalings follow
PyTorch's ``torch.nn.init``:

==================  ===========================================================
``uniform``         U(a, b), default U(-1, 1) (micrograd's initialization)
``normal``          N(mean, std²), default N(0, 1)
``xavier_uniform``  U(-r, r),  r = gain·√(6 / (fan_in + fan_out))   (Glorot)
``xavier_normal``   N(0, σ²),  σ = gain·√(2 / (fan_in + fan_out))
``kaiming_uniform`` U(-r, r),  r = gain·√(3 / fan_in),  gain = √2 (He, for ReLU)
``kaiming_normal``  N(0, σ²),  σ = gain / √fan_in,      gain = √2
==================  ===========================================================

Xavier keeps the variance of activations and gradients about equal from layer to layer for
tanh/sigmoid-like units; Kaiming (He) does the same for ReLU, which zeroes half its inputs.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable

__all__ = [
    "INITS",
    "Init",
    "get",
    "kaiming_normal",
    "kaiming_uniform",
    "normal",
    "uniform",
    "xavier_normal",
    "xavier_uniform",
]

Init = Callable[[int, int, random.Random], float]


def _check(name: str, fan_in: int, fan_out: int, rng: random.Random) -> None:
    for what, n in (("fan_in", fan_in), ("fan_out", fan_out)):
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise ValueError(f"{name}: {what} must be a positive int, got {type(n).__name__}: {n!r}")
    if not isinstance(rng, random.Random):
        raise TypeError(
            f"{name}: rng must be a random.Random, got {type(rng).__name__}: {rng!r}. "
            "Pass e.g. random.Random(0) for a seeded, reproducible draw."
        )


def _check_scale(name: str, what: str, x: float) -> None:
    if not (isinstance(x, (int, float)) and math.isfinite(x) and x >= 0):
        raise ValueError(f"{name}: {what} must be a finite number >= 0, got {type(x).__name__}: {x!r}")


def uniform(fan_in: int, fan_out: int, rng: random.Random, a: float = -1.0, b: float = 1.0) -> float:
    """One weight from U(a, b); the default U(-1, 1) is micrograd's initialization.

    >>> w = uniform(3, 4, random.Random(0))
    >>> -1.0 <= w <= 1.0
    True
    """
    _check("uniform", fan_in, fan_out, rng)
    if not (math.isfinite(a) and math.isfinite(b) and a <= b):
        raise ValueError(f"uniform: need finite a <= b, got a={a!r}, b={b!r}")
    return rng.uniform(a, b)


def normal(fan_in: int, fan_out: int, rng: random.Random, mean: float = 0.0, std: float = 1.0) -> float:
    """One weight from N(mean, std²), default N(0, 1).

    >>> isinstance(normal(3, 4, random.Random(0)), float)
    True
    """
    _check("normal", fan_in, fan_out, rng)
    _check_scale("normal", "std", std)
    return rng.gauss(mean, std)


def xavier_uniform(fan_in: int, fan_out: int, rng: random.Random, gain: float = 1.0) -> float:
    """Glorot uniform: U(-r, r) with r = gain·√(6 / (fan_in + fan_out)).

    >>> r = math.sqrt(6 / (2 + 16))
    >>> all(-r <= xavier_uniform(2, 16, random.Random(s)) <= r for s in range(100))
    True
    """
    _check("xavier_uniform", fan_in, fan_out, rng)
    _check_scale("xavier_uniform", "gain", gain)
    r = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-r, r)


def xavier_normal(fan_in: int, fan_out: int, rng: random.Random, gain: float = 1.0) -> float:
    """Glorot normal: N(0, σ²) with σ = gain·√(2 / (fan_in + fan_out)).

    >>> isinstance(xavier_normal(2, 16, random.Random(0)), float)
    True
    """
    _check("xavier_normal", fan_in, fan_out, rng)
    _check_scale("xavier_normal", "gain", gain)
    return rng.gauss(0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)))


def kaiming_uniform(fan_in: int, fan_out: int, rng: random.Random, gain: float = math.sqrt(2.0)) -> float:
    """He uniform (fan-in mode): U(-r, r) with r = gain·√(3 / fan_in); gain √2 suits ReLU.

    >>> r = math.sqrt(2) * math.sqrt(3 / 16)
    >>> all(-r <= kaiming_uniform(16, 16, random.Random(s)) <= r for s in range(100))
    True
    """
    _check("kaiming_uniform", fan_in, fan_out, rng)
    _check_scale("kaiming_uniform", "gain", gain)
    r = gain * math.sqrt(3.0 / fan_in)
    return rng.uniform(-r, r)


def kaiming_normal(fan_in: int, fan_out: int, rng: random.Random, gain: float = math.sqrt(2.0)) -> float:
    """He normal (fan-in mode): N(0, σ²) with σ = gain / √fan_in; gain √2 suits ReLU.

    >>> isinstance(kaiming_normal(16, 16, random.Random(0)), float)
    True
    """
    _check("kaiming_normal", fan_in, fan_out, rng)
    _check_scale("kaiming_normal", "gain", gain)
    return rng.gauss(0.0, gain / math.sqrt(fan_in))


INITS: dict[str, Init] = {
    "uniform": uniform,
    "normal": normal,
    "xavier_uniform": xavier_uniform,
    "xavier_normal": xavier_normal,
    "kaiming_uniform": kaiming_uniform,
    "kaiming_normal": kaiming_normal,
}


def get(init: str | Init) -> Init:
    """The initializer for a name in :data:`INITS`, or ``init`` itself if it is callable.

    >>> get("xavier_uniform") is xavier_uniform
    True
    """
    if callable(init):
        return init
    if isinstance(init, str) and init in INITS:
        return INITS[init]
    raise ValueError(
        f"unknown init {init!r} ({type(init).__name__}); use one of {', '.join(sorted(INITS))} "
        "or a callable init(fan_in, fan_out, rng) -> float"
    )
