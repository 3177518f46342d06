"""Datasets: shapes, labels, determinism under a seeded rng; splits (stratified too); one-hot; batches."""

import math
import random
from collections import Counter

import pytest

from nn.data import (
    batches,
    make_circles,
    make_moons,
    make_spirals,
    make_yinyang,
    one_hot,
    train_val_test_split,
    word_sentiment,
    yinyang_class,
)

GENERATORS = [make_moons, make_circles, make_spirals]


@pytest.mark.parametrize("make", GENERATORS)
def test_shapes_and_labels(make):
    X, y = make(51, rng=random.Random(0))
    assert len(X) == len(y) == 51
    assert all(len(p) == 2 and all(isinstance(c, float) for c in p) for p in X)
    assert set(y) == {0, 1} and all(type(label) is int for label in y)
    assert abs(y.count(0) - y.count(1)) <= 1


@pytest.mark.parametrize("make", GENERATORS)
def test_same_seed_same_data_other_seed_other_data(make):
    assert make(30, rng=random.Random(7)) == make(30, rng=random.Random(7))
    assert make(30, rng=random.Random(7)) != make(30, rng=random.Random(8))


def test_moons_without_noise_lie_on_the_two_half_circles():
    X, y = make_moons(40, noise=0.0, rng=random.Random(0))
    for (a, b), label in zip(X, y):
        if label == 0:
            assert math.isclose(math.hypot(a, b), 1.0) and b >= -1e-12
        else:
            assert math.isclose(math.hypot(a - 1.0, b - 0.5), 1.0) and b <= 0.5 + 1e-12


def test_noise_is_gaussian_with_the_given_std():
    clean, _ = make_moons(2000, noise=0.0, rng=random.Random(1))
    noisy, _ = make_moons(2000, noise=0.2, rng=random.Random(1))  # same shuffle, then noise
    d = [n[0] - c[0] for n, c in zip(noisy, clean)]
    std = math.sqrt(sum(v * v for v in d) / len(d))
    assert 0.18 < std < 0.22


def test_spirals_several_classes():
    X, y = make_spirals(90, noise=0.0, n_classes=3, rng=random.Random(0))
    assert Counter(y) == {0: 30, 1: 30, 2: 30}
    assert max(math.hypot(*p) for p in X) == pytest.approx(1.0)


def test_bad_generator_arguments():
    with pytest.raises(TypeError, match=r"random.Random\(s\)"):
        make_moons(10, rng=3)
    with pytest.raises(ValueError, match="n_samples"):
        make_moons(0)
    with pytest.raises(ValueError, match="noise"):
        make_circles(10, noise=-1)
    with pytest.raises(ValueError, match="factor"):
        make_circles(10, factor=1.5)
    with pytest.raises(ValueError, match="n_classes"):
        make_spirals(10, n_classes=1)


def test_split_sizes_partition_and_determinism():
    X = list(range(100))
    y = [i % 2 for i in X]
    train, val, test = train_val_test_split(X, y, val=0.15, test=0.25, rng=random.Random(3))
    assert (len(train[0]), len(val[0]), len(test[0])) == (60, 15, 25)
    assert sorted(train[0] + val[0] + test[0]) == X  # a partition, nothing lost or repeated
    for xs, ys in (train, val, test):
        assert ys == [i % 2 for i in xs]  # pairs stay together
    again = train_val_test_split(X, y, val=0.15, test=0.25, rng=random.Random(3))
    assert again == (train, val, test)
    counts = train_val_test_split(X, y, val=10, test=5, rng=random.Random(3))
    assert [len(part[0]) for part in counts] == [85, 10, 5]


def test_stratified_split_keeps_class_proportions():
    X = list(range(200))
    y = [0] * 150 + [1] * 40 + [2] * 10  # 75% / 20% / 5%
    for seed in range(5):
        train, val, test = train_val_test_split(X, y, val=0.2, test=0.2, rng=random.Random(seed),
                                                stratify=True)
        assert sorted(train[0] + val[0] + test[0]) == X
        for _, ys in (val, test):  # 40 samples each: 30 / 8 / 2 expected
            c = Counter(ys)
            assert abs(c[0] - 30) <= 1 and abs(c[1] - 8) <= 1 and abs(c[2] - 2) <= 1
        c = Counter(train[1])
        assert abs(c[0] - 90) <= 2 and abs(c[1] - 24) <= 2 and abs(c[2] - 6) <= 2


def test_unstratified_split_can_miss_a_rare_class_but_stratified_never_does():
    X = list(range(50))
    y = [0] * 45 + [1] * 5  # 10% rare: a 10-sample test split should hold one
    missed = 0
    for seed in range(40):
        _, _, test = train_val_test_split(X, y, val=0.2, test=0.2, rng=random.Random(seed))
        missed += 1 not in test[1]
        _, _, stest = train_val_test_split(X, y, val=0.2, test=0.2, rng=random.Random(seed), stratify=True)
        assert Counter(stest[1])[1] == 1
    assert missed > 0


