"""Gradient checking: compare the engine's derivatives with central finite differences.

(Public home: :mod:`autograd.gradcheck` and the top-level ``autograd.gradcheck``/``gradgradcheck``.)

The numerical derivative of f at x along input i is

    (f(x + h·e_i) - f(x - h·e_i)) / 2h

whose error shrinks like h² (plus rounding of order ε·|f|/h), which is why ``h = 1e-6``
works well in double precision. It costs two evaluations of f per input: fine for checking,
far too slow for training, which is why backpropagation exists.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from ..backward import grad
from ..value import Value

Fn = Callable[..., Any]


class GradcheckError(AssertionError):
    """Analytical and numerical derivatives disagree; the message is a table of both."""


def _point(inputs: Sequence[Any]) -> list[float]:
    if isinstance(inputs, (Value, int, float)):
        inputs = [inputs]
    xs = []
    for i, x in enumerate(inputs):
        if isinstance(x, Value):
            xs.append(x.data)
        elif isinstance(x, (int, float)):
            xs.append(float(x))
        else:
            raise TypeError(
                f"gradcheck: inputs[{i}] must be a number or a Value, got {type(x).__name__}: {x!r}"
            )
    if not xs:
        raise ValueError("gradcheck: inputs is empty; pass the point to check at, e.g. [0.5, -1.2]")
    return xs


def _as_float(y: Any, where: str) -> float:
    if isinstance(y, Value):
        return y.data
    if isinstance(y, (int, float)):
        return float(y)
    raise TypeError(f"gradcheck: f must return a Value or a number, got {type(y).__name__} {where}")


def _check_tolerance(name: str, x: Any, *, positive: bool = False) -> float:
    """A tolerance or step as a float: finite and >= 0 (> 0 with ``positive``), else ValueError."""
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        raise TypeError(f"gradcheck: {name} must be a number, got {type(x).__name__}: {x!r}")
    x = float(x)
    if not math.isfinite(x) or x < 0 or (positive and x == 0):
        need = "a finite number > 0" if positive else "a finite number >= 0"
        raise ValueError(f"gradcheck: {name} must be {need}, got {x!r}")
    return x


def numerical_grad(f: Fn, inputs: Sequence[Any], *, eps: float = 1e-6) -> list[float]:
    """Central-difference derivatives of ``f(*inputs)`` with respect to each input.

    ``f`` takes one Value per input and returns a Value (or a number).

    >>> [round(d, 6) for d in numerical_grad(lambda x, y: x * y, [3.0, 4.0])]   # (y, x)
    [4.0, 3.0]
    """
    xs = _point(inputs)
    eps = _check_tolerance("eps", eps, positive=True)
    out = []
    for i in range(len(xs)):
        plus = list(xs)
        minus = list(xs)
        plus[i] += eps
        minus[i] -= eps
        fp = _as_float(f(*[Value(x) for x in plus]), f"at inputs[{i}] + eps")
        fm = _as_float(f(*[Value(x) for x in minus]), f"at inputs[{i}] - eps")
        out.append((fp - fm) / (2.0 * eps))
    return out


def _analytical(f: Fn, xs: list[float]) -> list[float]:
    vals = [Value(x, label=f"x{i}") for i, x in enumerate(xs)]
    y = f(*vals)
    if not isinstance(y, Value):
        _as_float(y, "at the check point")
        return [0.0] * len(xs)
    return [float(d) for d in grad(y, vals)]


def _compare(what: str, names: list[str], xs: list[float], ana: list[float], num: list[float],
             atol: float, rtol: float) -> None:
    # A non-finite derivative on either side is a failure, never a pass: every comparison
    # with nan is False, so `abs(a - n) > tol` alone would let nan and inf through.
    finite = [math.isfinite(a) and math.isfinite(n) for a, n in zip(ana, num)]
    bad = [not f or abs(a - n) > atol + rtol * abs(n) for a, n, f in zip(ana, num, finite)]
    if not any(bad):
        return
    head = f"{'input':<14}{'value':>14}{'analytical':>16}{'numerical':>16}{'difference':>14}"
    rows = [head, "-" * len(head)]
    for name, x, a, n, b, f in zip(names, xs, ana, num, bad, finite):
        mark = "  <- non-finite" if not f else "  <- mismatch" if b else ""
        rows.append(f"{name:<14}{x:>14.6g}{a:>16.8g}{n:>16.8g}{a - n:>14.3g}{mark}")
    if not all(finite):
        why = ("a derivative is not finite (nan or inf), so it cannot be checked: "
               "look for an input at a singularity (0 for log, sqrt, 1/x), an overflow, or an inf/nan input")
    else:
        why = f"analytical and numerical derivatives disagree (tolerance |a - n| <= {atol:g} + {rtol:g}·|n|)"
    raise GradcheckError(f"{what}: {why}:\n" + "\n".join(rows))


def _tolerances(eps: Any, atol: Any, rtol: Any) -> tuple[float, float, float]:
    return (_check_tolerance("eps", eps, positive=True), _check_tolerance("atol", atol),
            _check_tolerance("rtol", rtol))


def gradcheck(f: Fn, inputs: Sequence[Any], *, eps: float = 1e-6, atol: float = 1e-5,
              rtol: float = 1e-3) -> bool:
    """Check ``f``'s backpropagated derivatives against central differences at ``inputs``.

    ``f`` takes one Value per input and returns a Value. Returns True, or raises
    :class:`GradcheckError` with a table of input, analytical, numerical and difference.

    >>> gradcheck(lambda x, y: (x * y).tanh(), [0.5, -1.5])
    True
    """
    xs = _point(inputs)
    eps, atol, rtol = _tolerances(eps, atol, rtol)
    ana = _analytical(f, xs)
    num = numerical_grad(f, xs, eps=eps)
    _compare("gradcheck", [f"x{i}" for i in range(len(xs))], xs, ana, num, atol, rtol)
    return True


def gradgradcheck(f: Fn, inputs: Sequence[Any], *, eps: float = 1e-6, atol: float = 1e-5,
                  rtol: float = 1e-3) -> bool:
    """Check second derivatives: each first derivative (from ``grad(create_graph=True)``)
    is differentiated by the engine and by central differences, for every pair of inputs.

    >>> gradgradcheck(lambda x: x.sin() * x, [0.7])
    True
    """
    xs = _point(inputs)
    eps, atol, rtol = _tolerances(eps, atol, rtol)
    n = len(xs)
    for i in range(n):

        def dfi(*vs: Value, i: int = i) -> Any:
            y = f(*vs)
            if not isinstance(y, Value):
                return 0.0
            return grad(y, list(vs), create_graph=True)[i]

        ana = _analytical(dfi, xs)
        num = numerical_grad(dfi, xs, eps=eps)
        names = [f"d²f/dx{i}dx{j}" for j in range(n)]
        _compare("gradgradcheck", names, xs, ana, num, atol, rtol)
    return True
