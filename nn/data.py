"""Toy datasets and the plumbing around them: splits, one-hot labels and mini-batches.

Datasets are plain Python lists: ``X`` is a list of points (tuples of floats), ``y`` a list
of integer labels, so they print, slice and feed a model without any array library. Every
random choice uses the ``random.Random`` passed as ``rng``; pass a seeded one
(``random.Random(0)``) for a repeatable result. ``rng=None`` in a generator means a fresh,
unseeded ``random.Random()``; in :func:`batches` it means "keep the order".
"""

from __future__ import annotations

import math
import random
import warnings
from collections.abc import Iterator, Sequence
from typing import Any, TypeVar

__all__ = [
    "YINYANG_CLASSES",
    "batches",
    "make_circles",
    "make_moons",
    "make_spirals",
    "make_yinyang",
    "one_hot",
    "train_val_test_split",
    "word_sentiment",
    "yinyang_class",
]

Point = tuple[float, ...]
T = TypeVar("T")
L = TypeVar("L")


def _rng(rng: random.Random | None, fn: str) -> random.Random:
    if rng is None:
        return random.Random()
    if not isinstance(rng, random.Random):
        raise TypeError(
            f"{fn}(): rng must be a random.Random or None, got {type(rng).__name__}: {rng!r}; "
            "for a seed s pass rng=random.Random(s)"
        )
    return rng


def _check_samples(n_samples: Any, fn: str, minimum: int = 1) -> int:
    if isinstance(n_samples, bool) or not isinstance(n_samples, int) or n_samples < minimum:
        raise ValueError(f"{fn}(): n_samples must be an int >= {minimum}, got {n_samples!r}")
    return n_samples


def _check_noise(noise: Any, fn: str) -> float:
    if isinstance(noise, bool) or not isinstance(noise, (int, float)) or not noise >= 0:
        raise ValueError(f"{fn}(): noise must be a number >= 0 (a standard deviation), got {noise!r}")
    return float(noise)


def _linspace(start: float, stop: float, n: int, endpoint: bool = True) -> list[float]:
    if n == 1:
        return [start]
    step = (stop - start) / (n - 1 if endpoint else n)
    return [start + i * step for i in range(n)]


def _finish(points: list[tuple[float, float]], labels: list[int], noise: float, r: random.Random):
    """Shuffle (as scikit-learn does by default), then add Gaussian noise to each coordinate."""
    order = list(range(len(points)))
    r.shuffle(order)
    X = [(points[i][0] + r.gauss(0.0, noise), points[i][1] + r.gauss(0.0, noise)) for i in order]
    return X, [labels[i] for i in order]


def make_moons(
    n_samples: int = 100, noise: float = 0.1, rng: random.Random | None = None
) -> tuple[list[Point], list[int]]:
    """Two interleaving half circles in the plane, labels 0 (upper) and 1 (lower), shuffled.

    scikit-learn's construction: class 0 is (cos t, sin t) and class 1 is
    (1 - cos t, 0.5 - sin t) for t evenly spaced in [0, π]; then Gaussian noise with
    standard deviation ``noise`` is added to both coordinates.

    >>> X, y = make_moons(6, noise=0.0, rng=random.Random(0))
    >>> len(X), sorted(y)
    (6, [0, 0, 0, 1, 1, 1])
    >>> all(len(p) == 2 for p in X)
    True
    """
    n = _check_samples(n_samples, "make_moons", 2)
    noise = _check_noise(noise, "make_moons")
    r = _rng(rng, "make_moons")
    n_out = n // 2
    n_in = n - n_out
    outer = [(math.cos(t), math.sin(t)) for t in _linspace(0.0, math.pi, n_out)]
    inner = [(1.0 - math.cos(t), 0.5 - math.sin(t)) for t in _linspace(0.0, math.pi, n_in)]
    return _finish(outer + inner, [0] * n_out + [1] * n_in, noise, r)


