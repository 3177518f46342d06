"""nn.optim: every update checked step by step against the update rule written out here."""

import math
import random

import pytest
from tolerances import ROUNDING as REL  # the same float operations, reassociated
from tolerances import ULPS

from autograd import Value
from nn import MLP, Neuron
from nn import functional as F
from nn.optim import SGD, Adam, AdamW, ExponentialLR, LambdaLR, StepLR

GRADS = [[1.0, -0.5], [-2.0, 0.25], [0.5, 3.0], [0.0, -1.0], [1.5, 0.1]]  # per step, per parameter
START = [1.0, -2.0]


def run(make_opt):
    """Positions after each step when the gradients are GRADS (set by hand, no graph)."""
    ps = [Value(v) for v in START]
    opt = make_opt(ps)
    out = []
    for gs in GRADS:
        for p, g in zip(ps, gs):
            p.grad = g
        opt.step()
        out.append([p.data for p in ps])
    return out


def approx(rows):
    return [pytest.approx(r, rel=REL, abs=ULPS) for r in rows]


# ----------------------------------------------------------------------------- SGD


def test_sgd_plain_is_p_minus_lr_g():
    expected, p = [], list(START)
    for gs in GRADS:
        p = [pi - 0.1 * g for pi, g in zip(p, gs)]
        expected.append(p)
    assert run(lambda ps: SGD(ps, lr=0.1)) == approx(expected)


@pytest.mark.parametrize("nesterov", [False, True])
def test_sgd_momentum_weight_decay_dampening(nesterov):
    lr, mu, tau, wd = 0.05, 0.9, 0.0 if nesterov else 0.2, 0.01
    expected, p, b = [], list(START), [None, None]
    for gs in GRADS:
        row = []
        for i, g in enumerate(gs):
            g = g + wd * p[i]                       # L2 weight decay
            b[i] = g if b[i] is None else mu * b[i] + (1 - tau) * g   # first step: b = g
            d = g + mu * b[i] if nesterov else b[i]
            row.append(p[i] - lr * d)
        p = row
        expected.append(p)
    got = run(lambda ps: SGD(ps, lr=lr, momentum=mu, dampening=tau, weight_decay=wd, nesterov=nesterov))
    assert got == approx(expected)


def test_sgd_momentum_numbers_by_hand():
    w = Value(0.0)
    opt = SGD([w], lr=0.1, momentum=0.5)
    w.grad = 1.0
    opt.step()  # b = 1, w = -0.1
    opt.step()  # b = 0.5 + 1 = 1.5, w = -0.25
    opt.step()  # b = 0.75 + 1 = 1.75, w = -0.425
    assert w.data == pytest.approx(-0.425, abs=ULPS)


# ----------------------------------------------------------------------------- Adam / AdamW


def adam_reference(lr, b1, b2, eps, wd, decoupled):
    expected, p, m, v = [], list(START), [0.0, 0.0], [0.0, 0.0]
    for t, gs in enumerate(GRADS, start=1):
        row = []
        for i, g in enumerate(gs):
            q = p[i]
            if decoupled:
                q = q - lr * wd * q          # AdamW: decay the weight itself
            elif wd:
                g = g + wd * q               # Adam: L2 term in the gradient
            m[i] = b1 * m[i] + (1 - b1) * g
            v[i] = b2 * v[i] + (1 - b2) * g * g
            m_hat = m[i] / (1 - b1**t)
            v_hat = v[i] / (1 - b2**t)
            row.append(q - lr * m_hat / (math.sqrt(v_hat) + eps))
        p = row
        expected.append(p)
    return expected


@pytest.mark.parametrize("wd", [0.0, 0.1])
def test_adam_matches_the_bias_corrected_rule(wd):
    lr, b1, b2, eps = 0.01, 0.8, 0.95, 1e-6
    got = run(lambda ps: Adam(ps, lr=lr, betas=(b1, b2), eps=eps, weight_decay=wd))
    assert got == approx(adam_reference(lr, b1, b2, eps, wd, decoupled=False))


def test_adamw_decouples_weight_decay():
    lr, b1, b2, eps, wd = 0.01, 0.9, 0.999, 1e-8, 0.3
    got = run(lambda ps: AdamW(ps, lr=lr, betas=(b1, b2), eps=eps, weight_decay=wd))
    assert got == approx(adam_reference(lr, b1, b2, eps, wd, decoupled=True))
    assert got != approx(adam_reference(lr, b1, b2, eps, wd, decoupled=False))


def test_adam_defaults_are_pytorchs():
    opt = Adam([Value(0.0)])
    assert (opt.lr, opt.betas, opt.eps, opt.weight_decay) == (1e-3, (0.9, 0.999), 1e-8, 0.0)
    assert AdamW([Value(0.0)]).weight_decay == 1e-2


