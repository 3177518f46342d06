"""nn.init: each initializer's range or spread, determinism and argument errors."""

import math
import random

import pytest

from nn import init

N = 20000  # samples for the spread checks; seeded, so the checks are deterministic


def sample(fn, fan_in, fan_out, seed=0):
    rng = random.Random(seed)
    return [fn(fan_in, fan_out, rng) for _ in range(N)]


def std(xs):
    m = sum(xs) / len(xs)
    return math.sqrt(sum((x - m) ** 2 for x in xs) / len(xs))


@pytest.mark.parametrize(
    ("fn", "fan_in", "fan_out", "bound"),
    [
        (init.uniform, 3, 4, 1.0),                                          # micrograd's U(-1, 1)
        (init.xavier_uniform, 2, 16, math.sqrt(6 / (2 + 16))),              # √(6/(in+out))
        (init.kaiming_uniform, 16, 4, math.sqrt(2) * math.sqrt(3 / 16)),    # √2·√(3/in)
    ],
)
def test_uniform_initializers_fill_their_interval(fn, fan_in, fan_out, bound):
    xs = sample(fn, fan_in, fan_out)
    assert all(-bound <= x <= bound for x in xs)
    assert min(xs) < -0.99 * bound and max(xs) > 0.99 * bound
    assert std(xs) == pytest.approx(bound / math.sqrt(3), rel=0.03)  # std of U(-r, r) is r/√3


@pytest.mark.parametrize(
    ("fn", "fan_in", "fan_out", "sigma"),
    [
        (init.normal, 3, 4, 1.0),
        (init.xavier_normal, 2, 16, math.sqrt(2 / (2 + 16))),               # √(2/(in+out))
        (init.kaiming_normal, 16, 4, math.sqrt(2) / math.sqrt(16)),         # √2/√in
    ],
)
def test_normal_initializers_have_their_spread(fn, fan_in, fan_out, sigma):
    xs = sample(fn, fan_in, fan_out)
    assert abs(sum(xs) / N) < 0.03 * sigma
    assert std(xs) == pytest.approx(sigma, rel=0.03)


def test_uniform_and_normal_options():
    xs = [init.uniform(1, 1, random.Random(s), a=2.0, b=3.0) for s in range(200)]
    assert all(2.0 <= x <= 3.0 for x in xs)
    assert std([init.normal(1, 1, random.Random(s), mean=5.0, std=0.0) for s in range(3)]) == 0.0


@pytest.mark.parametrize("name", sorted(init.INITS))
def test_same_seed_same_draw_and_global_random_untouched(name):
    fn = init.get(name)
    state = random.getstate()
    assert fn(4, 3, random.Random(7)) == fn(4, 3, random.Random(7))
    assert random.getstate() == state


@pytest.mark.parametrize("name", sorted(init.INITS))
def test_bad_arguments(name):
    fn = init.get(name)
    with pytest.raises(ValueError, match="fan_in must be a positive int"):
        fn(0, 3, random.Random(0))
    with pytest.raises(ValueError, match="fan_out must be a positive int"):
        fn(3, 2.5, random.Random(0))
    with pytest.raises(TypeError, match=r"rng must be a random\.Random"):
        fn(3, 3, None)


def test_negative_scale_is_a_value_error():
    with pytest.raises(ValueError, match="gain must be a finite number >= 0"):
        init.xavier_uniform(2, 2, random.Random(0), gain=-1.0)
    with pytest.raises(ValueError, match="std must be"):
        init.normal(2, 2, random.Random(0), std=math.nan)
    with pytest.raises(ValueError, match="a <= b"):
        init.uniform(2, 2, random.Random(0), a=1.0, b=0.0)


def test_get_by_name_or_callable():
    f = lambda fi, fo, rng: 0.0  # noqa: E731
    assert init.get(f) is f
    assert init.get("kaiming_normal") is init.kaiming_normal
    with pytest.raises(ValueError, match="unknown init 'he'"):
        init.get("he")
