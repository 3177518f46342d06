"""A small training loop: ``fit`` runs epochs of forward, loss, backward and update and
returns a ``History`` of loss and metrics; ``evaluate`` scores a model on a dataset.

Calling conventions (PyTorch's, so they carry over):

- ``model(x)`` is called on one sample ``x`` at a time (a point, a word index, ...) and
  returns a ``Value`` (one score) or a list of ``Value``s (one per class).
- ``loss_fn(outputs, targets) -> Value``: ``outputs`` is the list of ``model(x)`` for the
  batch, ``targets`` the batch's labels. Every loss in :mod:`nn.functional` has this shape
  (``F.mse_loss``, ``F.cross_entropy``, ``F.hinge_loss``, ...); add regularization in a
  small function of your own, e.g. micrograd's hinge + L2::

      def loss_fn(scores, ys):
          return F.hinge_loss(scores, ys) + 1e-4 * sum(p * p for p in model.parameters())

- ``metrics`` are names (``"accuracy"``, ``"precision"``, ``"recall"``, ``"f1"``, ``"mse"``,
  ``"mae"``) or functions ``metric(y_true, y_pred) -> float`` taking labels, like
  scikit-learn's. Predicted labels come from ``predict(output)``; the default takes the
  argmax of a list of class scores, and for one score predicts 1 when it is above 0, else
  the negative label (-1 when the training labels use -1, else 0), which suits hinge loss
  and logits. If your model outputs probabilities, pass ``predict=lambda p: int(p.data > 0.5)``.
"""

from __future__ import annotations

import contextlib
import math
import numbers
import random
import sys
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from autograd import Value, gc_paused, no_grad

from . import metrics as _metrics
from .data import batches as _batches

__all__ = ["History", "evaluate", "fit"]

Data = tuple[Sequence[Any], Sequence[Any]]
Metric = str | Callable[[list[Any], list[Any]], float]
# One training step on a batch: returns the batch loss and the model's outputs (for metrics).
StepFn = Callable[[list[Any], list[Any]], tuple[float, list[Any]]]

_LABEL_METRICS: dict[str, Callable[..., float]] = {
    "accuracy": _metrics.accuracy_score,
    "precision": _metrics.precision_score,
    "recall": _metrics.recall_score,
    "f1": _metrics.f1_score,
}
_VALUE_METRICS: dict[str, Callable[..., float]] = {
    "mse": _metrics.mean_squared_error,
    "mae": _metrics.mean_absolute_error,
}


@dataclass
class History:
    """What ``fit`` measured, one entry per epoch.

    ``train`` and ``val`` map ``"loss"`` and each metric's name to a list of per-epoch
    numbers (``val`` is empty without validation data); ``lr`` holds the learning rate each
    epoch ran with; ``grad_norm`` the largest gradient norm ‖∇loss‖₂ of the epoch's steps.
    ``history.train["loss"][-1]`` is the last epoch's training loss. ``stop_reason`` says why
    training stopped: ``"epochs"`` (all ran), ``"patience"`` (the validation loss stopped
    improving) or ``"min_grad_norm"`` (the gradient became too small to learn from);
    ``best_epoch`` is the epoch (from 0) of the lowest validation loss, whose parameters the
    model holds after early stopping (``None`` without ``patience``).

    >>> h = History(train={"loss": [0.9, 0.4]}, val={}, lr=[0.1, 0.1])
    >>> h
    History(2 epochs, train: loss 0.4)
    """

    train: dict[str, list[float]] = field(default_factory=dict)
    val: dict[str, list[float]] = field(default_factory=dict)
    lr: list[float] = field(default_factory=list)
    grad_norm: list[float] = field(default_factory=list)
    stop_reason: str = "epochs"
    best_epoch: int | None = None

    @property
    def epochs(self) -> int:
        """The number of epochs recorded."""
        return len(self.train.get("loss", ()))

    def as_dict(self) -> dict[str, Any]:
        """A plain, JSON-serializable dict: ``{"train": ..., "val": ..., "lr": ...}``."""
        return {"train": {k: list(v) for k, v in self.train.items()},
                "val": {k: list(v) for k, v in self.val.items()}, "lr": list(self.lr),
                "grad_norm": list(self.grad_norm), "stop_reason": self.stop_reason,
                "best_epoch": self.best_epoch}

    def __repr__(self) -> str:
        def last(d: dict[str, list[float]]) -> str:
            return ", ".join(f"{k} {v[-1]:.4g}" for k, v in d.items() if v)

        parts = [f"{self.epochs} epochs"]
        if self.train and self.epochs:
            parts.append(f"train: {last(self.train)}")
        if self.val and self.epochs:
            parts.append(f"val: {last(self.val)}")
        if self.stop_reason != "epochs":
            parts.append(f"stopped: {self.stop_reason}")
        return f"History({', '.join(parts)})"


