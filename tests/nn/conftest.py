"""Shared fixtures of the nn tests: one two-moons data set and its split; the named
tolerances live in ``tolerances.py`` beside this file."""

import random
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))  # for `from tolerances import ...`

from nn.data import make_moons, train_val_test_split


@pytest.fixture(scope="session")
def moons():
    """300 two-moons points (noise 0.1, seed 0) as (X, y), labels 0/1, and a stratified
    60/20/20 split of them as ``moons.train``, ``.val``, ``.test``. Shared: do not mutate."""
    rng = random.Random(0)
    X, y = make_moons(300, noise=0.1, rng=rng)
    train, val, test = train_val_test_split(X, y, val=0.2, test=0.2, rng=rng, stratify=True)
    return Moons(tuple(X), tuple(y), train, val, test)


class Moons(tuple):
    """``(X, y)`` with the split attached."""

    def __new__(cls, X, y, train, val, test):
        self = super().__new__(cls, (X, y))
        self.train, self.val, self.test = train, val, test
        return self

    def head(self, n):
        """The first ``n`` points, as (X, y) lists."""
        return list(self[0][:n]), list(self[1][:n])