def test_bad_split_arguments():
    with pytest.raises(ValueError, match="same length"):
        train_val_test_split([1, 2, 3], [1, 2])
    with pytest.raises(ValueError, match="none of the 10"):
        train_val_test_split(list(range(10)), [0] * 10, val=0.5, test=0.5)
    with pytest.raises(ValueError, match="fraction in"):
        train_val_test_split(list(range(10)), [0] * 10, val=1.5)
    with pytest.raises(TypeError, match="val must be a fraction"):
        train_val_test_split(list(range(10)), [0] * 10, val="0.2")


def test_one_hot():
    assert one_hot([1, 0], 2) == [[0.0, 1.0], [1.0, 0.0]]
    assert one_hot([0, 2], 4) == [[1.0, 0.0, 0.0, 0.0], [0.0, 0.0, 1.0, 0.0]]
    with pytest.raises(ValueError, match="out of range for num_classes=2"):
        one_hot([0, 2], 2)
    with pytest.raises(TypeError, match=r"labels\[0\] must be an int"):
        one_hot([0.5])
    with pytest.raises(ValueError, match="negative"):
        one_hot([-1], 3)


def test_batches_cover_every_sample_once_per_pass():
    X = list(range(10))
    y = [10 * i for i in X]
    got = list(batches(X, y, 4, random.Random(0)))
    assert [len(xb) for xb, _ in got] == [4, 4, 2]
    assert sorted(x for xb, _ in got for x in xb) == X
    assert all(yb == [10 * x for x in xb] for xb, yb in got)
    assert [x for xb, _ in got for x in xb] != X  # shuffled
    assert [len(xb) for xb, _ in batches(X, y, 4, drop_last=True)] == [4, 4]
    assert [xb for xb, _ in batches(X, y, 5)] == [X[:5], X[5:]]  # rng=None keeps the order
    with pytest.raises(ValueError, match="batch_size"):
        list(batches(X, y, 0))


def test_word_sentiment():
    words, labels = word_sentiment()
    assert len(words) == len(set(words)) == len(labels)
    assert Counter(labels) == {1: 40, 0: 40}
    lookup = dict(zip(words, labels))
    assert lookup["good"] == 1 and lookup["terrible"] == 0 and lookup["love"] == 1 and lookup["hate"] == 0


# ----------------------------------------------------------------------------- yin-yang


def test_yinyang_has_three_balanced_classes_in_their_regions():
    X, y = make_yinyang(300, rng=random.Random(0))
    assert len(X) == 300 and [y.count(c) for c in (0, 1, 2)] == [100, 100, 100]
    assert all(math.hypot(*p) <= 1.0 and yinyang_class(*p) == c for p, c in zip(X, y))
    assert y[:12] != sorted(y[:12])  # shuffled, not 0, 1, 2, 0, 1, 2...
    assert make_yinyang(30, rng=random.Random(4)) == make_yinyang(30, rng=random.Random(4))
    assert make_yinyang(30, rng=random.Random(4)) != make_yinyang(30, rng=random.Random(5))


def test_yinyang_regions_by_hand():
    # yin: the top, and the left bulge below the axis; yang: the bottom and the right bulge above it
    assert [yinyang_class(0.0, 0.7), yinyang_class(-0.5, -0.35), yinyang_class(-0.9, -0.1)] == [0, 0, 0]
    assert [yinyang_class(0.0, -0.7), yinyang_class(0.5, 0.35), yinyang_class(0.9, 0.1)] == [1, 1, 1]
    assert [yinyang_class(-0.5, 0.0), yinyang_class(0.5, 0.1), yinyang_class(0.5, 0.0, dot_radius=0.01)] == [
        2, 2, 2]
    assert yinyang_class(0.5, 0.1, dot_radius=0.05) == 1 and yinyang_class(0.8, 0.7) is None
    # the two halves have equal areas: the symbol's symmetry, checked on a grid
    grid = [yinyang_class(-1 + (i + 0.5) / 50, -1 + (j + 0.5) / 50) for i in range(100) for j in range(100)]
    assert abs(grid.count(0) - grid.count(1)) <= 2


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"n_samples": 2}, "n_samples must be an int >= 3"),
    ({"dot_radius": 0.5}, r"dot_radius must be a number in \(0, 0.5\)"),
    ({"rng": 7}, "rng must be a random.Random"),
])
def test_yinyang_bad_arguments(kwargs, match):
    with pytest.raises((ValueError, TypeError), match=match):
        make_yinyang(**kwargs)


# ----------------------------------------------------------------------------- stratified split, rare classes


@pytest.mark.parametrize("seed", range(20))
def test_a_one_sample_class_always_lands_in_train(seed):
    X = list(range(21))
    y = [0] * 10 + [1] * 10 + [2]  # class 2 has one sample
    train, val, test = train_val_test_split(X, y, val=0.2, test=0.2, rng=random.Random(seed), stratify=True)
    assert 2 in train[1]
    assert (len(train[0]), len(val[0]), len(test[0])) == (11, 5, 5)
    assert sorted(train[0] + val[0] + test[0]) == X  # a swap, nothing lost or repeated


def test_a_class_that_cannot_reach_train_is_a_warning():
    X, y = list(range(5)), [0, 1, 2, 3, 4]  # five classes, three training samples
    with pytest.warns(UserWarning, match=r"class \d has no training sample"):
        train_val_test_split(X, y, val=1, test=1, rng=random.Random(0), stratify=True)