# ----------------------------------------------------------------------------- checks


def _check_data(data: Any, name: str) -> tuple[list[Any], list[Any]]:
    if not isinstance(data, (tuple, list)) or len(data) != 2:
        raise TypeError(
            f"fit(): {name} must be a pair (X, y) of samples and labels, got {type(data).__name__}"
            + ("" if not isinstance(data, (tuple, list)) else f" of length {len(data)}")
            + "; e.g. train, val, test = nn.data.train_val_test_split(X, y)"
        )
    X, y = list(data[0]), list(data[1])
    if len(X) != len(y):
        raise ValueError(f"fit(): {name} has {len(X)} samples but {len(y)} labels; they must match")
    if not X:
        raise ValueError(f"fit(): {name} is empty; pass at least one sample")
    return X, y


def _check_int(value: Any, name: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"fit(): {name} must be an int >= {minimum}, got {value!r}")
    return value


def _check_bool(value: Any, name: str) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be True or False, got {type(value).__name__}: {value!r}")
    return value


def _check_tolerance(value: Any) -> float:
    try:
        ok = not isinstance(value, bool) and isinstance(value, numbers.Real) and 0 < float(value) < math.inf
    except OverflowError:
        ok = False
    if not ok:
        raise ValueError(
            f"fit(): min_grad_norm must be a finite number > 0 (stop once ‖∇loss‖ falls below it), got "
            f"{type(value).__name__}: {value!r}; pass None to train for all the epochs"
        )
    return float(value)


def _trained_params(model: Any, optimizer: Any) -> list[Value]:
    """The Values training changes: the model's parameters() (else the optimizer's params)."""
    params = getattr(model, "parameters", None)
    got = params() if callable(params) else getattr(optimizer, "params", None)
    if got is not None and not isinstance(got, (str, bytes)) and hasattr(got, "__iter__"):
        got = list(got)  # a generator of parameters, as some micrograd-style models return
    if not isinstance(got, list) or not all(isinstance(p, Value) for p in got):
        raise TypeError(
            "fit(): patience and min_grad_norm need the parameters: give the model a parameters() "
            "method (an nn.Module has one) or use an optimizer from nn.optim"
        )
    return got


def _metric_names(metrics: Sequence[Metric]) -> list[tuple[str, Metric]]:
    if isinstance(metrics, str) or callable(metrics):
        metrics = (metrics,)
    out = []
    for m in metrics:
        if isinstance(m, str):
            if m not in _LABEL_METRICS and m not in _VALUE_METRICS:
                known = ", ".join(repr(k) for k in (*_LABEL_METRICS, *_VALUE_METRICS))
                raise ValueError(f"unknown metric {m!r}; use one of {known} or a function (y_true, y_pred)")
            out.append((m, m))
        elif callable(m):
            out.append((getattr(m, "__name__", "metric"), m))
        else:
            raise TypeError(f"a metric must be a name or a function (y_true, y_pred), got {type(m).__name__}")
    if "loss" in [name for name, _ in out]:
        raise ValueError("'loss' is always recorded; it cannot also be a metric name")
    return out