def test_adam_first_step_moves_by_about_lr():
    # m̂ = g and v̂ = g², so the first step is lr·g/(|g| + eps) whatever the size of g
    for g in (1e-3, 1.0, 1e3):
        w = Value(0.0)
        opt = Adam([w], lr=0.1)
        w.grad = g
        opt.step()
        assert w.data == pytest.approx(-0.1 * g / (g + 1e-8), rel=REL)


# ----------------------------------------------------------------------------- common behaviour


@pytest.mark.parametrize("make", [lambda ps: SGD(ps, lr=0.1, momentum=0.9), lambda ps: Adam(ps, lr=0.1),
                                  lambda ps: AdamW(ps, lr=0.1)])
def test_optimizers_minimize_a_quadratic(make):
    # f(w) = (w0 - 3)² + (w1 + 1)², minimum at (3, -1)
    w = [Value(0.0), Value(0.0)]
    opt = make(w)
    for _ in range(300):
        opt.zero_grad()
        loss = (w[0] - 3) ** 2 + (w[1] + 1) ** 2
        loss.backward()
        opt.step()
    tol = 0.05 if isinstance(opt, AdamW) else 1e-3  # AdamW's decay pulls towards 0 a little
    assert w[0].data == pytest.approx(3.0, abs=tol) and w[1].data == pytest.approx(-1.0, abs=tol)


def test_lr_is_settable_and_used_by_the_next_step():
    w = Value(1.0)
    opt = SGD([w], lr=0.1)
    opt.lr = 0.5
    w.grad = 1.0
    opt.step()
    assert w.data == 0.5
    opt.lr = 0.0  # a schedule may anneal to zero
    opt.step()
    assert w.data == 0.5


def test_zero_grad_and_step_build_no_graph():
    m = MLP(2, [3, 1], rng=random.Random(0))
    opt = Adam(m.parameters(), lr=0.01)
    F.mse_loss(m([1.0, 2.0]), 0.5).backward()
    opt.step()
    assert all(p.is_leaf and isinstance(p.data, float) for p in m.parameters())
    opt.zero_grad()
    assert all(p.grad == 0.0 for p in m.parameters())


@pytest.mark.parametrize("lr", [0, 0.0, -0.1, math.nan, math.inf, "0.1", None, True])
@pytest.mark.parametrize("cls", [SGD, Adam, AdamW])
def test_non_positive_or_non_numeric_lr_is_a_value_error(cls, lr):
    with pytest.raises(ValueError, match="lr must be"):
        cls([Value(0.0)], lr=lr)


@pytest.mark.parametrize("betas", [(1.0, 0.999), (0.9, 1.0), (-0.1, 0.999), (0.9,), 0.9, (0.9, "x")])
@pytest.mark.parametrize("cls", [Adam, AdamW])
def test_betas_outside_zero_one_are_value_errors(cls, betas):
    with pytest.raises(ValueError, match="betas"):
        cls([Value(0.0)], betas=betas)


def test_setting_a_negative_lr_later_is_a_value_error():
    opt = SGD([Value(0.0)], lr=0.1)
    with pytest.raises(ValueError, match="lr must be >= 0"):
        opt.lr = -1.0


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"momentum": -0.1}, "momentum must be >= 0"),
        ({"weight_decay": -1.0}, "weight_decay must be >= 0"),
        ({"nesterov": True}, "nesterov needs momentum > 0"),
        ({"nesterov": True, "momentum": 0.9, "dampening": 0.1}, "dampening = 0"),
        ({"dampening": 1.5}, r"dampening must be in \[0, 1\]"),
        ({"momentum": math.nan}, "momentum must be a finite number"),
    ],
)
def test_sgd_bad_options(kwargs, match):
    with pytest.raises(ValueError, match=match):
        SGD([Value(0.0)], lr=0.1, **kwargs)


def test_bad_params():
    with pytest.raises(ValueError, match="empty parameter list"):
        SGD([], lr=0.1)
    with pytest.raises(TypeError, match=r"call model.parameters\(\)"):
        SGD(Neuron(2), lr=0.1)
    with pytest.raises(TypeError, match=r"params\[1\] must be a Value, got float"):
        SGD([Value(0.0), 1.0], lr=0.1)
    w = Value(0.0)
    with pytest.raises(ValueError, match="more than once"):
        SGD([w, w], lr=0.1)


def test_params_may_be_a_generator():
    m = Neuron(2, rng=random.Random(0))
    opt = SGD((p for p in m.parameters()), lr=0.1)
    assert opt.params == m.parameters()


# ----------------------------------------------------------------------------- schedules


def test_exponential_lr_is_lr0_e_to_minus_kt():
    k, lr0 = 0.1, 0.5
    opt = SGD([Value(0.0)], lr=lr0)
    sched = ExponentialLR(opt, gamma=math.exp(-k))
    assert sched.get_last_lr() == [lr0]
    for t in range(1, 21):
        sched.step()
        assert opt.lr == pytest.approx(lr0 * math.exp(-k * t), rel=REL)
        assert sched.get_last_lr() == [opt.lr]


