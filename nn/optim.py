"""Optimizers (SGD with momentum, Adam, AdamW) and learning-rate schedules, with PyTorch's update rules.

An optimizer holds a list of parameters (Values) and changes their ``data`` from their
``grad`` when you call ``step()``; ``zero_grad()`` clears the gradients before the next
``backward()``. Updates are plain float arithmetic on ``data``: they build no graph. The
update rules, argument names and defaults are PyTorch's (``torch.optim``), so the same start
and the same gradients give the same trajectory, and what is learned here carries over.

A schedule changes ``optimizer.lr`` each time its ``step()`` is called (usually once per
epoch): ``ExponentialLR`` multiplies by ``gamma`` (the decay ``lr0·e^(-k·t)`` is
``gamma = e^(-k)``), ``StepLR`` by ``gamma`` every ``step_size`` epochs, ``LambdaLR`` sets
``lr0·f(t)``.

>>> from autograd import Value
>>> w = Value(1.0)
>>> opt = SGD([w], lr=0.1)
>>> (w * w).backward()          # d(w²)/dw = 2
>>> opt.step(); w.data          # 1 - 0.1·2
0.8
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterable
from typing import Any

from autograd import Value

__all__ = ["SGD", "Adam", "AdamW", "ExponentialLR", "LRScheduler", "LambdaLR", "Optimizer", "StepLR"]


def _number(where: str, what: str, x: Any) -> float:
    if isinstance(x, bool) or not isinstance(x, numbers.Real) or not math.isfinite(x):
        raise ValueError(f"{where}: {what} must be a finite number, got {type(x).__name__}: {x!r}")
    return float(x)


def _non_negative(where: str, what: str, x: Any) -> float:
    v = _number(where, what, x)
    if v < 0:
        raise ValueError(f"{where}: {what} must be >= 0, got {x!r}")
    return v


def _params(where: str, params: Any) -> list[Value]:
    if isinstance(params, Value) or not isinstance(params, Iterable):
        hint = " (call model.parameters())" if hasattr(params, "parameters") else ""
        raise TypeError(f"{where}: params must be an iterable of Values{hint}, got {type(params).__name__}")
    ps = list(params)
    if not ps:
        raise ValueError(f"{where}: got an empty parameter list; pass model.parameters()")
    seen: set[int] = set()
    for i, p in enumerate(ps):
        if not isinstance(p, Value):
            raise TypeError(f"{where}: params[{i}] must be a Value, got {type(p).__name__}: {p!r}")
        if id(p) in seen:
            raise ValueError(
                f"{where}: params[{i}] ({p!r}) appears more than once; it would be updated twice"
            )
        seen.add(id(p))
    return ps


class Optimizer:
    """Base class: the parameters, a settable ``lr``, ``zero_grad()`` and ``step()``.

    ``lr`` must be > 0 when the optimizer is made; afterwards it may be set to any finite
    number >= 0 (so a schedule can anneal it to 0).
    """

    def __init__(self, params: Iterable[Value], lr: float) -> None:
        where = type(self).__name__
        self.params = _params(where, params)
        if _number(where, "lr", lr) <= 0:
            raise ValueError(f"{where}: lr must be > 0, got {lr!r}")
        self._lr = float(lr)
        self.steps = 0

    @property
    def lr(self) -> float:
        """The learning rate used by the next ``step()``."""
        return self._lr

    @lr.setter
    def lr(self, value: float) -> None:
        self._lr = _non_negative(type(self).__name__, "lr", value)

    def zero_grad(self) -> None:
        """Set every parameter's ``grad`` to 0.0."""
        for p in self.params:
            p.grad = 0.0

    def step(self) -> None:
        """Update every parameter's ``data`` from its ``grad``."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}({len(self.params)} parameters, lr={self._lr:g})"


class SGD(Optimizer):
    """Stochastic gradient descent with optional momentum, dampening, Nesterov and L2 weight decay.

    Per parameter p with gradient g, at step t (PyTorch's rule, μ = momentum, τ = dampening,
    λ = weight_decay)::

        g = g + λ·p                       (if λ ≠ 0)
        b = g            at t = 1         (if μ ≠ 0)
        b = μ·b + (1 - τ)·g  afterwards
        g = g + μ·b  if nesterov  else  g = b
        p = p - lr·g

    >>> from autograd import Value
    >>> w = Value(1.0); opt = SGD([w], lr=0.1, momentum=0.9)
    >>> w.grad = 1.0; opt.step(); round(w.data, 10)    # b = 1
    0.9
    >>> opt.step(); round(w.data, 10)                   # b = 0.9·1 + 1 = 1.9
    0.71
    """

    def __init__(
        self,
        params: Iterable[Value],
        lr: float,
        momentum: float = 0.0,
        dampening: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
    ) -> None:
        super().__init__(params, lr)
        self.momentum = _non_negative("SGD", "momentum", momentum)
        self.dampening = _number("SGD", "dampening", dampening)
        self.weight_decay = _non_negative("SGD", "weight_decay", weight_decay)
        self.nesterov = bool(nesterov)
        if self.nesterov and (self.momentum <= 0 or self.dampening != 0):
            raise ValueError(
                f"SGD: nesterov needs momentum > 0 and dampening = 0, got momentum={momentum!r}, "
                f"dampening={dampening!r}"
            )
        self.buffers: list[float] = [0.0] * len(self.params)

    def step(self) -> None:
        """One update of every parameter (see the class docstring for the rule)."""
        lr, mu, wd = self._lr, self.momentum, self.weight_decay
        damp = 1.0 - self.dampening
        first = self.steps == 0
        bufs = self.buffers
        for i, p in enumerate(self.params):
            g = p.grad
            if wd != 0.0:
                g = g + wd * p.data
            if mu != 0.0:
                b = g if first else mu * bufs[i] + damp * g
                bufs[i] = b
                g = g + mu * b if self.nesterov else b
            p.data -= lr * g
        self.steps += 1


def _betas(where: str, betas: Any) -> tuple[float, float]:
    if not isinstance(betas, (tuple, list)) or len(betas) != 2:
        raise ValueError(f"{where}: betas must be a pair (beta1, beta2), got {betas!r}")
    out = []
    for i, b in enumerate(betas):
        v = _number(where, f"betas[{i}]", b)
        if not 0.0 <= v < 1.0:
            raise ValueError(f"{where}: betas[{i}] must be in [0, 1), got {b!r}")
        out.append(v)
    return out[0], out[1]


class Adam(Optimizer):
    """Adam: per-parameter steps from running averages of the gradient and its square.

    Per parameter p with gradient g, at step t = 1, 2, ... (PyTorch's rule; λ = weight_decay,
    added to the gradient as L2 regularization)::

        g = g + λ·p                        (if λ ≠ 0)
        m = β1·m + (1 - β1)·g              (m, v start at 0)
        v = β2·v + (1 - β2)·g²
        m̂ = m / (1 - β1^t),  v̂ = v / (1 - β2^t)
        p = p - lr·m̂ / (√v̂ + eps)

    >>> from autograd import Value
    >>> w = Value(1.0); opt = Adam([w], lr=0.1)
    >>> w.grad = 5.0; opt.step(); round(w.data, 6)     # the first step moves by ≈ lr
    0.9
    """

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, lr)
        where = type(self).__name__
        self.betas = _betas(where, betas)
        self.eps = _non_negative(where, "eps", eps)
        self.weight_decay = _non_negative(where, "weight_decay", weight_decay)
        self.m: list[float] = [0.0] * len(self.params)
        self.v: list[float] = [0.0] * len(self.params)

    def _decay(self) -> None:
        """AdamW's decoupled decay; Adam folds weight decay into the gradient instead."""

    def _l2(self) -> float:
        return self.weight_decay

    def step(self) -> None:
        """One update of every parameter (see the class docstring for the rule)."""
        self._decay()
        self.steps += 1
        t = self.steps
        b1, b2 = self.betas
        lr, eps, wd = self._lr, self.eps, self._l2()
        step_size = lr / (1.0 - b1**t)
        bc2_sqrt = math.sqrt(1.0 - b2**t)
        m, v = self.m, self.v
        for i, p in enumerate(self.params):
            g = p.grad
            if wd != 0.0:
                g = g + wd * p.data
            mi = b1 * m[i] + (1.0 - b1) * g
            vi = b2 * v[i] + (1.0 - b2) * g * g
            m[i] = mi
            v[i] = vi
            p.data -= step_size * (mi / (math.sqrt(vi) / bc2_sqrt + eps))