def make_circles(
    n_samples: int = 100, noise: float = 0.1, factor: float = 0.5, rng: random.Random | None = None
) -> tuple[list[Point], list[int]]:
    """A large circle (label 0, radius 1) around a small one (label 1, radius ``factor``).

    Points are evenly spaced in angle, shuffled, then Gaussian noise with standard
    deviation ``noise`` is added to both coordinates (scikit-learn's construction; its
    default ``factor`` is 0.8, ours 0.5 so the default problem is learnable at noise 0.1).

    >>> X, y = make_circles(8, noise=0.0, rng=random.Random(0))
    >>> sorted(round(math.hypot(*p), 6) for p in X)
    [0.5, 0.5, 0.5, 0.5, 1.0, 1.0, 1.0, 1.0]
    """
    n = _check_samples(n_samples, "make_circles", 2)
    noise = _check_noise(noise, "make_circles")
    if isinstance(factor, bool) or not isinstance(factor, (int, float)) or not 0 < factor < 1:
        raise ValueError(
            f"make_circles(): factor (inner radius / outer radius) must be in (0, 1), got {factor!r}"
        )
    r = _rng(rng, "make_circles")
    n_out = n // 2
    n_in = n - n_out
    outer = [(math.cos(t), math.sin(t)) for t in _linspace(0.0, 2 * math.pi, n_out, endpoint=False)]
    inner = [(factor * math.cos(t), factor * math.sin(t))
             for t in _linspace(0.0, 2 * math.pi, n_in, endpoint=False)]
    return _finish(outer + inner, [0] * n_out + [1] * n_in, noise, r)


def make_spirals(
    n_samples: int = 100,
    noise: float = 0.1,
    n_classes: int = 2,
    turns: float = 1.0,
    rng: random.Random | None = None,
) -> tuple[list[Point], list[int]]:
    """``n_classes`` spiral arms winding out from the origin, one label per arm.

    Arm c has points at radius ρ evenly spaced in (0, 1] and angle
    θ = 2π·turns·ρ + 2π·c / n_classes, i.e. (ρ cos θ, ρ sin θ); then Gaussian noise with
    standard deviation ``noise`` is added to both coordinates. ``n_samples`` is split as
    evenly as possible between the arms.

    >>> X, y = make_spirals(9, noise=0.0, n_classes=3, rng=random.Random(0))
    >>> sorted(y)
    [0, 0, 0, 1, 1, 1, 2, 2, 2]
    >>> max(round(math.hypot(*p), 6) for p in X)
    1.0
    """
    n = _check_samples(n_samples, "make_spirals", 2)
    noise = _check_noise(noise, "make_spirals")
    if isinstance(n_classes, bool) or not isinstance(n_classes, int) or not 2 <= n_classes <= n:
        raise ValueError(f"make_spirals(): n_classes must be an int in [2, n_samples], got {n_classes!r}")
    if isinstance(turns, bool) or not isinstance(turns, (int, float)) or not turns > 0:
        raise ValueError(f"make_spirals(): turns must be a number > 0, got {turns!r}")
    r = _rng(rng, "make_spirals")
    points: list[tuple[float, float]] = []
    labels: list[int] = []
    for c in range(n_classes):
        m = n // n_classes + (1 if c < n % n_classes else 0)
        for i in range(m):
            rho = (i + 1) / m
            theta = 2 * math.pi * (turns * rho + c / n_classes)
            points.append((rho * math.cos(theta), rho * math.sin(theta)))
            labels.append(c)
    return _finish(points, labels, noise, r)


YINYANG_CLASSES = ("yin", "yang", "dots")


