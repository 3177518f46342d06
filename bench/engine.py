"""Engine benchmark: chaingrad against micrograd (and PyTorch 0-d tensors if importable).

Three workloads, each run for every engine *interleaved in the same process* (the engine
order alternates between repetitions), with Python's garbage collector in its default
state; medians are reported with the ratio micrograd / chaingrad:

1. ``sum``   build + backward of a long sum of products ``x0*y0 + x1*y1 + ...``;
2. ``chain`` a deep chain ``x = relu(tanh(x)) * 1.5`` repeated;
3. ``train`` micrograd's demo training step: ``MLP(2, [16, 16, 1])`` on 100 two-moons
   points, hinge loss + L2 (alpha 1e-4), full batch, SGD (forward, backward, update).
   ``chaingrad`` runs ``nn.MLP``, micrograd its own ``micrograd.nn.MLP``; ``chaingrad
   mg-nn`` runs micrograd's nn code verbatim on chaingrad's Value (the engine alone,
   without nn's input checks); ``traced python`` / ``traced numpy`` replay the step with
   ``autograd.trace`` (each backend); ``torch vectorized`` is the same model and step as
   float64 tensors, one matmul per layer (when PyTorch is installed), for scale.

Sizes count *op nodes* (results of operations; the leaves are made before the clock
starts). ``spread`` is (max - min) / median over the repetitions: the machine's noise.
Peak bytes per node come from a separate, untimed ``tracemalloc`` pass over build +
backward (up to 10^5 nodes unless ``--memory-all``: the figure does not depend on size).
Between repetitions the graph is dropped and ``gc.collect()`` runs, untimed, so one
engine's garbage is never collected on another engine's clock.

micrograd 0.1.0 has no ``tanh``; the chain workload adds one to it in micrograd's own
closure style (as in Karpathy's lecture version).

    python bench/engine.py            # the default sizes (over 20 minutes on 2 cores: 10^6-node graphs)
    python bench/engine.py --quick    # small sizes, few repetitions (seconds)
    python bench/engine.py --json out.json
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import platform
import random
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import autograd
from autograd import Value

# micrograd's backward is recursive (depth = graph depth); pure-Python recursion does not
# use the C stack on 3.11+, so a high limit lets it run the deep graphs at all. Raised only
# when this file runs as a script: a module importing it (bench/floor.py, and so the test
# suite) keeps its own limit, which C code recursing under it (json's decoder) relies on.
DEEP_RECURSION_LIMIT = 4_000_000

perf = time.perf_counter


# ----------------------------------------------------------------------------- engines


@dataclass
class Engine:
    """How one library makes a leaf, runs backward, zeroes and updates parameters."""

    name: str
    leaf: Callable[[float], Any]
    backward: Callable[[Any], None]
    zero_grad: Callable[[list[Any]], None]
    update: Callable[[list[Any], float], None]
    data: Callable[[Any], float]
    set_data: Callable[[Any, float], None] = field(default=lambda v, x: setattr(v, "data", x))
    tanh: Callable[[Any], Any] = field(default=lambda v: v.tanh())
    relu: Callable[[Any], Any] = field(default=lambda v: v.relu())


def _zero_values(params: list[Any]) -> None:
    for p in params:
        p.grad = 0.0


def _sgd_values(params: list[Any], lr: float) -> None:
    for p in params:
        p.data -= lr * p.grad


def chaingrad_engine() -> Engine:
    return Engine("chaingrad", Value, lambda v: v.backward(), _zero_values, _sgd_values, lambda v: v.data)


def micrograd_engine() -> Engine | None:
    try:
        from micrograd.engine import Value as MValue
    except ImportError:
        return None
    if not hasattr(MValue, "tanh"):

        def tanh(self: Any) -> Any:  # micrograd's closure style, as in the lecture version
            t = math.tanh(self.data)
            out = MValue(t, (self,), "tanh")

            def _backward() -> None:
                self.grad += (1 - t * t) * out.grad

            out._backward = _backward
            return out

        MValue.tanh = tanh
    return Engine("micrograd", MValue, lambda v: v.backward(), _zero_values, _sgd_values, lambda v: v.data)


def torch_engine() -> Engine | None:
    try:
        import torch
    except ImportError:
        return None

    def leaf(x: float) -> Any:
        return torch.tensor(float(x), dtype=torch.float64, requires_grad=True)

    def zero(params: list[Any]) -> None:
        for p in params:
            p.grad = None

    def update(params: list[Any], lr: float) -> None:
        with torch.no_grad():
            for p in params:
                p -= lr * p.grad

    def set_data(p: Any, x: float) -> None:
        with torch.no_grad():
            p.fill_(x)

    return Engine("torch-0d", leaf, lambda v: v.backward(), zero, update, lambda v: float(v), set_data)


# ----------------------------------------------------------------------------- workloads


def sum_of_products(eng: Engine, n_nodes: int) -> dict[str, float]:
    """x0*y0 + x1*y1 + ... with n_nodes op nodes; returns seconds per phase."""
    pairs = (n_nodes + 1) // 2
    rng = random.Random(1)
    xs = [eng.leaf(rng.uniform(-1, 1)) for _ in range(pairs)]
    ys = [eng.leaf(rng.uniform(-1, 1)) for _ in range(pairs)]
    t0 = perf()
    acc = xs[0] * ys[0]
    for i in range(1, pairs):
        acc = acc + xs[i] * ys[i]
    t1 = perf()
    eng.backward(acc)
    t2 = perf()
    del acc, xs, ys
    return {"build": t1 - t0, "backward": t2 - t1}


def deep_chain(eng: Engine, n_nodes: int) -> dict[str, float]:
    """x = relu(tanh(x)) * 1.5, n_nodes // 3 times; returns seconds per phase."""
    x0 = eng.leaf(0.5)
    tanh, relu = eng.tanh, eng.relu
    t0 = perf()
    x = x0
    for _ in range(n_nodes // 3):
        x = relu(tanh(x)) * 1.5
    t1 = perf()
    eng.backward(x)
    t2 = perf()
    del x, x0
    return {"build": t1 - t0, "backward": t2 - t1}


def _op_nodes(workload: str, n: int) -> int:
    if workload == "sum":
        pairs = (n + 1) // 2
        return 2 * pairs - 1
    return 3 * (n // 3)


def peak_bytes(fn: Callable[[Engine, int], Any], eng: Engine, n: int) -> int:
    """Peak traced memory of one build + backward (leaves included), in bytes."""
    gc.collect()
    tracemalloc.start()
    try:
        fn(eng, n)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    gc.collect()
    return peak


# ------------------------------------------------------------------- training step


def make_moons(n: int, noise: float, rng: random.Random) -> tuple[list[list[float]], list[float]]:
    """Two interleaved half circles (sklearn's make_moons), labels -1 / +1."""
    n_out = n // 2
    n_in = n - n_out
    xs: list[list[float]] = []
    ys: list[float] = []
    for i in range(n_out):
        t = math.pi * i / (n_out - 1)
        xs.append([math.cos(t) + rng.gauss(0, noise), math.sin(t) + rng.gauss(0, noise)])
        ys.append(-1.0)
    for i in range(n_in):
        t = math.pi * i / (n_in - 1)
        xs.append([1 - math.cos(t) + rng.gauss(0, noise), 1 - math.sin(t) - 0.5 + rng.gauss(0, noise)])
        ys.append(1.0)
    return xs, ys


def moons(n: int, noise: float, rng: random.Random) -> tuple[list[list[float]], list[float]]:
    """nn.data.make_moons (labels mapped to -1 / +1) when nn has it, else :func:`make_moons`."""
    try:
        from nn.data import make_moons as nn_moons
    except ImportError:
        return make_moons(n, noise, rng)
    X, y = nn_moons(n, noise=noise, rng=rng)
    return [list(p) for p in X], [2.0 * t - 1.0 for t in y]


class Neuron:
    """micrograd's Neuron, generic over the engine's leaf (explicit rng)."""

    def __init__(self, leaf: Callable[[float], Any], nin: int, nonlin: bool, rng: random.Random):
        self.w = [leaf(rng.uniform(-1, 1)) for _ in range(nin)]
        self.b = leaf(0.0)
        self.nonlin = nonlin

    def __call__(self, x: list[Any]) -> Any:
        act = sum((wi * xi for wi, xi in zip(self.w, x)), self.b)
        return act.relu() if self.nonlin else act

    def parameters(self) -> list[Any]:
        return [*self.w, self.b]


class MLP:
    """micrograd's MLP (last layer linear), generic over the engine's leaf."""

    def __init__(self, leaf: Callable[[float], Any], nin: int, nouts: list[int], rng: random.Random):
        sz = [nin, *nouts]
        self.layers = [
            [Neuron(leaf, sz[i], i != len(nouts) - 1, rng) for _ in range(sz[i + 1])]
            for i in range(len(nouts))
        ]

    def __call__(self, x: list[Any]) -> Any:
        for layer in self.layers:
            out = [n(x) for n in layer]
            x = out[0] if len(out) == 1 else out
        return x

    def parameters(self) -> list[Any]:
        return [p for layer in self.layers for n in layer for p in n.parameters()]


def loss_fn(model: Any, X: list[list[Any]], y: list[float]) -> Any:
    """micrograd's demo loss: mean hinge loss + 1e-4 · Σ p²."""
    scores = list(map(model, X))
    losses = [(1 + -yi * si).relu() for yi, si in zip(y, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    reg_loss = 1e-4 * sum(p * p for p in model.parameters())
    return data_loss + reg_loss


@dataclass
class Trainer:
    """One engine's model on the shared data, stepping as micrograd's demo does."""

    eng: Engine
    model: Any
    X: list[list[float]]
    y: list[float]
    k: int = 0
    losses: list[float] = field(default_factory=list)

    def step(self) -> dict[str, float]:
        """One step of micrograd's demo loop: loss(), zero_grad(), backward(), SGD update."""
        eng, model = self.eng, self.model
        t0 = perf()
        inputs = [[eng.leaf(a) for a in row] for row in self.X]
        loss = loss_fn(model, inputs, self.y)
        t1 = perf()
        eng.zero_grad(model.parameters())
        eng.backward(loss)
        t2 = perf()
        eng.update(model.parameters(), 1.0 - 0.9 * self.k / 100)
        t3 = perf()
        self.k += 1
        self.losses.append(eng.data(loss))
        return {"forward": t1 - t0, "backward": t2 - t1, "update": t3 - t2}


TRACE_REPS = 3  # traces per backend; the median is the trace cost printed


class TracedTrainer(Trainer):
    """chaingrad's model, the loss traced once (``autograd.trace``) and replayed each step.

    The step zeroes and updates the parameters from a list held once (``traced.parameters``),
    as the torch vectorized row holds its tensors: walking ``model.parameters()`` twice a
    step costs about 1.3 ms for this model, as much as the numpy replay itself, and is not
    what this row measures (the dynamic rows keep micrograd's loop as it is).
    """

    def __init__(self, eng: Engine, model: Any, X: list[list[float]], y: list[float], backend: str = "auto"):
        super().__init__(eng, model, X, y)
        times, cpu, dyn_cpu = [], [], []
        for _ in range(TRACE_REPS):  # one sample on a shared machine swings by 2x
            self.traced = None  # the previous trace is freed first: ~20 ms, not part of tracing
            gc.collect()
            t0, c0 = perf(), time.process_time()
            self.traced = autograd.trace(lambda xs: loss_fn(model, xs, y), X, backend=backend)
            times.append(perf() - t0)
            cpu.append(time.process_time() - c0)
            gc.collect()  # and one dynamic step of the same model, in CPU time too (see below)
            c0 = time.process_time()
            loss = loss_fn(model, X, y)
            loss.backward()
            del loss
            dyn_cpu.append(time.process_time() - c0)
        for p in self.traced.parameters:
            p.grad = 0.0
        self.trace_seconds = statistics.median(times)
        self.trace_spread = (max(times) - min(times)) / self.trace_seconds
        # CPU time counts only this process: on a machine whose load exceeds its cores, wall
        # time mostly measures waiting for a core (a trace took 3.9 s of wall, 1.2 s of CPU)
        self.trace_in_dynamic_steps_cpu = statistics.median(cpu) / statistics.median(dyn_cpu)
        self.params = list(self.traced.parameters)
        assert set(map(id, self.params)) == set(map(id, model.parameters()))  # the bench's own invariant

    def step(self) -> dict[str, float]:
        t0 = perf()
        self.eng.zero_grad(self.params)
        loss = self.traced(self.X)  # forward + backward in one replay
        t1 = perf()
        self.eng.update(self.params, 1.0 - 0.9 * self.k / 100)
        t2 = perf()
        self.k += 1
        self.losses.append(loss)
        return {"forward+backward": t1 - t0, "update": t2 - t1}


class TorchVectorizedTrainer(Trainer):
    """The same model and step as float64 tensors: one matmul per layer (PyTorch, for scale)."""

    def __init__(self, eng: Engine, ref: Any, X: list[list[float]], y: list[float]):
        import torch

        torch.set_num_threads(1)  # tensors of 100 x 16: threads only add overhead (2 shared cores)
        super().__init__(eng, None, X, y)
        self.torch = torch
        self.params = []
        for layer in ref.layers:
            W = torch.tensor([[w.data for w in n.w] for n in layer], dtype=torch.float64, requires_grad=True)
            b = torch.tensor([n.b.data for n in layer], dtype=torch.float64, requires_grad=True)
            self.params += [W, b]
        self.Xt = torch.tensor(X, dtype=torch.float64)
        self.yt = torch.tensor(y, dtype=torch.float64)

    def step(self) -> dict[str, float]:
        torch = self.torch
        t0 = perf()
        h = self.Xt
        n_layers = len(self.params) // 2
        for i in range(n_layers):
            h = h @ self.params[2 * i].T + self.params[2 * i + 1]
            if i < n_layers - 1:
                h = h.relu()
        data_loss = (1 - self.yt * h[:, 0]).relu().mean()
        loss = data_loss + 1e-4 * sum((p * p).sum() for p in self.params)
        for p in self.params:
            p.grad = None
        loss.backward()
        t1 = perf()
        with torch.no_grad():
            lr = 1.0 - 0.9 * self.k / 100
            for p in self.params:
                p -= lr * p.grad
        t2 = perf()
        self.k += 1
        self.losses.append(loss.item())
        return {"forward+backward": t1 - t0, "update": t2 - t1}


def trace_trainers(ref: Any, X: list[list[float]], y: list[float], with_torch: bool) -> list[Trainer]:
    """The traced rows: chaingrad's step replayed by each backend, and PyTorch vectorized (if installed)."""
    out: list[Trainer] = []
    backends = ["python"]
    try:
        import numpy  # noqa: F401

        backends.append("numpy")
    except ImportError:
        print("numpy is not installed (pip install 'chaingrad[fast]'): no numpy replay row", file=sys.stderr)
    for backend in backends:
        model = _chaingrad_mlp(random.Random(0))
        for p, r in zip(model.parameters(), ref.parameters(), strict=True):
            p.data = r.data
        eng = chaingrad_engine()
        eng.name = f"traced {backend}"
        out.append(TracedTrainer(eng, model, X, y, backend=backend))
    if not with_torch:  # not installed, or --no-torch
        return out
    eng = chaingrad_engine()
    eng.name = "torch vectorized"
    out.append(TorchVectorizedTrainer(eng, ref, X, y))
    return out


def _chaingrad_mlp(rng: random.Random) -> Any:
    """nn.MLP when the nn package has it, else micrograd's MLP built inline on Value."""
    try:
        from nn import MLP as NNMLP
    except ImportError:
        return MLP(Value, 2, [16, 16, 1], rng)
    return NNMLP(2, [16, 16, 1], rng=rng)


def _micrograd_mlp() -> Any:
    """micrograd's own nn.MLP (it draws from the global random; its state is restored)."""
    from micrograd.nn import MLP as MicroMLP

    state = random.getstate()
    try:
        return MicroMLP(2, [16, 16, 1])
    finally:
        random.setstate(state)


def make_trainers(engines: list[Engine], traced: bool) -> list[Trainer]:
    rng = random.Random(1337)
    X, y = moons(100, 0.1, rng)
    ref = MLP(Value, 2, [16, 16, 1], random.Random(1337))
    trainers: list[Trainer] = []
    for eng in engines:
        if eng.name == "chaingrad":
            model = _chaingrad_mlp(random.Random(0))
        elif eng.name == "micrograd":
            model = _micrograd_mlp()
        else:
            model = MLP(eng.leaf, 2, [16, 16, 1], random.Random(0))
        for p, r in zip(model.parameters(), ref.parameters(), strict=True):  # identical weights everywhere
            eng.set_data(p, r.data)
        trainers.append(Trainer(eng, model, X, y))
    if any(e.name == "chaingrad" for e in engines):  # the engine alone: micrograd's own nn code on Value
        eng = chaingrad_engine()
        eng.name = "chaingrad mg-nn"
        model = MLP(Value, 2, [16, 16, 1], random.Random(0))
        for p, r in zip(model.parameters(), ref.parameters(), strict=True):
            p.data = r.data
        trainers.append(Trainer(eng, model, X, y))
    if traced:
        trainers += trace_trainers(ref, X, y, with_torch=any(e.name == "torch-0d" for e in engines))
    return trainers


# ----------------------------------------------------------------------------- running


Runner = tuple[str, Callable[[], dict[str, float]]]


def interleaved(runners: list[Runner], reps: int) -> dict[str, list[dict]]:
    """Run each runner ``reps`` times, alternating the order, collecting between runs."""
    out: dict[str, list[dict]] = {name: [] for name, _ in runners}
    for r in range(reps):
        order = runners if r % 2 == 0 else runners[::-1]
        for name, fn in order:
            gc.collect()
            out[name].append(fn())
    gc.collect()
    return out


def summarize(samples: list[dict[str, float]]) -> dict[str, Any]:
    phases = list(samples[0])
    res: dict[str, Any] = {p: statistics.median(s[p] for s in samples) for p in phases}
    totals = [sum(s.values()) for s in samples]
    med = statistics.median(totals)
    res["total"] = med
    res["spread"] = (max(totals) - min(totals)) / med if med else 0.0
    res["reps"] = len(samples)
    return res


def run_graph_workload(name: str, fn: Callable, engines: list[Engine], sizes: list[int], reps: int,
                       memory: bool | str) -> list[dict[str, Any]]:
    rows = []
    for n in sizes:
        nodes = _op_nodes(name, n)
        r = reps if n < 10**6 else max(3, reps // 2)
        got = interleaved([(e.name, (lambda e=e, n=n: fn(e, n))) for e in engines], r)
        for e in engines:
            s = summarize(got[e.name])
            row = {"workload": name, "size": nodes, "engine": e.name, **{k: s[k] for k in ("reps", "spread")}}
            for phase in ("build", "backward", "total"):
                row[f"{phase}_ns_per_node"] = s[phase] / nodes * 1e9
            # tracemalloc sees only Python's allocator, not PyTorch's: no figure for torch
            if e.name != "torch-0d" and (memory is True or (memory == "auto" and n <= 10**5)):
                row["peak_bytes_per_node"] = peak_bytes(fn, e, n) / nodes
            rows.append(row)
        _add_ratios(rows, nodes, name)
        _print_rows([x for x in rows if x["size"] == nodes])
    return rows


def _add_ratios(rows: list[dict[str, Any]], size: int, workload: str) -> None:
    here = [r for r in rows if r["size"] == size and r["workload"] == workload]
    mg = next((r for r in here if r["engine"] == "micrograd"), None)
    if mg is None:
        return
    for r in here:
        r["speedup_vs_micrograd"] = mg["total_ns_per_node"] / r["total_ns_per_node"]
        if "peak_bytes_per_node" in r:
            r["memory_vs_micrograd"] = r["peak_bytes_per_node"] / mg["peak_bytes_per_node"]


def _print_rows(rows: list[dict[str, Any]]) -> None:
    for r in rows:
        mem = r.get("peak_bytes_per_node")
        memr = r.get("memory_vs_micrograd")
        print(
            f"{r['workload']:<6}{r['size']:>9,} {r['engine']:<11}"
            f"{r['build_ns_per_node']:>9.0f}{r['backward_ns_per_node']:>9.0f}{r['total_ns_per_node']:>9.0f}"
            f"{r['spread'] * 100:>7.1f}%{r.get('speedup_vs_micrograd', float('nan')):>8.2f}x"
            + (f"{mem:>9.0f}{memr * 100:>7.0f}%" if mem is not None and memr is not None else
               f"{mem:>9.0f}" if mem is not None else ""),
            flush=True,
        )


def graph_header() -> None:
    print(f"{'work':<6}{'op nodes':>9} {'engine':<11}{'build':>9}{'backw':>9}{'total':>9}"
          f"{'spread':>8}{'speedup':>9}{'B/node':>9}{'mem':>8}")
    print(f"{'':<27}{'(ns per op node, median)':>27}")


def run_training(engines: list[Engine], reps: int, traced: bool) -> list[dict[str, Any]]:
    trainers = make_trainers(engines, traced)
    got = interleaved([(t.eng.name, t.step) for t in trainers], reps)
    # all engines start from the same weights and data: their losses must agree
    ref = trainers[0].losses
    for t in trainers[1:]:
        worst = max(abs(a - b) / max(1.0, abs(a)) for a, b in zip(ref, t.losses, strict=True))
        if worst > 1e-9:
            print(f"warning: {t.eng.name}'s losses differ from chaingrad's by {worst:.3g}", file=sys.stderr)
    rows = []
    for t in trainers:
        s = summarize(got[t.eng.name])
        row = {"workload": "train", "engine": t.eng.name, "reps": s["reps"], "spread": s["spread"],
               "ms_per_step": s["total"] * 1e3,
               "phases_ms": {k: s[k] * 1e3 for k in got[t.eng.name][0]}}
        if isinstance(t, TracedTrainer):
            row["trace_ms"] = t.trace_seconds * 1e3
            row["trace_spread"] = t.trace_spread
            row["trace_in_dynamic_steps_cpu"] = t.trace_in_dynamic_steps_cpu
            row["trace_in_dynamic_steps"] = t.trace_seconds * 1e3 / rows[0]["ms_per_step"]
        rows.append(row)
    mg = next((r for r in rows if r["engine"] == "micrograd"), None)
    cg = rows[0]
    for r in rows:
        if mg is not None:
            r["speedup_vs_micrograd"] = mg["ms_per_step"] / r["ms_per_step"]
        r["speedup_vs_chaingrad"] = cg["ms_per_step"] / r["ms_per_step"]
    print(f"{'engine':<17}{'ms/step':>9}{'spread':>8}{'vs mg':>8}{'vs cg':>8}  phases (ms)")
    for r in rows:
        phases = ", ".join(f"{k} {v:.1f}" for k, v in r["phases_ms"].items())
        extra = (f"; trace once {r['trace_ms']:.0f} ms (median of {TRACE_REPS}, spread "
                 f"{r['trace_spread'] * 100:.0f}%) = {r['trace_in_dynamic_steps']:.1f} dynamic steps "
                 f"({r['trace_in_dynamic_steps_cpu']:.1f} by CPU time)"
                 if "trace_ms" in r else "")
        print(f"{r['engine']:<17}{r['ms_per_step']:>9.2f}{r['spread'] * 100:>7.1f}%"
              f"{r.get('speedup_vs_micrograd', float('nan')):>7.1f}x{r['speedup_vs_chaingrad']:>7.1f}x"
              f"  {phases}{extra}", flush=True)
    _print_trace_ratios(rows)
    _print_trace_identity(trainers)
    return rows


def _print_trace_ratios(rows: list[dict[str, Any]]) -> None:
    """The trace targets, side by side: numpy replay vs PyTorch and micrograd, Python replay vs dynamic."""
    by = {r["engine"]: r for r in rows}
    cg, mg = by.get("chaingrad"), by.get("micrograd")
    tp, tn, tv = by.get("traced python"), by.get("traced numpy"), by.get("torch vectorized")
    parts = []
    if tn is not None and tv is not None:
        ratio = tn["ms_per_step"] / tv["ms_per_step"]
        parts.append(f"numpy replay / torch vectorized = {ratio:.2f}x (target <= 2)")
    if tn is not None and mg is not None:
        ratio = mg["ms_per_step"] / tn["ms_per_step"]
        parts.append(f"micrograd / numpy replay = {ratio:.0f}x (target >= 500)")
    if tp is not None and cg is not None:
        parts.append(f"dynamic / python replay = {cg['ms_per_step'] / tp['ms_per_step']:.1f}x (target >= 30)")
    for p in parts:
        print("  " + p)


def _print_trace_identity(trainers: list[Trainer]) -> None:
    """Whether each replay's losses equal the dynamic engine's bit for bit (same weights, same steps)."""
    ref = trainers[0].losses
    for t in trainers:
        if isinstance(t, TracedTrainer):
            same = sum(a == b for a, b in zip(ref, t.losses))
            print(f"  {t.eng.name}: {same} of {len(ref)} losses bit-identical to the dynamic engine's")


def gc_share(engines: list[Engine], n: int, reps: int) -> list[dict[str, Any]]:
    """Cyclic GC's share: the sum workload and the training step, collector on vs paused.

    Paused means ``autograd.gc_paused()`` around the timed work (the same
    ``gc.disable()``/``gc.enable()`` for micrograd); the share is 1 - paused / default.
    """
    trainers = {t.eng.name: t for t in make_trainers(engines, traced=False)}

    def paused(fn: Callable[[], dict[str, float]]) -> dict[str, float]:
        with autograd.gc_paused():
            return fn()

    cases: list[tuple[str, str, Callable[[], dict[str, float]]]] = []
    for e in engines:
        cases.append(("sum", e.name, lambda e=e: sum_of_products(e, n)))
    for name, t in trainers.items():
        cases.append(("train", name, t.step))
    runners: list[Runner] = []
    for work, name, fn in cases:
        runners.append((f"{work} {name}", fn))
        runners.append((f"{work} {name} paused", lambda fn=fn: paused(fn)))
    got = interleaved(runners, reps)
    rows = []
    print(f"{'workload':<10}{'engine':<17}{'gc default ms':>14}{'gc paused ms':>14}{'gc share':>10}")
    for work, name, _ in cases:
        on = summarize(got[f"{work} {name}"])
        off = summarize(got[f"{work} {name} paused"])
        share = 1 - off["total"] / on["total"]
        size = _op_nodes("sum", n) if work == "sum" else None
        ms_on, ms_off = on["total"] * 1e3, off["total"] * 1e3
        rows.append({"workload": f"gc-{work}", "size": size, "engine": name, "ms_gc_default": ms_on,
                     "ms_gc_paused": ms_off, "gc_share": share, "spread": max(on["spread"], off["spread"])})
        print(f"{work:<10}{name:<17}{ms_on:>14.1f}{ms_off:>14.1f}{share * 100:>9.0f}%")
    return rows


# ------------------------------------------------------- GC in a bare vs a loaded process
#
# The collector's full passes walk every live object of the *process*, so its cost grows with
# what the process holds besides the graph: measured here in fresh subprocesses, one per
# (setup, engine), so that nothing from this process (or the other engine) is counted.

GC_SETUPS = {
    "bare": (),
    "numpy+matplotlib": ("numpy", "matplotlib.pyplot"),  # what every notebook has imported
    "numpy+matplotlib+torch": ("numpy", "matplotlib.pyplot", "torch"),
}


def gc_child(setup: str, engine_name: str, reps: int) -> dict[str, Any]:
    """In this (fresh) process: import ``setup``'s modules, then time micrograd's demo step with
    the collector in its default state and paused (alternating), and return the medians."""
    import importlib

    for module in GC_SETUPS[setup]:
        importlib.import_module(module)
    eng = chaingrad_engine() if engine_name == "chaingrad" else micrograd_engine()
    if eng is None:
        raise SystemExit(f"{engine_name} is not installed")
    trainer = make_trainers([eng], traced=False)[0]
    on: list[float] = []
    off: list[float] = []
    trainer.step()  # warm up (first-call costs), untimed
    for r in range(reps):
        for paused in ((False, True) if r % 2 == 0 else (True, False)):
            gc.collect()
            if paused:
                with autograd.gc_paused():
                    off.append(sum(trainer.step().values()))
            else:
                on.append(sum(trainer.step().values()))
    return {"setup": setup, "engine": engine_name, "ms_gc_default": statistics.median(on) * 1e3,
            "ms_gc_paused": statistics.median(off) * 1e3, "objects": len(gc.get_objects())}


def gc_processes(reps: int, with_torch: bool, with_micrograd: bool) -> list[dict[str, Any]]:
    """The demo step per engine in a bare process and in processes that imported numpy and
    matplotlib (and torch), collector on vs paused: the table behind ``fit``'s ``gc_pause``."""
    import subprocess

    setups = [s for s in GC_SETUPS if with_torch or "torch" not in s]
    engines = ["chaingrad"] + (["micrograd"] if with_micrograd else [])
    rows = []
    print(f"{'process':<24}{'engine':<11}{'objects':>9}{'gc default ms':>15}{'gc paused ms':>14}"
          f"{'gc share':>10}{'vs mg':>8}")
    for setup in setups:
        here = []
        for name in engines:
            done = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--gc-child", setup, name,
                                   str(reps)], capture_output=True, text=True, check=False)
            if done.returncode != 0:
                print(f"{setup:<24}{name:<11} failed: {done.stderr.strip().splitlines()[-1:]}", flush=True)
                continue
            row = json.loads(done.stdout.strip().splitlines()[-1])
            row["workload"] = "gc-process"
            row["gc_share"] = 1 - row["ms_gc_paused"] / row["ms_gc_default"]
            here.append(row)
        mg = next((r for r in here if r["engine"] == "micrograd"), None)
        for row in here:
            if mg is not None:
                row["speedup_vs_micrograd"] = mg["ms_gc_default"] / row["ms_gc_default"]
            print(f"{setup:<24}{row['engine']:<11}{row['objects']:>9,}{row['ms_gc_default']:>15.1f}"
                  f"{row['ms_gc_paused']:>14.1f}{row['gc_share'] * 100:>9.0f}%"
                  f"{row.get('speedup_vs_micrograd', float('nan')):>7.1f}x", flush=True)
        rows += here
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="small sizes and few repetitions")
    ap.add_argument("--json", metavar="PATH", help="also write the results as JSON to PATH")
    ap.add_argument("--only", choices=["sum", "chain", "train", "gc"], action="append",
                    help="run only this workload (repeatable)")
    ap.add_argument("--no-memory", action="store_true", help="skip the tracemalloc pass")
    ap.add_argument("--memory-all", action="store_true",
                    help="also trace memory at 10^6 nodes (slow: bytes per node do not depend on size)")
    ap.add_argument("--no-torch", action="store_true", help="skip PyTorch even if importable")
    args = ap.parse_args(argv)

    engines = [chaingrad_engine()]
    mg = micrograd_engine()
    if mg is None:
        print("micrograd is not installed (pip install 'chaingrad[bench]'): no ratios", file=sys.stderr)
    else:
        engines.append(mg)
    tc = None if args.no_torch else torch_engine()
    if tc is not None:
        engines.append(tc)

    if args.quick:
        sizes, reps, train_reps, gc_n = [10**3, 10**4], 3, 3, 10**4
    else:
        sizes, reps, train_reps, gc_n = [10**4, 10**5, 10**6], 5, 5, 10**5
    only = set(args.only or ["sum", "chain", "train", "gc"])
    print(f"chaingrad engine benchmark — Python {platform.python_version()} on {platform.machine()}, "
          f"gc {'enabled' if gc.isenabled() else 'DISABLED'} (thresholds {gc.get_threshold()})")
    print(f"engines: {', '.join(e.name for e in engines)}; speedup = micrograd time / engine time\n")
    results: dict[str, Any] = {"python": platform.python_version(), "machine": platform.machine(),
                               "quick": args.quick, "rows": []}
    if only & {"sum", "chain"}:
        graph_header()
    memory: bool | str = False if args.no_memory else True if args.memory_all else "auto"
    if "sum" in only:
        results["rows"] += run_graph_workload("sum", sum_of_products, engines, sizes, reps, memory)
    if "chain" in only:
        results["rows"] += run_graph_workload("chain", deep_chain, engines, sizes, reps, memory)
    if "train" in only:
        print("\nworkload 3: micrograd's demo training step, MLP(2, [16, 16, 1]), 100 moons, hinge + L2, SGD")
        results["rows"] += run_training(engines, train_reps, traced=True)
    if "gc" in only:
        print(f"\ncyclic GC's share (sum workload: {_op_nodes('sum', gc_n):,} op nodes, build + backward; "
              "train: one step)")
        results["rows"] += gc_share(engines, gc_n, reps)
    if "gc" in only:
        print("\nmicrograd's demo step in fresh processes: bare, and after importing what a notebook has "
              "(objects = live objects the collector walks)")
        results["rows"] += gc_processes(3 if args.quick else 7, with_torch=tc is not None,
                                        with_micrograd=mg is not None)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))
        print(f"\nwrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.setrecursionlimit(max(sys.getrecursionlimit(), DEEP_RECURSION_LIMIT))
    if sys.argv[1:2] == ["--gc-child"]:  # one measurement of gc_processes, in a fresh process
        print(json.dumps(gc_child(sys.argv[2], sys.argv[3], int(sys.argv[4]))))
        raise SystemExit(0)
    raise SystemExit(main())