class AdamW(Adam):
    """Adam with decoupled weight decay: first ``p = p - lr·λ·p``, then Adam's step without λ.

    Per parameter, at step t (PyTorch's rule)::

        p = p - lr·λ·p
        m = β1·m + (1 - β1)·g,   v = β2·v + (1 - β2)·g²
        p = p - lr·m̂ / (√v̂ + eps)     with m̂, v̂ bias-corrected as in Adam

    >>> from autograd import Value
    >>> w = Value(1.0); opt = AdamW([w], lr=0.1, weight_decay=0.5)
    >>> opt.step(); round(w.data, 6)          # grad 0: only the decay, 1 - 0.1·0.5
    0.95
    """

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
    ) -> None:
        super().__init__(params, lr, betas, eps, weight_decay)

    def _decay(self) -> None:
        k = 1.0 - self._lr * self.weight_decay
        if k != 1.0:
            for p in self.params:
                p.data *= k

    def _l2(self) -> float:
        return 0.0


# ----------------------------------------------------------------------------- schedules


class LRScheduler:
    """Base class of the schedules: ``step()`` moves to the next epoch and sets ``optimizer.lr``.

    ``base_lr`` is the optimizer's lr when the schedule is made; ``last_epoch`` counts the
    ``step()`` calls; ``get_last_lr()`` is ``[lr]`` (a list, as in PyTorch, which has one
    entry per parameter group; here there is one group).
    """

    def __init__(self, optimizer: Optimizer) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(
                f"{type(self).__name__}: expected an optimizer from nn.optim, got {type(optimizer).__name__}"
            )
        self.optimizer = optimizer
        self.base_lr = optimizer.lr
        self.last_epoch = 0
        self._set(self._lr_at_start())

    def _lr_at_start(self) -> float:
        return self.optimizer.lr

    def _next_lr(self) -> float:
        raise NotImplementedError

    def _set(self, lr: float) -> None:
        self.optimizer.lr = lr
        self._last_lr = self.optimizer.lr

    def step(self) -> None:
        """Advance one epoch and set the optimizer's learning rate for it."""
        self.last_epoch += 1
        self._set(self._next_lr())

    def get_last_lr(self) -> list[float]:
        """``[lr]``: the learning rate this schedule set last."""
        return [self._last_lr]