# ----------------------------------------------------------------------------- predictions


def _default_predict(labels: Sequence[Any]) -> Callable[[Any], Any]:
    negative = -1 if any(t == -1 for t in labels) else 0

    def predict(output: Any) -> Any:
        if isinstance(output, (list, tuple)):
            scores = [float(o) for o in output]
            return max(range(len(scores)), key=scores.__getitem__)
        return 1 if float(output) > 0 else negative

    return predict


def _scores(
    chosen: list[tuple[str, Metric]], outputs: list[Any], targets: list[Any], predict: Callable[[Any], Any]
) -> dict[str, float]:
    out: dict[str, float] = {}
    labels: list[Any] | None = None
    for name, m in chosen:
        if isinstance(m, str) and m in _VALUE_METRICS:
            if any(isinstance(o, (list, tuple)) for o in outputs):
                raise ValueError(f"metric {m!r} needs one number per sample, but the model returns lists")
            out[name] = _VALUE_METRICS[m](targets, [float(o) for o in outputs])
            continue
        if labels is None:
            labels = [predict(o) for o in outputs]
        if isinstance(m, str):
            fn = _LABEL_METRICS[m]
            if m == "accuracy":
                out[name] = fn(targets, labels)
            else:
                several = len(set(targets) | set(labels)) > 2
                out[name] = fn(targets, labels, average="macro" if several else "binary")
        else:
            out[name] = float(m(targets, labels))
    return out


# ----------------------------------------------------------------------------- the loop


def _call_loss(loss_fn: Callable[..., Any], outputs: list[Any], targets: list[Any]) -> Value:
    loss = loss_fn(outputs, targets)
    if not isinstance(loss, Value):
        raise TypeError(
            f"loss_fn(outputs, targets) must return one Value, got {type(loss).__name__}; "
            "use a loss with reduction='mean' or 'sum'"
        )
    return loss


