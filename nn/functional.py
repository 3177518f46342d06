"""Activations, softmax and losses on Values and lists of Values (import as ``F``).

Everything is built from ``autograd`` operations, so every loss backpropagates. Losses take
a prediction and a target and a ``reduction``, as in PyTorch: ``"mean"`` (default) averages
the per-element losses, ``"sum"`` adds them, ``"none"`` returns them as a list. Inputs may
be numbers or Values, a single one or a list; mismatched lengths and invalid targets are
``ValueError``s.

>>> from nn import functional as F
>>> round(F.l1_loss([0.88, 0.12], [1, 0], reduction="sum").data, 10)   # |1-0.88| + |0-0.12|
0.24
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Mapping
from typing import Any

from autograd import Value

__all__ = [
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "hinge_loss",
    "l1_loss",
    "log_softmax",
    "mse_loss",
    "relu",
    "sigmoid",
    "softmax",
    "tanh",
]

Scalar = Value | float | int
REDUCTIONS = ("mean", "sum", "none")
_LOG_FLOOR = -100.0  # PyTorch clamps log(p) in binary cross-entropy at -100


def _value(x: Any, where: str) -> Value:
    if isinstance(x, Value):
        return x
    if isinstance(x, numbers.Real) and not isinstance(x, bool):
        return Value(float(x))
    raise TypeError(f"{where}: expected a number or a Value, got {type(x).__name__}: {x!r}")


def _is_scalar(x: Any) -> bool:
    return isinstance(x, (Value, numbers.Real))


def _listlike(x: Any) -> list[Any] | None:
    """``x`` as a list if it holds several items (list, tuple, numpy array, iterator), else None."""
    if _is_scalar(x) or isinstance(x, (str, bytes, Mapping)) or not isinstance(x, Iterable):
        return None
    return list(x)


def _elementwise(x: Any, fn: str, where: str) -> Any:
    if _is_scalar(x):
        return getattr(_value(x, where), fn)()
    xs = _listlike(x)
    if xs is not None:
        return [getattr(_value(v, where), fn)() for v in xs]
    raise TypeError(f"{where}: expected a Value, a number or a list of them, got {type(x).__name__}: {x!r}")


def relu(x: Scalar | Iterable[Scalar]) -> Value | list[Value]:
    """max(0, x), elementwise on a list; derivative 1 for x > 0, else 0.

    >>> [v.data for v in relu([-1.0, 2.0])]
    [0.0, 2.0]
    """
    return _elementwise(x, "relu", "relu")


def tanh(x: Scalar | Iterable[Scalar]) -> Value | list[Value]:
    """tanh(x) = (e^x - e^-x)/(e^x + e^-x), elementwise on a list.

    >>> tanh(0.0).data
    0.0
    """
    return _elementwise(x, "tanh", "tanh")


def sigmoid(x: Scalar | Iterable[Scalar]) -> Value | list[Value]:
    """σ(x) = 1/(1 + e^-x), elementwise on a list.

    >>> sigmoid([0.0])[0].data
    0.5
    """
    return _elementwise(x, "sigmoid", "sigmoid")


def _vector(x: Any, where: str, what: str = "logits") -> list[Value]:
    xs = _listlike(x)
    if xs is None:
        raise TypeError(f"{where}: {what} must be a list of numbers or Values, got {type(x).__name__}: {x!r}")
    if not xs:
        raise ValueError(f"{where}: {what} is empty")
    return [_value(v, where) for v in xs]


def _total(terms: list[Value]) -> Value:
    """terms[0] + terms[1] + ... without a leading ``0 +`` node."""
    return sum(terms[1:], terms[0])


def _max(a: Value, b: Value | float) -> Value:
    """max(a, b) as a graph op, so a traced function recomputes it (no Python ``if`` on data).

    ``Value.max`` where the engine has it; otherwise (a + b + |a - b|)/2, the same number up
    to rounding, whose derivative splits 0.5/0.5 at a tie. Used only as a shift or a clamp,
    where it changes no derivative of the result (or routes none, when clamped).
    """
    vmax = getattr(Value, "max", None)
    if vmax is not None:
        return vmax(a, b)
    return 0.5 * (a + b + (a - b).abs())


def _max_all(z: list[Value]) -> Value:
    m = z[0]
    for v in z[1:]:
        m = _max(m, v)
    return m


def _check_finite(z: list[Value], where: str, what: str) -> None:
    """A NaN or infinite input is named here, rather than as a confusing error deeper down."""
    for i, v in enumerate(z):
        x = v.data
        if x != x or x in (math.inf, -math.inf):
            raise ValueError(
                f"{where}: {what}[{i}] is {x!r}: the model's output is not a finite number, so there is "
                "no loss to compute (has training diverged? lower the learning rate, or find the first "
                "non-finite op with autograd.detect_anomaly())"
            )


def _shifted(z: list[Value], where: str) -> tuple[list[Value], Value]:
    """(z_i - m for each i, log Σ_j e^(z_j - m)) with m = max(z), computed in the graph.

    The shift m keeps every exponent <= 0 (no overflow, for any logits) and is part of the
    graph, so a traced loss shifts by the current maximum, not the one seen when it was
    recorded. Mathematically it cancels: log Σ e^z_j = m + log Σ e^(z_j - m).
    """
    _check_finite(z, where, "logits")
    m = _max_all(z)
    d = [v - m for v in z]
    return d, _total([di.exp() for di in d]).log()


def softmax(logits: Iterable[Scalar]) -> list[Value]:
    """softmax(z)_i = e^(z_i - m) / Σ_j e^(z_j - m), with m = max(z) (stable for any z).

    >>> [round(p.data, 4) for p in softmax([2.0, 1.0, 0.1])]
    [0.659, 0.2424, 0.0986]
    >>> [p.data for p in softmax([1000.0, 1000.0])]      # no overflow
    [0.5, 0.5]
    """
    z = _vector(logits, "softmax")
    _check_finite(z, "softmax", "logits")
    m = _max_all(z)
    e = [(v - m).exp() for v in z]
    s = _total(e)
    return [ei / s for ei in e]


def log_softmax(logits: Iterable[Scalar]) -> list[Value]:
    """log softmax(z)_i = z_i - m - log Σ_j e^(z_j - m), with m = max(z) (stable for any z).

    >>> [round(p.data, 4) for p in log_softmax([1000.0, 0.0])]
    [0.0, -1000.0]
    """
    z = _vector(logits, "log_softmax")
    d, lse = _shifted(z, "log_softmax")
    return [di - lse for di in d]


def _reduce(terms: list[Value], reduction: str, where: str) -> Value | list[Value]:
    if reduction == "none":
        return terms
    if reduction == "sum":
        return _total(terms)
    return _total(terms) / len(terms)


def _check_reduction(reduction: Any, where: str) -> None:
    if reduction not in REDUCTIONS:
        raise ValueError(f"{where}: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")


def _pairs(pred: Any, target: Any, where: str) -> tuple[list[Value], list[Value | float], bool]:
    """(predictions, targets, scalar?) with matching lengths; targets stay numbers or Values."""
    if _is_scalar(pred):
        if not _is_scalar(target):
            raise ValueError(
                f"{where}: pred is a single value but target is {type(target).__name__}: {target!r}"
            )
        return [_value(pred, where)], [_target_number(target, where)], True
    p = _vector(pred, where, "pred")
    ts = _listlike(target)
    if ts is None:
        raise ValueError(
            f"{where}: pred is a list of {len(p)} but target is {type(target).__name__}: {target!r}"
        )
    if len(ts) != len(p):
        raise ValueError(f"{where}: pred has {len(p)} elements but target has {len(ts)}")
    return p, [_target_number(t, where) for t in ts], False


def _target_number(t: Any, where: str) -> Value | float:
    if isinstance(t, Value):
        return t
    if isinstance(t, numbers.Real) and not isinstance(t, bool) and math.isfinite(t):
        return float(t)
    if isinstance(t, bool):
        return float(t)
    raise ValueError(
        f"{where}: each target must be a finite number or a Value, got {type(t).__name__}: {t!r}"
    )


def _loss(terms: list[Value], scalar: bool, reduction: str, where: str) -> Value | list[Value]:
    if scalar and reduction == "none":
        return terms[0]
    return _reduce(terms, reduction, where)


def mse_loss(pred: Any, target: Any, reduction: str = "mean") -> Value | list[Value]:
    """Squared error (p - y)², averaged ("mean"), added ("sum") or per element ("none").

    >>> mse_loss([1.0, 2.0], [0.0, 4.0]).data        # (1 + 4) / 2
    2.5
    """
    _check_reduction(reduction, "mse_loss")
    p, t, scalar = _pairs(pred, target, "mse_loss")
    return _loss([(pi - ti) ** 2 for pi, ti in zip(p, t)], scalar, reduction, "mse_loss")


def l1_loss(pred: Any, target: Any, reduction: str = "mean") -> Value | list[Value]:
    """Absolute error |p - y| (derivative sign(p - y), 0 where p = y), reduced as in PyTorch.

    >>> l1_loss([0.5, 2.0], [1.0, 0.0]).data          # (0.5 + 2) / 2
    1.25
    """
    _check_reduction(reduction, "l1_loss")
    p, t, scalar = _pairs(pred, target, "l1_loss")
    return _loss([(pi - ti).abs() for pi, ti in zip(p, t)], scalar, reduction, "l1_loss")


def _one_cross_entropy(logits: Any, target: Any, where: str) -> Value:
    z = _vector(logits, where)
    if isinstance(target, numbers.Integral) and not isinstance(target, bool):
        if not 0 <= target < len(z):
            raise ValueError(
                f"{where}: class index {target} out of range for {len(z)} classes (0 to {len(z) - 1})"
            )
        d, lse = _shifted(z, where)
        return lse - d[int(target)]  # log Σ e^(z_j - m) - (z_y - m): the shift applied to both
    qs = _listlike(target)
    if qs is not None:
        if len(qs) != len(z):
            raise ValueError(f"{where}: {len(z)} logits but a probability target of length {len(qs)}")
        probs = [_target_number(q, where) for q in qs]
        bad = [q for q in probs if not isinstance(q, Value) and not 0.0 <= q <= 1.0]
        if bad or abs(sum(float(q) for q in probs) - 1.0) > 1e-6:
            raise ValueError(
                f"{where}: a probability target must be numbers in [0, 1] summing to 1, got {target!r}"
            )
        d, lse = _shifted(z, where)
        return _total([(lse - di) * q for di, q in zip(d, probs)])
    raise ValueError(
        f"{where}: target must be a class index (int) or a list of class probabilities, "
        f"got {type(target).__name__}: {target!r}"
    )


def cross_entropy(logits: Any, target: Any, reduction: str = "mean") -> Value | list[Value]:
    """-log softmax(z)[y] = log Σ_j e^(z_j) - z_y, computed stably (shifted by max z).

    One sample: ``logits`` a list of C scores, ``target`` a class index in [0, C) or a list
    of C class probabilities (e.g. one-hot), giving ``-Σ_i q_i log softmax(z)_i``. A batch:
    a list of logit lists and a list of targets, reduced by ``reduction``.

    >>> round(cross_entropy([2.0, 1.0, 0.1], 0).data, 4)          # -log 0.659
    0.417
    >>> round(cross_entropy([[2.0, 1.0, 0.1], [0.0, 0.0, 0.0]], [0, 2]).data, 4)  # (0.417 + log 3)/2
    0.7578
    """
    _check_reduction(reduction, "cross_entropy")
    rows = _listlike(logits)
    if not rows or _is_scalar(rows[0]):  # one sample (or not a list: reported there)
        return _one_cross_entropy(logits if rows is None else rows, target, "cross_entropy")
    ts = _listlike(target)
    if ts is None:
        raise ValueError(
            f"cross_entropy: a batch of {len(rows)} logit lists needs a list of {len(rows)} targets, "
            f"got {type(target).__name__}: {target!r}"
        )
    if len(ts) != len(rows):
        raise ValueError(f"cross_entropy: {len(rows)} samples of logits but {len(ts)} targets")
    pairs = enumerate(zip(rows, ts))
    terms = [_one_cross_entropy(z, y, f"cross_entropy (sample {i})") for i, (z, y) in pairs]
    return _reduce(terms, reduction, "cross_entropy")


def _check_binary_targets(t: list[Value | float], where: str) -> None:
    for i, y in enumerate(t):
        if not isinstance(y, Value) and not 0.0 <= y <= 1.0:
            raise ValueError(
                f"{where}: target[{i}] = {y!r} is outside [0, 1]; use labels 0 and 1 (or probabilities)"
            )


_P_FLOOR = math.exp(_LOG_FLOOR)  # log(_P_FLOOR) == -100.0 exactly


def _clamped_log(v: Value) -> Value:
    """max(log v, -100) as log(max(v, e^-100)): in the graph, so a traced loss clamps by the
    current value (a prediction clamped when recorded is not clamped forever), and v = 0 never
    reaches log. No gradient flows through a clamped log."""
    return _max(v, _P_FLOOR).log()


def binary_cross_entropy(p: Any, y: Any, reduction: str = "mean") -> Value | list[Value]:
    """-(y·log p + (1 - y)·log(1 - p)) for probabilities p in [0, 1] and targets y in [0, 1].

    Like PyTorch, each log is clamped at -100, so p = 0 or 1 gives a finite loss (no gradient
    flows through a clamped log); a term whose weight (y or 1 - y) is 0 is left out. Prefer
    :func:`binary_cross_entropy_with_logits` on the raw score: it is stable and never clamps.

    >>> round(binary_cross_entropy(0.8, 1).data, 4)       # -log 0.8
    0.2231
    """
    _check_reduction(reduction, "binary_cross_entropy")
    ps, ts, scalar = _pairs(p, y, "binary_cross_entropy")
    _check_binary_targets(ts, "binary_cross_entropy")
    _check_finite(ps, "binary_cross_entropy", "p")
    for i, pi in enumerate(ps):
        if not 0.0 <= pi.data <= 1.0:
            raise ValueError(
                f"binary_cross_entropy: p[{i}] = {pi.data!r} is not a probability in [0, 1]; "
                "apply sigmoid first, or use binary_cross_entropy_with_logits on the raw score"
            )
    terms = []
    for pi, yi in zip(ps, ts):
        parts = []
        if isinstance(yi, Value) or yi != 0.0:
            parts.append(yi * _clamped_log(pi))
        if isinstance(yi, Value) or yi != 1.0:
            parts.append((1.0 - yi) * _clamped_log(1.0 - pi))
        terms.append(0.0 - _total(parts))  # not -x: a perfect prediction gives 0.0, not -0.0
    return _loss(terms, scalar, reduction, "binary_cross_entropy")


def _bce_logit(z: Value, y: Value | float) -> Value:
    # max(z, 0) - z·y + log1p(e^-|z|): e^-|z| <= 1, so no overflow for any z, and no Python
    # branch on z (a traced loss stays right when z changes sign). At z = 0 the max splits its
    # derivative 0.5/0.5 and |z| contributes 0, giving σ(0) - y = 0.5 - y, the true derivative.
    return _max(z, 0.0) - z * y + (-z.abs()).exp().log1p()


def binary_cross_entropy_with_logits(z: Any, y: Any, reduction: str = "mean") -> Value | list[Value]:
    """Binary cross-entropy of σ(z) against y, computed stably from the score z:
    max(z, 0) - z·y + log(1 + e^-|z|).

    >>> round(binary_cross_entropy_with_logits(0.0, 1).data, 4)   # log 2
    0.6931
    >>> binary_cross_entropy_with_logits(1000.0, 0).data           # no overflow
    1000.0
    """
    _check_reduction(reduction, "binary_cross_entropy_with_logits")
    zs, ts, scalar = _pairs(z, y, "binary_cross_entropy_with_logits")
    _check_binary_targets(ts, "binary_cross_entropy_with_logits")
    _check_finite(zs, "binary_cross_entropy_with_logits", "z")
    return _loss([_bce_logit(zi, yi) for zi, yi in zip(zs, ts)], scalar, reduction,
                 "binary_cross_entropy_with_logits")


def hinge_loss(score: Any, y: Any, reduction: str = "mean") -> Value | list[Value]:
    """micrograd's max-margin loss relu(1 - y·score) for labels y in {-1, +1}.

    >>> hinge_loss([2.0, 0.5], [1, 1], reduction="none")[1].data      # 1 - 0.5
    0.5
    """
    _check_reduction(reduction, "hinge_loss")
    s, t, scalar = _pairs(score, y, "hinge_loss")
    for i, yi in enumerate(t):
        if isinstance(yi, Value) or yi not in (-1.0, 1.0):
            raise ValueError(f"hinge_loss: target[{i}] = {yi!r} must be -1 or +1 (a number)")
    return _loss([(1.0 - yi * si).relu() for si, yi in zip(s, t)], scalar, reduction, "hinge_loss")