def yinyang_class(x: float, y: float, dot_radius: float = 0.2) -> int | None:
    """The class of the point (x, y) in the yin-yang symbol of radius 1 centred at the origin:
    0 yin, 1 yang, 2 the two dots, ``None`` outside the disk.

    The S-shaped border is two half circles of radius 1/2 centred at (-1/2, 0) and (1/2, 0):
    yin is the upper half (y > 0) less the right small disk, plus the left small disk. The
    dots, of radius ``dot_radius``, sit at those two centres.

    >>> yinyang_class(0.0, 0.9), yinyang_class(0.0, -0.9), yinyang_class(0.5, 0.0), yinyang_class(1.0, 1.0)
    (0, 1, 2, None)
    """
    if x * x + y * y > 1.0:
        return None
    left = (x + 0.5) ** 2 + y * y
    right = (x - 0.5) ** 2 + y * y
    if left < dot_radius**2 or right < dot_radius**2:
        return 2
    if left <= 0.25 or (y > 0 and right > 0.25):
        return 0
    return 1


def make_yinyang(
    n_samples: int = 300, dot_radius: float = 0.2, rng: random.Random | None = None
) -> tuple[list[Point], list[int]]:
    """A three-class problem after the yin-yang set of EurekaLabsAI's micrograd: points of the
    yin-yang symbol labelled 0 (yin), 1 (yang) and 2 (the two dots), in equal numbers, shuffled.

    Sample i is drawn for class i mod 3 by rejection: uniform points of the square [-1, 1]²
    until one falls in that class (see :func:`yinyang_class` for the regions). The classes
    are separable, but only by curved borders; the dots are small islands, the hard part.
    Coordinates lie in the unit disk.

    >>> X, y = make_yinyang(9, rng=random.Random(0))
    >>> sorted(y), all(yinyang_class(*p) == c for p, c in zip(X, y))
    ([0, 0, 0, 1, 1, 1, 2, 2, 2], True)
    """
    n = _check_samples(n_samples, "make_yinyang", 3)
    if isinstance(dot_radius, bool) or not isinstance(dot_radius, (int, float)) or not 0 < dot_radius < 0.5:
        raise ValueError(f"make_yinyang(): dot_radius must be a number in (0, 0.5), got {dot_radius!r}")
    r = _rng(rng, "make_yinyang")
    X: list[Point] = []
    y: list[int] = []
    for i in range(n):
        goal = i % 3
        while True:
            p = (r.uniform(-1.0, 1.0), r.uniform(-1.0, 1.0))
            if yinyang_class(p[0], p[1], dot_radius) == goal:
                break
        X.append(p)
        y.append(goal)
    order = list(range(n))
    r.shuffle(order)
    return [X[i] for i in order], [y[i] for i in order]