def test_step_lr_by_hand():
    opt = SGD([Value(0.0)], lr=1.0)
    sched = StepLR(opt, step_size=3, gamma=0.5)
    lrs = []
    for _ in range(7):
        sched.step()
        lrs.append(opt.lr)
    assert lrs == [1.0, 1.0, 0.5, 0.5, 0.5, 0.25, 0.25]


def test_lambda_lr_applies_f0_at_once_and_may_reach_zero():
    opt = Adam([Value(0.0)], lr=0.2)
    sched = LambdaLR(opt, lambda t: max(0.0, 1 - t / 4))   # linear decay to 0 over 4 epochs
    assert opt.lr == 0.2
    seen = []
    for _ in range(5):
        sched.step()
        seen.append(opt.lr)
    assert seen == pytest.approx([0.15, 0.1, 0.05, 0.0, 0.0], abs=ULPS)


def test_schedules_drive_sgd_updates():
    w = Value(0.0)
    opt = SGD([w], lr=1.0)
    sched = StepLR(opt, step_size=1, gamma=0.5)
    for _ in range(3):
        w.grad = -1.0
        opt.step()       # w += lr
        sched.step()
    assert w.data == 1.0 + 0.5 + 0.25


@pytest.mark.parametrize(
    ("make", "exc", "match"),
    [
        (lambda o: ExponentialLR(o, gamma=0.0), ValueError, "gamma must be > 0"),
        (lambda o: ExponentialLR(o, gamma=-1.0), ValueError, "gamma must be > 0"),
        (lambda o: StepLR(o, step_size=0, gamma=0.5), ValueError, "step_size must be an int >= 1"),
        (lambda o: StepLR(o, step_size=1.5, gamma=0.5), ValueError, "step_size must be an int >= 1"),
        (lambda o: LambdaLR(o, 0.5), TypeError, "lr_lambda must be a function"),
        (lambda o: LambdaLR(o, lambda t: -1.0), ValueError, r"lr_lambda\(0\) must return a finite number"),
        (lambda o: ExponentialLR(object(), gamma=0.5), TypeError, "expected an optimizer"),
    ],
)
def test_bad_schedules(make, exc, match):
    with pytest.raises(exc, match=match):
        make(SGD([Value(0.0)], lr=0.1))


def test_sgd_nesterov_must_be_a_bool():
    with pytest.raises(TypeError, match="nesterov must be True or False, got str"):
        SGD([Value(0.0)], lr=0.1, momentum=0.9, nesterov="yes")


@pytest.mark.parametrize("eps", [0, 0.0, -1e-8, math.nan, "1e-8"])
@pytest.mark.parametrize("cls", [Adam, AdamW])
def test_adam_eps_must_be_positive_named_up_front(cls, eps):
    # eps=0 used to reach a raw ZeroDivisionError at the first zero gradient
    with pytest.raises(ValueError, match="eps must be"):
        cls([Value(0.0)], eps=eps)


def test_a_rejected_state_changes_nothing():
    w = Value(1.0)
    opt = Adam([w], lr=0.1)
    w.grad = 1.0
    opt.step()
    good = opt.state_dict()
    other = Adam([Value(1.0)], lr=0.3)
    before = other.state_dict()
    for bad in (
        good | {"steps": -1},
        good | {"hyperparameters": good["hyperparameters"] | {"eps": 0.0}},
        good | {"buffers": {"m": [0.1], "v": [0.1, 0.2]}},
        good | {"extra": 1},
        good | {"type": "SGD"},
    ):
        with pytest.raises(ValueError):
            other.load_state_dict(bad)
        assert other.state_dict() == before


def test_scheduler_state_round_trips_and_is_validated():
    opt = SGD([Value(0.0)], lr=1.0)
    sched = StepLR(opt, step_size=3, gamma=0.5)
    for _ in range(4):
        sched.step()
    fresh = StepLR(SGD([Value(0.0)], lr=1.0), step_size=1, gamma=0.9)
    fresh.load_state_dict(sched.state_dict())
    assert fresh.state_dict() == sched.state_dict() and fresh.step_size == 3
    with pytest.raises(ValueError, match="'last_epoch' must be an int >= 0"):
        fresh.load_state_dict(sched.state_dict() | {"last_epoch": 1.5})
    with pytest.raises(ValueError, match="gamma must be > 0"):
        fresh.load_state_dict(sched.state_dict() | {"hyperparameters": {"step_size": 3, "gamma": 0}})
    assert fresh.state_dict() == sched.state_dict()
    with pytest.raises(ValueError, match="'StepLR' schedule, not ExponentialLR"):
        ExponentialLR(SGD([Value(0.0)], lr=1.0), gamma=0.5).load_state_dict(sched.state_dict())
