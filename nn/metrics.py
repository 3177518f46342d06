"""Evaluation metrics with scikit-learn's names and semantics, on plain Python lists.

Classification: ``accuracy_score``, ``precision_score``, ``recall_score``, ``f1_score`` and
``confusion_matrix``; regression: ``mean_squared_error`` and ``mean_absolute_error``.
Arguments are ``(y_true, y_pred)`` in that order, as in scikit-learn. Labels may be any
hashable, sortable values (ints, strings, bools); regression values may be numbers or
``Value``s (their ``data`` is used).

Where a ratio has a zero denominator (a precision with no positive predictions, a recall
with no positive labels) the score is ``zero_division``, 0.0 by default: the number
scikit-learn's default ``zero_division="warn"`` returns (without its warning).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Sequence
from typing import Any

__all__ = [
    "accuracy_score",
    "confusion_matrix",
    "f1_score",
    "mean_absolute_error",
    "mean_squared_error",
    "precision_score",
    "recall_score",
]

_AVERAGES = ("binary", "macro", "micro", "weighted", None)


def _pair(y_true: Any, y_pred: Any, fn: str) -> tuple[list[Any], list[Any]]:
    """Both arguments as lists of equal, non-zero length, or a clear error."""
    for name, seq in (("y_true", y_true), ("y_pred", y_pred)):
        if isinstance(seq, (str, bytes)) or not (hasattr(seq, "__len__") and hasattr(seq, "__iter__")):
            raise TypeError(
                f"{fn}(): {name} must be a sequence (list or tuple), got {type(seq).__name__}: {seq!r}"
            )
    t, p = list(y_true), list(y_pred)
    if len(t) != len(p):
        raise ValueError(
            f"{fn}(): y_true and y_pred must have the same length, got {len(t)} and {len(p)}; "
            "pass one prediction per true label"
        )
    if not t:
        raise ValueError(f"{fn}(): y_true and y_pred are empty; pass at least one label")
    return t, p


def _labels(t: list[Any], p: list[Any], fn: str) -> list[Any]:
    """The sorted union of the labels that occur in either list."""
    present = set(t) | set(p)
    try:
        return sorted(present)
    except TypeError:
        raise TypeError(
            f"{fn}(): labels must be mutually comparable (all ints, or all strings, ...), "
            f"got {sorted(type(x).__name__ for x in present)}"
        ) from None


def accuracy_score(y_true: Sequence[Hashable], y_pred: Sequence[Hashable]) -> float:
    """The fraction of predictions equal to the true label: (1/n) Σ [y_true_i == y_pred_i].

    >>> accuracy_score([0, 1, 1, 0], [0, 1, 0, 0])
    0.75
    """
    t, p = _pair(y_true, y_pred, "accuracy_score")
    return sum(1 for a, b in zip(t, p) if a == b) / len(t)


def confusion_matrix(
    y_true: Sequence[Hashable], y_pred: Sequence[Hashable], *, labels: Sequence[Hashable] | None = None
) -> list[list[int]]:
    """Counts C[i][j] of samples whose true label is ``labels[i]`` and predicted ``labels[j]``.

    Rows are true labels, columns predicted labels (scikit-learn's layout); ``labels``
    defaults to the sorted labels seen in either list. For two classes 0/1 that is
    ``[[TN, FP], [FN, TP]]``.

    >>> confusion_matrix([0, 0, 1, 1, 1], [0, 1, 1, 1, 0])
    [[1, 1], [1, 2]]
    """
    t, p = _pair(y_true, y_pred, "confusion_matrix")
    labs = _labels(t, p, "confusion_matrix") if labels is None else list(labels)
    if not labs:
        raise ValueError("confusion_matrix(): labels is empty; pass at least one label")
    index = {lab: i for i, lab in enumerate(labs)}
    if len(index) != len(labs):
        raise ValueError(f"confusion_matrix(): labels contains duplicates: {labs!r}")
    m = [[0] * len(labs) for _ in labs]
    for a, b in zip(t, p):
        if a in index and b in index:  # samples outside `labels` are ignored, as in scikit-learn
            m[index[a]][index[b]] += 1
    return m


def _ratio(num: float, den: float, zero_division: float) -> float:
    return num / den if den else float(zero_division)


def _counts(t: list[Any], p: list[Any], labs: list[Any]) -> list[tuple[int, int, int]]:
    """(TP, FP, FN) for each label, one-vs-rest."""
    out = []
    for lab in labs:
        tp = fp = fn = 0
        for a, b in zip(t, p):
            if b == lab:
                if a == lab:
                    tp += 1
                else:
                    fp += 1
            elif a == lab:
                fn += 1
        out.append((tp, fp, fn))
    return out


def _prf(
    y_true: Sequence[Hashable],
    y_pred: Sequence[Hashable],
    pos_label: Hashable,
    average: str | None,
    zero_division: float,
    which: str,
) -> float | list[float]:
    """Shared body of precision, recall and F1 (``which`` is "precision", "recall" or "f1")."""
    fn_name = f"{which}_score" if which != "f1" else "f1_score"
    if average not in _AVERAGES:
        raise ValueError(
            f"{fn_name}(): average must be one of 'binary', 'macro', 'micro', 'weighted' or None, "
            f"got {average!r}"
        )
    if zero_division not in (0, 1) or isinstance(zero_division, bool):
        raise ValueError(f"{fn_name}(): zero_division must be 0.0 or 1.0, got {zero_division!r}")
    t, p = _pair(y_true, y_pred, fn_name)
    labs = _labels(t, p, fn_name)

    def score(tp: int, fp: int, fn: int) -> float:
        if which == "precision":
            return _ratio(tp, tp + fp, zero_division)
        if which == "recall":
            return _ratio(tp, tp + fn, zero_division)
        return _ratio(2 * tp, 2 * tp + fp + fn, zero_division)  # F1 = 2PR/(P+R) = 2TP/(2TP+FP+FN)

    if average == "binary":
        if len(labs) > 2:
            raise ValueError(
                f"{fn_name}(): the labels {labs!r} have more than two classes but average='binary'; "
                "pass average='macro', 'micro' or 'weighted'"
            )
        if pos_label not in labs and len(labs) == 2:
            raise ValueError(
                f"{fn_name}(): pos_label={pos_label!r} is not one of the labels {labs!r}; "
                "pass the label of the positive class as pos_label"
            )
        ((tp, fp, fn),) = _counts(t, p, [pos_label])
        return score(tp, fp, fn)
    counts = _counts(t, p, labs)
    if average == "micro":
        tp, fp, fn = (sum(c[k] for c in counts) for k in range(3))
        return score(tp, fp, fn)
    scores = [score(*c) for c in counts]
    if average is None:
        return scores
    if average == "macro":
        return sum(scores) / len(scores)
    supports = [tp + fn for tp, _, fn in counts]  # "weighted": by the number of true samples
    total = sum(supports)
    return _ratio(sum(s * w for s, w in zip(scores, supports)), total, zero_division)


def precision_score(
    y_true: Sequence[Hashable],
    y_pred: Sequence[Hashable],
    *,
    pos_label: Hashable = 1,
    average: str | None = "binary",
    zero_division: float = 0.0,
) -> Any:
    """Precision TP / (TP + FP): of the samples predicted positive, the fraction that are.

    ``average="binary"`` (default) scores the class ``pos_label``; for several classes use
    ``"macro"`` (unweighted mean over classes), ``"micro"`` (from the summed TP/FP counts),
    ``"weighted"`` (mean weighted by each class's number of true samples) or ``None`` (a list,
    one score per class in sorted label order). With no positive predictions the ratio is
    0/0 and the score is ``zero_division`` (0.0, scikit-learn's default value).

    >>> precision_score([0, 1, 1, 0], [1, 1, 0, 0])      # TP = 1, FP = 1
    0.5
    >>> precision_score([0, 1, 2, 2], [0, 2, 2, 2], average="macro")  # (1 + 0 + 2/3) / 3
    0.5555555555555555
    """
    return _prf(y_true, y_pred, pos_label, average, zero_division, "precision")


def recall_score(
    y_true: Sequence[Hashable],
    y_pred: Sequence[Hashable],
    *,
    pos_label: Hashable = 1,
    average: str | None = "binary",
    zero_division: float = 0.0,
) -> Any:
    """Recall TP / (TP + FN): of the truly positive samples, the fraction found.

    ``average`` as in :func:`precision_score`. With no positive labels the ratio is 0/0
    and the score is ``zero_division`` (0.0, scikit-learn's default value).

    >>> recall_score([0, 1, 1, 1], [0, 1, 0, 1])         # TP = 2, FN = 1
    0.6666666666666666
    """
    return _prf(y_true, y_pred, pos_label, average, zero_division, "recall")


def f1_score(
    y_true: Sequence[Hashable],
    y_pred: Sequence[Hashable],
    *,
    pos_label: Hashable = 1,
    average: str | None = "binary",
    zero_division: float = 0.0,
) -> Any:
    """F1, the harmonic mean of precision P and recall R: 2PR / (P + R) = 2TP / (2TP + FP + FN).

    ``average`` as in :func:`precision_score`. When TP + FP + FN = 0 (nothing positive,
    predicted or true) the score is ``zero_division`` (0.0, scikit-learn's default value).

    >>> f1_score([0, 1, 1, 1], [1, 1, 0, 1])             # TP = 2, FP = 1, FN = 1: 4/6
    0.6666666666666666
    """
    return _prf(y_true, y_pred, pos_label, average, zero_division, "f1")


def _numbers(seq: list[Any], name: str, fn: str) -> list[float]:
    out = []
    for i, x in enumerate(seq):
        try:
            v = float(x)
        except (TypeError, ValueError):
            raise TypeError(
                f"{fn}(): {name}[{i}] must be a number (or a Value), got {type(x).__name__}: {x!r}"
            ) from None
        out.append(v)
    return out


def _mean_error(y_true: Any, y_pred: Any, fn: str, term: Callable[[float, float], float]) -> float:
    """(1/n) Σ term(d) over the differences d = y_true_i - y_pred_i, checked as ``fn``'s arguments.

    The sum of ``term(d, 1)`` is rounded once (``math.fsum``) and divided by n. Where that
    sum overflows although every difference is finite (two squares of 1.2e154), the mean may
    still fit, so it is summed again as Σ term(d, n), each term divided first: the right
    number, or ``inf`` when the mean itself is beyond float range. A nan or infinite
    difference gives nan or inf, as numpy does.
    """
    t, p = _pair(y_true, y_pred, fn)
    diffs = [a - b for a, b in zip(_numbers(t, "y_true", fn), _numbers(p, "y_pred", fn))]
    n = len(diffs)
    try:
        mean = math.fsum(term(d, 1.0) for d in diffs) / n
    except OverflowError:  # fsum's exact sum left float range
        mean = math.inf
    if mean == math.inf and all(map(math.isfinite, diffs)):
        try:
            mean = math.fsum(term(d, n) for d in diffs)
        except OverflowError:
            mean = math.inf
    return mean


def mean_squared_error(y_true: Sequence[float], y_pred: Sequence[float]) -> float:
    """MSE = (1/n) Σ (y_true_i - y_pred_i)².

    >>> mean_squared_error([1.0, 2.0, 3.0], [1.0, 1.0, 5.0])   # (0 + 1 + 4) / 3
    1.6666666666666667
    """
    return _mean_error(y_true, y_pred, "mean_squared_error", lambda d, n: d / n * d)


def mean_absolute_error(y_true: Sequence[float], y_pred: Sequence[float]) -> float:
    """MAE = (1/n) Σ |y_true_i - y_pred_i|.

    >>> mean_absolute_error([1.0, 2.0, 3.0], [1.0, 1.0, 5.0])  # (0 + 1 + 2) / 3
    1.0
    """
    return _mean_error(y_true, y_pred, "mean_absolute_error", lambda d, n: abs(d) / n)
