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

import copy
import math
import numbers
from collections.abc import Callable, Iterable, Mapping
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


def _finite(x: Any) -> bool:
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        return False
    try:
        return math.isfinite(x)
    except OverflowError:  # an int beyond float range
        return False


def _keys(where: str, what: str, got: Mapping[str, Any], expected: set[str]) -> None:
    missing = sorted(expected - set(got))
    extra = sorted(set(got) - expected, key=str)
    if missing or extra:
        parts = ([f"missing {', '.join(map(repr, missing))}"] if missing else []) + (
            [f"unexpected {', '.join(map(repr, extra))}"] if extra else [])
        raise ValueError(f"{where}: {what} has {'; '.join(parts)}")


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

    # -------------------------------------------------------------- state

    def _hyper(self) -> dict[str, Any]:
        """The hyper-parameters, by constructor argument name."""
        return {"lr": self._lr}

    def _buffers(self) -> dict[str, list[float]]:
        """The per-parameter state lists (momentum buffers, moments), by name."""
        return {}

    def _set_hyper(self, hyper: dict[str, Any]) -> None:
        self.lr = hyper["lr"]

    def state_dict(self) -> dict[str, Any]:
        """Everything ``step()`` depends on besides the parameters, as plain JSON-ready data:
        ``{"type", "steps", "hyperparameters", "buffers"}``; buffers are lists in parameter order.

        >>> from autograd import Value
        >>> w = Value(1.0); opt = SGD([w], lr=0.1, momentum=0.9)
        >>> w.grad = 1.0; opt.step()
        >>> opt.state_dict()["buffers"], opt.state_dict()["steps"]
        ({'momentum': [1.0]}, 1)
        """
        return {"type": type(self).__name__, "steps": self.steps, "hyperparameters": self._hyper(),
                "buffers": {k: list(v) for k, v in self._buffers().items()}}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Restore what :meth:`state_dict` returned (strict, all or nothing), so training resumes
        exactly: the same later steps as if it had never stopped.

        The state must come from the same optimizer class over as many parameters; anything
        missing, extra or not a finite number is a ``ValueError`` naming the entry, and then
        nothing is changed.

        >>> from autograd import Value
        >>> a = Adam([Value(1.0)], lr=0.1); a.params[0].grad = 2.0; a.step()
        >>> b = Adam([Value(1.0)], lr=0.5); b.load_state_dict(a.state_dict())
        >>> b.steps, b.lr, b.m == a.m, b.v == a.v
        (1, 0.1, True, True)
        """
        where = f"{type(self).__name__}.load_state_dict()"
        if not isinstance(state, Mapping):
            raise TypeError(f"{where}: expected the dict from state_dict(), got {type(state).__name__}")
        _keys(where, "the state", state, {"type", "steps", "hyperparameters", "buffers"})
        if state["type"] != type(self).__name__:
            raise ValueError(
                f"{where}: the state is of a {state['type']!r} optimizer, not {type(self).__name__}"
            )
        steps = state["steps"]
        if isinstance(steps, bool) or not isinstance(steps, int) or steps < 0:
            raise ValueError(f"{where}: 'steps' must be an int >= 0, got {type(steps).__name__}: {steps!r}")
        hyper = state["hyperparameters"]
        if not isinstance(hyper, Mapping):
            raise ValueError(f"{where}: 'hyperparameters' must be a dict, got {type(hyper).__name__}")
        _keys(where, "'hyperparameters'", hyper, set(self._hyper()))
        buffers = state["buffers"]
        if not isinstance(buffers, Mapping):
            raise ValueError(f"{where}: 'buffers' must be a dict, got {type(buffers).__name__}")
        mine = self._buffers()
        _keys(where, "'buffers'", buffers, set(mine))
        n = len(self.params)
        for name in mine:
            got = buffers[name]
            if not isinstance(got, (list, tuple)) or len(got) != n:
                size = len(got) if isinstance(got, (list, tuple)) else type(got).__name__
                raise ValueError(
                    f"{where}: buffer {name!r} must be a list of {n} numbers (one per parameter), got {size}"
                )
            for i, x in enumerate(got):
                if not _finite(x):
                    raise ValueError(
                        f"{where}: buffer {name!r}[{i}] must be a finite number, "
                        f"got {type(x).__name__}: {x!r}"
                    )
        # validate the hyper-parameters on a copy first, so a bad one changes nothing
        copy.copy(self)._set_hyper(dict(hyper))
        self._set_hyper(dict(hyper))
        for name in mine:
            mine[name][:] = [float(x) for x in buffers[name]]
        self.steps = steps

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
        self._set_hyper({"lr": lr, "momentum": momentum, "dampening": dampening,
                         "weight_decay": weight_decay, "nesterov": nesterov})
        self.buffers: list[float] = [0.0] * len(self.params)

    def _set_hyper(self, hyper: dict[str, Any]) -> None:
        self.lr = hyper["lr"]
        self.momentum = _non_negative("SGD", "momentum", hyper["momentum"])
        dampening = _number("SGD", "dampening", hyper["dampening"])
        if not 0.0 <= dampening <= 1.0:
            raise ValueError(f"SGD: dampening must be in [0, 1], got {hyper['dampening']!r}")
        self.dampening = dampening
        self.weight_decay = _non_negative("SGD", "weight_decay", hyper["weight_decay"])
        nesterov = hyper["nesterov"]
        if not isinstance(nesterov, bool):
            raise TypeError(
                f"SGD: nesterov must be True or False, got {type(nesterov).__name__}: {nesterov!r}"
            )
        self.nesterov = nesterov
        if self.nesterov and (self.momentum <= 0 or self.dampening != 0):
            raise ValueError(
                f"SGD: nesterov needs momentum > 0 and dampening = 0, got momentum={hyper['momentum']!r}, "
                f"dampening={hyper['dampening']!r}"
            )

    def _hyper(self) -> dict[str, Any]:
        return {"lr": self._lr, "momentum": self.momentum, "dampening": self.dampening,
                "weight_decay": self.weight_decay, "nesterov": self.nesterov}

    def _buffers(self) -> dict[str, list[float]]:
        return {"momentum": self.buffers}

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
        self._set_hyper({"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay})
        self.m: list[float] = [0.0] * len(self.params)
        self.v: list[float] = [0.0] * len(self.params)

    def _set_hyper(self, hyper: dict[str, Any]) -> None:
        where = type(self).__name__
        self.lr = hyper["lr"]
        self.betas = _betas(where, hyper["betas"])
        eps = _number(where, "eps", hyper["eps"])
        if eps <= 0:
            raise ValueError(
                f"{where}: eps must be > 0 (it keeps m̂/(√v̂ + eps) finite where a gradient is 0), "
                f"got {hyper['eps']!r}; the usual value is 1e-8"
            )
        self.eps = eps
        self.weight_decay = _non_negative(where, "weight_decay", hyper["weight_decay"])

    def _hyper(self) -> dict[str, Any]:
        return {"lr": self._lr, "betas": list(self.betas), "eps": self.eps, "weight_decay": self.weight_decay}

    def _buffers(self) -> dict[str, list[float]]:
        return {"m": self.m, "v": self.v}

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

    def _hyper(self) -> dict[str, Any]:
        return {}

    def _set_hyper(self, hyper: dict[str, Any]) -> None:
        """Validate and set the hyper-parameters (subclasses with some override this)."""

    def state_dict(self) -> dict[str, Any]:
        """``{"type", "last_epoch", "base_lr", "last_lr", "hyperparameters"}`` as plain data
        (a ``LambdaLR``'s function is code, not data: it is not saved; the loading schedule's is used).

        >>> from autograd import Value
        >>> sched = StepLR(SGD([Value(0.0)], lr=1.0), step_size=2); sched.step()
        >>> state = sched.state_dict(); state["last_epoch"], state["hyperparameters"]
        (1, {'step_size': 2, 'gamma': 0.1})
        """
        return {"type": type(self).__name__, "last_epoch": self.last_epoch, "base_lr": self.base_lr,
                "last_lr": self._last_lr, "hyperparameters": self._hyper()}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Restore what :meth:`state_dict` returned (strict, all or nothing); the optimizer's lr is
        part of the optimizer's own state and is not changed here."""
        where = f"{type(self).__name__}.load_state_dict()"
        if not isinstance(state, Mapping):
            raise TypeError(f"{where}: expected the dict from state_dict(), got {type(state).__name__}")
        _keys(where, "the state", state, {"type", "last_epoch", "base_lr", "last_lr", "hyperparameters"})
        if state["type"] != type(self).__name__:
            raise ValueError(
                f"{where}: the state is of a {state['type']!r} schedule, not {type(self).__name__}"
            )
        epoch = state["last_epoch"]
        if isinstance(epoch, bool) or not isinstance(epoch, int) or epoch < 0:
            raise ValueError(
                f"{where}: 'last_epoch' must be an int >= 0, got {type(epoch).__name__}: {epoch!r}"
            )
        for key in ("base_lr", "last_lr"):
            if not _finite(state[key]) or state[key] < 0:
                raise ValueError(f"{where}: {key!r} must be a finite number >= 0, got {state[key]!r}")
        hyper = state["hyperparameters"]
        if not isinstance(hyper, Mapping):
            raise ValueError(f"{where}: 'hyperparameters' must be a dict, got {type(hyper).__name__}")
        _keys(where, "'hyperparameters'", hyper, set(self._hyper()))
        copy.copy(self)._set_hyper(dict(hyper))  # validate first: a bad value changes nothing
        self._set_hyper(dict(hyper))
        self.last_epoch = epoch
        self.base_lr = float(state["base_lr"])
        self._last_lr = float(state["last_lr"])


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
        self._set_hyper({"gamma": gamma})
        super().__init__(optimizer)

    def _hyper(self) -> dict[str, Any]:
        return {"gamma": self.gamma}

    def _set_hyper(self, hyper: dict[str, Any]) -> None:
        self.gamma = _gamma("ExponentialLR", hyper["gamma"])

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
        self._set_hyper({"step_size": step_size, "gamma": gamma})
        super().__init__(optimizer)

    def _hyper(self) -> dict[str, Any]:
        return {"step_size": self.step_size, "gamma": self.gamma}

    def _set_hyper(self, hyper: dict[str, Any]) -> None:
        step_size = hyper["step_size"]
        if isinstance(step_size, bool) or not isinstance(step_size, numbers.Integral) or step_size < 1:
            raise ValueError(
                f"StepLR: step_size must be an int >= 1, got {type(step_size).__name__}: {step_size!r}"
            )
        self.step_size = int(step_size)
        self.gamma = _gamma("StepLR", hyper["gamma"])

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