def _gamma(where: str, gamma: Any) -> float:
    g = _number(where, "gamma", gamma)
    if g <= 0:
        raise ValueError(f"{where}: gamma must be > 0, got {gamma!r}")
    return g


class ExponentialLR(LRScheduler):
    """lr_t = lr_(t-1)·γ, so lr_t = lr0·γ^t; the decay lr0·e^(-k·t) is γ = e^(-k).

    >>> from autograd import Value
    >>> opt = SGD([Value(0.0)], lr=1.0); sched = ExponentialLR(opt, gamma=0.5)
    >>> sched.step(); sched.step(); opt.lr, sched.get_last_lr()
    (0.25, [0.25])
    """

    def __init__(self, optimizer: Optimizer, gamma: float) -> None:
        self.gamma = _gamma("ExponentialLR", gamma)
        super().__init__(optimizer)

    def _next_lr(self) -> float:
        return self.optimizer.lr * self.gamma


class StepLR(LRScheduler):
    """lr is multiplied by γ every ``step_size`` epochs: lr_t = lr0·γ^⌊t / step_size⌋.

    >>> from autograd import Value
    >>> opt = SGD([Value(0.0)], lr=1.0); sched = StepLR(opt, step_size=2, gamma=0.1)
    >>> lrs = []
    >>> for _ in range(4):
    ...     sched.step(); lrs.append(opt.lr)
    >>> lrs
    [1.0, 0.1, 0.1, 0.010000000000000002]
    """

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1) -> None:
        if isinstance(step_size, bool) or not isinstance(step_size, numbers.Integral) or step_size < 1:
            raise ValueError(
                f"StepLR: step_size must be an int >= 1, got {type(step_size).__name__}: {step_size!r}"
            )
        self.step_size = int(step_size)
        self.gamma = _gamma("StepLR", gamma)
        super().__init__(optimizer)

    def _next_lr(self) -> float:
        if self.last_epoch % self.step_size == 0:
            return self.optimizer.lr * self.gamma
        return self.optimizer.lr


class LambdaLR(LRScheduler):
    """lr_t = lr0·f(t) for a function f of the epoch t = 0, 1, 2, ... (f(0) applies at once).

    >>> from autograd import Value
    >>> opt = SGD([Value(0.0)], lr=0.1); sched = LambdaLR(opt, lambda t: 1 / (t + 1))
    >>> sched.step(); round(opt.lr, 10)
    0.05
    """

    def __init__(self, optimizer: Optimizer, lr_lambda: Callable[[int], float]) -> None:
        if not callable(lr_lambda):
            raise TypeError(
                f"LambdaLR: lr_lambda must be a function of the epoch, got {type(lr_lambda).__name__}"
            )
        self.lr_lambda = lr_lambda
        super().__init__(optimizer)

    def _factor(self) -> float:
        f = self.lr_lambda(self.last_epoch)
        if isinstance(f, bool) or not isinstance(f, numbers.Real) or not math.isfinite(f) or f < 0:
            raise ValueError(
                f"LambdaLR: lr_lambda({self.last_epoch}) must return a finite number >= 0, "
                f"got {type(f).__name__}: {f!r}"
            )
        return float(f)

    def _lr_at_start(self) -> float:
        return self.base_lr * self._factor()

    def _next_lr(self) -> float:
        return self.base_lr * self._factor()