def _size(value: Any, n: int, name: str) -> int:
    """A split size from a fraction in [0, 1) (rounded up, as scikit-learn does) or a count."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(
            f"train_val_test_split(): {name} must be a fraction in [0, 1) or a count (int), "
            f"got {type(value).__name__}: {value!r}"
        )
    if isinstance(value, int):
        if not 0 <= value < n:
            raise ValueError(
                f"train_val_test_split(): {name}={value} must be a count in [0, {n}) for {n} samples"
            )
        return value
    if not 0.0 <= value < 1.0:
        raise ValueError(f"train_val_test_split(): {name}={value} must be a fraction in [0, 1)")
    return math.ceil(value * n)


def _key(label: Any) -> Any:
    """A hashable stand-in for a label (one-hot lists become tuples)."""
    return tuple(label) if isinstance(label, list) else label


def train_val_test_split(
    X: Sequence[T],
    y: Sequence[L],
    *,
    val: float | int = 0.2,
    test: float | int = 0.2,
    rng: random.Random | None = None,
    stratify: bool = False,
) -> tuple[tuple[list[T], list[L]], tuple[list[T], list[L]], tuple[list[T], list[L]]]:
    """Shuffle and split ``(X, y)`` into ``(train, val, test)``, each an ``(X, y)`` pair.

    ``val`` and ``test`` are fractions of the data (rounded up) or sample counts; train
    gets the rest and must not be empty. With ``stratify=True`` each split keeps the class
    proportions of ``y`` (to within one sample per class): the samples of each class are
    shuffled and spread evenly through one ordering that is then cut into the three parts.
    Every class then has at least one training sample: a class that the cut would leave
    out of train (e.g. a class of one sample) has a sample swapped into train with one of
    the most frequent class, keeping the sizes.

    >>> X, y = make_moons(100, rng=random.Random(0))
    >>> train, val, test = train_val_test_split(X, y, val=0.2, test=0.1, rng=random.Random(1))
    >>> len(train[0]), len(val[0]), len(test[0])
    (70, 20, 10)
    """
    if len(X) != len(y):
        raise ValueError(
            f"train_val_test_split(): X and y must have the same length, got {len(X)} and {len(y)}"
        )
    n = len(X)
    if n == 0:
        raise ValueError("train_val_test_split(): X and y are empty")
    n_val, n_test = _size(val, n, "val"), _size(test, n, "test")
    if n_val + n_test >= n:
        raise ValueError(
            f"train_val_test_split(): val ({n_val}) + test ({n_test}) samples leave none of the {n} "
            "for training; make val and test smaller"
        )
    r = _rng(rng, "train_val_test_split")
    if stratify:
        groups: dict[Any, list[int]] = {}
        for i, label in enumerate(y):
            groups.setdefault(_key(label), []).append(i)
        placed: list[tuple[float, int]] = []
        for idx in groups.values():
            r.shuffle(idx)
            offset = r.random()
            placed.extend(((k + offset) / len(idx), i) for k, i in enumerate(idx))
        placed.sort()
        order = [i for _, i in placed]
    else:
        order = list(range(n))
        r.shuffle(order)
    parts = (order[:n_test], order[n_test:n_test + n_val], order[n_test + n_val:])
    if stratify:
        parts = _every_class_in_train(parts, [_key(label) for label in y])
    out = []
    for part in (parts[2], parts[1], parts[0]):
        part = list(part)
        if stratify:  # the cut ordering alternates classes: shuffle within the part
            r.shuffle(part)
        out.append(([X[i] for i in part], [y[i] for i in part]))
    return out[0], out[1], out[2]


def _every_class_in_train(parts: tuple[list[int], list[int], list[int]], keys: list[Any]) -> tuple[
        list[int], list[int], list[int]]:
    """Swap a sample of each class missing from train (the last part) in from test or val,
    in exchange for a training sample of the class most represented in train."""
    test, val, train = list(parts[0]), list(parts[1]), list(parts[2])
    for key in dict.fromkeys(keys):  # classes in order of first appearance: deterministic
        if any(keys[i] == key for i in train):
            continue
        counts: dict[Any, int] = {}
        for i in train:
            counts[keys[i]] = counts.get(keys[i], 0) + 1
        donor = max(counts, key=counts.__getitem__)
        if counts[donor] < 2:  # fewer training samples than classes: a swap would lose another
            warnings.warn(
                f"train_val_test_split(): class {key!r} has no training sample: the {len(train)} training "
                "samples cannot cover every class; make val and test smaller", stacklevel=3)
            continue
        part = test if any(keys[i] == key for i in test) else val
        j = next(k for k, i in enumerate(part) if keys[i] == key)
        t = next(k for k in range(len(train) - 1, -1, -1) if keys[train[k]] == donor)
        part[j], train[t] = train[t], part[j]
    return test, val, train


def one_hot(labels: Sequence[int], num_classes: int | None = None) -> list[list[float]]:
    """Each class index k as a vector of ``num_classes`` zeros with a 1.0 at position k.

    ``num_classes`` defaults to ``max(labels) + 1`` (as ``torch.nn.functional.one_hot``).

    >>> one_hot([0, 2, 1])
    [[1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, 1.0, 0.0]]
    """
    labs = list(labels)
    for i, k in enumerate(labs):
        if isinstance(k, bool) or not isinstance(k, int):
            raise TypeError(
                f"one_hot(): labels[{i}] must be an int class index, got {type(k).__name__}: {k!r}"
            )
        if k < 0:
            raise ValueError(f"one_hot(): labels[{i}] = {k} is negative; class indices start at 0")
    if num_classes is None:
        if not labs:
            raise ValueError("one_hot(): cannot infer num_classes from no labels; pass num_classes")
        num_classes = max(labs) + 1
    if isinstance(num_classes, bool) or not isinstance(num_classes, int) or num_classes < 1:
        raise ValueError(f"one_hot(): num_classes must be an int >= 1, got {num_classes!r}")
    out = []
    for i, k in enumerate(labs):
        if k >= num_classes:
            raise ValueError(f"one_hot(): labels[{i}] = {k} is out of range for num_classes={num_classes}")
        row = [0.0] * num_classes
        row[k] = 1.0
        out.append(row)
    return out


def batches(
    X: Sequence[T],
    y: Sequence[L],
    batch_size: int,
    rng: random.Random | None = None,
    *,
    drop_last: bool = False,
) -> Iterator[tuple[list[T], list[L]]]:
    """Mini-batches ``(X_batch, y_batch)`` of ``batch_size`` samples, the last one possibly smaller.

    With an ``rng`` the samples are shuffled first (a new order each call); with
    ``rng=None`` they keep their order. ``drop_last=True`` drops a final short batch.

    >>> [yb for _, yb in batches([10, 20, 30, 40, 50], [1, 2, 3, 4, 5], 2)]
    [[1, 2], [3, 4], [5]]
    """
    if len(X) != len(y):
        raise ValueError(f"batches(): X and y must have the same length, got {len(X)} and {len(y)}")
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batches(): batch_size must be an int >= 1, got {batch_size!r}")
    order = list(range(len(X)))
    if rng is not None:
        _rng(rng, "batches").shuffle(order)
    for start in range(0, len(order), batch_size):
        idx = order[start:start + batch_size]
        if drop_last and len(idx) < batch_size:
            return
        yield [X[i] for i in idx], [y[i] for i in idx]


_POSITIVE = (
    "good", "great", "excellent", "wonderful", "amazing", "happy", "love", "lovely", "brilliant",
    "delightful", "fantastic", "pleasant", "superb", "beautiful", "joyful", "cheerful", "kind",
    "friendly", "perfect", "best", "awesome", "nice", "enjoy", "glad", "marvelous", "charming",
    "generous", "graceful", "honest", "impressive", "inspiring", "outstanding", "positive",
    "remarkable", "splendid", "success", "terrific", "thrilled", "warm", "win",
)
_NEGATIVE = (
    "bad", "terrible", "awful", "horrible", "sad", "hate", "ugly", "poor", "worst", "boring",
    "disgusting", "dreadful", "nasty", "painful", "angry", "annoying", "broken", "cruel",
    "disappointing", "dull", "failure", "fear", "gloomy", "hostile", "hurt", "lousy", "mediocre",
    "miserable", "negative", "pathetic", "rude", "selfish", "shameful", "sick", "stupid",
    "tragic", "unhappy", "upset", "useless", "wrong",
)


def word_sentiment() -> tuple[list[str], list[int]]:
    """A small built-in list of clearly positive (label 1) and negative (label 0) English words.

    Forty of each, interleaved, for 1-D word-embedding examples: ``nn.Embedding`` learns a
    number per word that separates the two classes.

    >>> words, labels = word_sentiment()
    >>> len(words), sum(labels)
    (80, 40)
    >>> words[:2], labels[:2]
    (['good', 'bad'], [1, 0])
    """
    words: list[str] = []
    labels: list[int] = []
    for pos, neg in zip(_POSITIVE, _NEGATIVE, strict=True):
        words += [pos, neg]
        labels += [1, 0]
    return words, labels