def _make_step(model: Callable[[Any], Any], loss_fn: Callable[..., Any], optimizer: Any) -> StepFn:
    """The training step for one batch: forward, loss, zero the gradients, backward, update.

    ``fit`` calls only what this returns, so a faster step with the same contract (for
    instance a later ``traced=True`` option that records the graph once and replays it)
    can be chosen here without touching the loop.
    """

    def step(X: list[Any], y: list[Any]) -> tuple[float, list[Any]]:
        outputs = [model(x) for x in X]
        loss = _call_loss(loss_fn, outputs, y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss.data, outputs

    return step


# How many recorded graphs fit(traced=True) keeps (one per distinct batch).
TRACE_CACHE_SIZE = 32


def _make_traced_step(model: Callable[[Any], Any], loss_fn: Callable[..., Any], optimizer: Any) -> StepFn:
    """The same step, with forward + backward replayed from a graph recorded once per batch.

    The first time a batch (its samples and labels) is seen, ``autograd.trace`` records
    ``loss_fn([model(x) for x in X], y)`` with the batch frozen in; later steps on the same
    batch replay it with the parameters' current values, filling the same gradients as
    ``loss.backward()``, bit for bit. So it pays off when batches repeat: full batch, or
    fixed batches (``rng=None``). A batch that cannot be a cache key (unhashable samples or
    labels) runs the dynamic step.

    Safe by construction: a guard that fails (a comparison of Values that would now go the
    other way) re-traces the batch before any gradient is written; the first replay of
    every trace runs with ``validate=True``, and a batch whose graph it finds changed (a
    Python branch on ``.data`` in the model or loss) runs with the dynamic engine from then
    on, with a warning.
    """
    from autograd import TraceMismatchError, trace

    dynamic = _make_step(model, loss_fn, optimizer)
    cache: dict[Any, Any] = {}
    validated: set[Any] = set()

    def step(X: list[Any], y: list[Any]) -> tuple[float, list[Any]]:
        try:
            key = (_frozen(X), _frozen(y))
            hash(key)
        except TypeError:
            return dynamic(X, y)
        traced = cache.get(key)
        if traced is _DYNAMIC:
            return dynamic(X, y)
        Xb, yb = list(X), list(y)

        def batch_loss() -> tuple[Value, list[Any]]:
            outputs = [model(x) for x in Xb]
            return _call_loss(loss_fn, outputs, yb), outputs

        fresh = traced is None
        if fresh:
            if len(cache) >= TRACE_CACHE_SIZE:
                cache.clear()
                validated.clear()
            traced = cache[key] = trace(batch_loss)
        optimizer.zero_grad()
        try:  # validate the first replay with parameters other than those it was recorded with
            loss, outputs = traced(validate=not fresh and key not in validated)
        except TraceMismatchError as e:
            if e.guard is None:  # validate: the graph depends on a branch the trace cannot see
                warnings.warn(f"fit(traced=True): this batch runs with the dynamic engine: {e}",
                              stacklevel=4)
                cache[key] = _DYNAMIC
                return dynamic(X, y)
            traced = cache[key] = trace(batch_loss)  # a guard flipped: record the graph it builds now
            validated.discard(key)
            fresh = True
            optimizer.zero_grad()
            loss, outputs = traced()
        if not fresh:
            validated.add(key)
        optimizer.step()
        return loss, outputs

    return step


_DYNAMIC = object()  # cache entry: this batch's graph cannot be traced safely


def _frozen(x: Any) -> Any:
    """A hashable copy of nested lists/tuples of numbers (TypeError if it cannot be one)."""
    if isinstance(x, (list, tuple)):
        return tuple(_frozen(e) for e in x)
    if isinstance(x, Value):
        raise TypeError("Values are not batch keys")
    return x


def _in_notebook() -> bool:
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None and hasattr(ipython, "get_ipython") else None
    return type(shell).__name__ == "ZMQInteractiveShell"


def _has_widgets() -> bool:
    """Whether tqdm's notebook bar can be drawn: it needs ipywidgets (the ``notebook`` extra)."""
    try:
        import ipywidgets  # noqa: F401
    except ImportError:
        return False
    return True


def _progress_bar(epochs: int, enabled: bool) -> Any:
    """A tqdm bar over the epochs when ``enabled`` and output is a terminal or a notebook.

    In a notebook: tqdm's widget bar if ipywidgets is installed, else its text bar on stderr
    (which a notebook shows too). Whether the widget can be made is checked *before* making
    it: a tqdm notebook bar that fails half-way prints ``Exception ignored in tqdm.__del__``.
    """
    if not enabled:
        return None
    notebook = _in_notebook()
    if not notebook and not (hasattr(sys.stderr, "isatty") and sys.stderr.isatty()):
        return None
    if notebook and _has_widgets():
        try:
            from tqdm.notebook import tqdm as notebook_tqdm
        except ImportError:
            pass
        else:
            return notebook_tqdm(total=epochs, desc="epoch", unit="epoch")
    try:
        from tqdm import tqdm
    except ImportError:
        warnings.warn("no progress bar: tqdm is not installed (pip install tqdm)", stacklevel=3)
        return None
    return tqdm(total=epochs, desc="epoch", unit="epoch", file=sys.stderr)


def _paused(enabled: bool) -> contextlib.AbstractContextManager[Any]:
    return gc_paused() if enabled else contextlib.nullcontext()


def evaluate(
    model: Callable[[Any], Any],
    data: Data,
    *,
    loss_fn: Callable[..., Any] | None = None,
    metrics: Sequence[Metric] = ("accuracy",),
    predict: Callable[[Any], Any] | None = None,
    gc_pause: bool = True,
) -> dict[str, float]:
    """Score ``model`` on ``data = (X, y)`` without recording a graph: the loss (if
    ``loss_fn`` is given) and each metric, as a dict ``{"loss": ..., "accuracy": ...}``.
    The cyclic garbage collector is paused while the model runs (see :func:`fit`).

    >>> from nn import MLP
    >>> model = MLP(1, [1], init=lambda fan_in, fan_out, rng: 1.0)    # model(x) = x
    >>> evaluate(model, ([[-2.0], [3.0], [0.5]], [0, 1, 0]))
    {'accuracy': 0.6666666666666666}
    """
    X, y = _check_data(data, "data")
    chosen = _metric_names(metrics)
    with no_grad(), _paused(_check_bool(gc_pause, "gc_pause")):
        outputs = [model(x) for x in X]
        result = {"loss": _call_loss(loss_fn, outputs, y).data} if loss_fn is not None else {}
    result.update(_scores(chosen, outputs, y, predict or _default_predict(y)))
    return result


def fit(
    model: Callable[[Any], Any],
    loss_fn: Callable[..., Any],
    optimizer: Any,
    train: Data,
    *,
    epochs: int,
    batch_size: int | None = None,
    val: Data | None = None,
    scheduler: Any = None,
    metrics: Sequence[Metric] = (),
    progress: bool = True,
    rng: random.Random | None = None,
    predict: Callable[[Any], Any] | None = None,
    traced: bool = False,
    patience: int | None = None,
    min_grad_norm: float | None = None,
    gc_pause: bool = True,
) -> History:
    """Train ``model`` for up to ``epochs`` passes over ``train = (X, y)`` and return its History.

    Each batch: ``outputs = [model(x) for x in X_batch]``, ``loss = loss_fn(outputs,
    y_batch)``, ``optimizer.zero_grad()``, ``loss.backward()``, ``optimizer.step()``
    (gradient descent θ ← θ - lr·∂loss/∂θ for SGD). ``batch_size=None`` uses the whole
    training set per step (full batch); with a ``batch_size`` the samples are shuffled by
    ``rng`` each epoch (``rng=None`` keeps their order). ``scheduler.step()`` runs after
    every epoch.

    The train loss of an epoch is the batch losses averaged, weighted by batch size; train
    metrics are measured on each batch's outputs as it is trained (before its update, as
    Keras and micrograd's demo report them); validation loss and metrics are measured after
    the epoch on ``val``, without recording a graph. See the module docstring for the
    conventions of ``loss_fn``, ``metrics`` and ``predict``. ``traced=True`` records each
    batch's graph once (``autograd.trace``) and replays it on later epochs, many times faster
    and with the same numbers bit for bit: a guard that fails re-traces, and the first replay
    of each trace is validated against the dynamic engine (see ``autograd.trace``). A tqdm
    bar shows epoch, loss and accuracy when ``progress`` is on and output is a terminal or a notebook.

    In a notebook the bar is a widget with the ``notebook`` extra (ipywidgets), else tqdm's
    text bar. Stopping, besides the number of ``epochs``:

    - ``patience=N`` (needs ``val``): early stopping. After each epoch the validation loss is
      compared with the best so far; when it has not improved for ``N`` epochs in a row,
      training stops and the parameters of the best epoch are put back (also when the
      epochs run out first). ``History.best_epoch`` says which epoch that was.
    - ``min_grad_norm=tol``: stop after an epoch in which every step's gradient norm
      ‖∇loss‖₂ = √(Σ ∂loss/∂θ²) was below ``tol``: the loss is flat, training has converged
      (or stalled). ``History.grad_norm`` records the largest norm of each epoch.

    ``History.stop_reason`` is ``"epochs"``, ``"patience"`` or ``"min_grad_norm"``.

    Python's cyclic garbage collector is paused around each training step and each
    evaluation (``autograd.gc_paused``) and restored exactly as it was found: a scalar graph
    is one object per node and holds no reference cycles, so reference counting frees it,
    while the collector's full passes over every live object of the process would cost a
    third to two thirds of the step (more in a process holding numpy, matplotlib, torch).
    ``gc_pause=False`` leaves the collector alone (e.g. if your model or loss builds
    reference cycles that must be collected during a long run).

    A non-finite loss stops training with a ``FloatingPointError``, an overflow inside the
    engine with an ``OverflowError``; both say to lower the learning rate.

    >>> import random
    >>> from nn import MLP, functional as F
    >>> from nn.optim import SGD
    >>> model = MLP(1, [1], rng=random.Random(0))               # y = w·x + b
    >>> data = ([[0.0], [1.0], [2.0]], [1.0, 3.0, 5.0])          # y = 2x + 1
    >>> h = fit(model, F.mse_loss, SGD(model.parameters(), lr=0.1), data, epochs=500,
    ...         min_grad_norm=1e-9)
    >>> h.stop_reason, h.epochs < 500, [round(p.data, 6) for p in model.parameters()]
    ('min_grad_norm', True, [2.0, 1.0])
    """
    X, y = _check_data(train, "train")
    val_data = _check_data(val, "val") if val is not None else None
    epochs = _check_int(epochs, "epochs", 1)
    if batch_size is not None:
        batch_size = _check_int(batch_size, "batch_size", 1)
    for name in ("zero_grad", "step"):
        if not callable(getattr(optimizer, name, None)):
            raise TypeError(
                f"fit(): optimizer must have {name}() (an nn.optim optimizer such as "
                f"SGD(model.parameters(), lr=0.1)), got {type(optimizer).__name__}"
            )
    if scheduler is not None and not callable(getattr(scheduler, "step", None)):
        raise TypeError(f"fit(): scheduler must have step(), got {type(scheduler).__name__}")
    if rng is not None and not isinstance(rng, random.Random):
        raise TypeError(
            f"fit(): rng must be a random.Random or None, got {type(rng).__name__}: {rng!r}; "
            "for a seed s pass rng=random.Random(s)"
        )
    if predict is not None and not callable(predict):
        raise TypeError(f"fit(): predict must be a function output -> label, got {type(predict).__name__}")
    if patience is not None:
        patience = _check_int(patience, "patience", 1)
        if val_data is None:
            raise ValueError(
                f"fit(): patience={patience} stops when the validation loss stops improving, but no "
                "validation data was given; pass val=(X_val, y_val) (e.g. from "
                "nn.data.train_val_test_split), or patience=None"
            )
    tol = _check_tolerance(min_grad_norm) if min_grad_norm is not None else None
    gc_pause = _check_bool(gc_pause, "fit(): gc_pause")
    chosen = _metric_names(metrics)
    predict = predict or _default_predict(y)
    params = _trained_params(model, optimizer) if (patience or tol) else _maybe_params(model, optimizer)
    step = (_make_traced_step if traced else _make_step)(model, loss_fn, optimizer)
    history = History(train={"loss": [], **{n: [] for n, _ in chosen}},
                      val={"loss": [], **{n: [] for n, _ in chosen}} if val_data is not None else {})
    stopper = _EarlyStopping(patience, params) if patience is not None else None
    bar = _progress_bar(epochs, progress)
    try:
        for epoch, (total, all_out, all_y, norm) in enumerate(
            _epochs(step, X, y, epochs, batch_size, rng, optimizer, params, history, bool(chosen), gc_pause)
        ):
            history.train["loss"].append(total / len(X))
            if norm is not None:
                history.grad_norm.append(norm)
            for k, v in _scores(chosen, all_out, all_y, predict).items():
                history.train[k].append(v)
            if val_data is not None:
                for k, v in evaluate(model, val_data, loss_fn=loss_fn, metrics=[m for _, m in chosen],
                                     predict=predict, gc_pause=gc_pause).items():
                    history.val[k].append(v)
            if scheduler is not None:
                scheduler.step()
            if bar is not None:
                bar.set_postfix(_postfix(history), refresh=False)
                bar.update(1)
            if stopper is not None and stopper.stop(epoch, history.val["loss"][-1]):
                history.stop_reason = "patience"
                break
            if tol is not None and norm is not None and norm < tol:
                history.stop_reason = "min_grad_norm"
                break
        if bar is not None and history.stop_reason != "epochs":
            # A planned stop is a finished run: a bar left short of its total closes red
            # (as a failure) in Jupyter, so end it at the epochs run, saying why.
            bar.total = bar.n
            container = getattr(bar, "container", None)  # the notebook bar's widgets
            if container is not None:
                container.children[1].max = bar.n  # the drawn bar full, not only the counts
            bar.set_description(f"epoch (stopped: {history.stop_reason})")
    finally:
        if bar is not None:
            bar.close()
    if stopper is not None:
        history.best_epoch = stopper.restore()
    return history


def _maybe_params(model: Any, optimizer: Any) -> list[Value] | None:
    try:
        return _trained_params(model, optimizer)
    except TypeError:
        return None  # a bare function as the model, with an optimizer of the user's own: no norms


def _epochs(
    step: StepFn, X: list[Any], y: list[Any], epochs: int, batch_size: int | None, rng: random.Random | None,
    optimizer: Any, params: list[Value] | None, history: History, keep_outputs: bool, gc_pause: bool,
) -> Iterator[tuple[float, list[Any], list[Any], float | None]]:
    """Run the epochs' steps; yield (summed batch loss × size, outputs, labels, max grad norm) per epoch."""
    for epoch in range(epochs):
        lr = getattr(optimizer, "lr", None)
        if isinstance(lr, (int, float)):
            history.lr.append(float(lr))
        total, all_out, all_y = 0.0, [], []
        norm: float | None = None
        parts = [(X, y)] if batch_size is None else _batches(X, y, batch_size, rng)
        for b, (Xb, yb) in enumerate(parts):
            try:
                with _paused(gc_pause):
                    loss, outputs = step(Xb, yb)
            except OverflowError as e:
                raise OverflowError(
                    f"fit(): {e} (epoch {epoch}, batch {b}); the training diverged: lower the "
                    "learning rate"
                ) from e
            if not math.isfinite(loss):
                raise FloatingPointError(
                    f"fit(): the loss became {loss} at epoch {epoch}, batch {b}; lower the learning "
                    "rate, or find the op with autograd.detect_anomaly()"
                )
            if params is not None:  # the step leaves this batch's gradient in .grad
                g = math.sqrt(math.fsum(p.grad * p.grad for p in params))
                norm = g if norm is None or g > norm or g != g else norm
            total += loss * len(Xb)
            if keep_outputs:
                all_out.extend(outputs)
                all_y.extend(yb)
        yield total, all_out, all_y, norm


class _EarlyStopping:
    """Track the best validation loss; keep a copy of the parameters from that epoch."""

    def __init__(self, patience: int, params: list[Value]) -> None:
        self.patience = patience
        self.params = params
        self.best = math.inf
        self.best_epoch: int | None = None
        self.best_data: list[float] = [p.data for p in params]
        self.waited = 0

    def stop(self, epoch: int, val_loss: float) -> bool:
        """Record this epoch's validation loss; True when it has not improved for ``patience`` epochs."""
        if val_loss < self.best:  # strictly lower: a plateau counts as no improvement
            self.best, self.best_epoch, self.waited = val_loss, epoch, 0
            self.best_data = [p.data for p in self.params]
            return False
        self.waited += 1
        return self.waited >= self.patience

    def restore(self) -> int | None:
        """Put the best epoch's parameters back; returns that epoch."""
        if self.best_epoch is not None:
            for p, d in zip(self.params, self.best_data):
                p.data = d
        return self.best_epoch


def _postfix(history: History) -> dict[str, str]:
    shown = {"loss": f"{history.train['loss'][-1]:.4f}"}
    if history.train.get("accuracy"):
        shown["acc"] = f"{history.train['accuracy'][-1]:.3f}"
    if history.val.get("loss"):
        shown["val_loss"] = f"{history.val['loss'][-1]:.4f}"
    if history.val.get("accuracy"):
        shown["val_acc"] = f"{history.val['accuracy'][-1]:.3f}"
    if history.grad_norm:
        shown["grad"] = f"{history.grad_norm[-1]:.2g}"
    return shown
