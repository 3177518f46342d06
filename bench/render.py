"""The step viewer's cost: page bytes and build time at 9, 50 and ~500 values, system dot vs WebAssembly.

Run: ``.venv/bin/python bench/render.py`` (``--quick``: one run each). Graphs: a neuron with
a squared error (9 values), ``MLP(2, [4, 1])`` (50) and ``MLP(2, [12, 10, 1])`` (512) with a
squared-error loss, each stepped forward then backward (``mode="both"``) with its
parameters named and scopes grouped. Build time is ``step_through(...).page()``: the walk,
the steps, one Graphviz layout and the page; medians of 3 runs after one warm-up (the first
WebAssembly call compiles the module: shown separately). Also the Graphviz layout alone
for a ~300-value random DAG (the worst case for its crossing minimisation).
"""

from __future__ import annotations

import random
import statistics
import sys
import time

from autograd import Value, scope, step_through, topological_order
from autograd.render import choose_backend, draw


def neuron() -> tuple[Value, list[Value]]:
    x, w, b = Value(2.0, label="x"), Value(-3.0, label="w"), Value(6.88, label="b")
    return ((x * w + b).tanh() - 1.0) ** 2, [w, b]


def mlp(nin: int, nouts: list[int], seed: int = 0) -> tuple[Value, list]:
    from nn import MLP

    rng = random.Random(seed)
    model = MLP(nin, nouts, rng=rng)
    xs: list = [Value(rng.uniform(-1, 1), label=f"x{i}") for i in range(nin)]
    out = model(xs)
    if not out.scope:  # nn modules that do not enter their path yet: enter it here
        for i, layer in enumerate(model.layers):
            with scope(f"layers.{i}"):
                outs = []
                for j, unit in enumerate(layer.neurons):
                    with scope(f"neurons.{j}"):
                        outs.append(unit(xs))
            xs = outs
        out = xs[0]
    return (out - 1.0) ** 2, model.named_parameters()


def random_dag(n_values: int, seed: int = 0) -> Value:
    rng = random.Random(seed)
    nodes = [Value(rng.uniform(-1, 1), label=f"x{i}") for i in range(20)]
    while True:
        a, b = rng.choice(nodes[-30:]), rng.choice(nodes)
        v = (a * b) if rng.random() < 0.5 else (a + b).tanh()
        nodes.append(v)
        if len(topological_order(v)) >= n_values:
            return v


def build(root: Value, params: list, backend: str) -> tuple[float, int, int]:
    t = time.perf_counter()
    viewer = step_through(root, mode="both", params=params, group="scope", backend=backend, max_nodes=None,
                          timeout=300)
    page = viewer.page()
    return time.perf_counter() - t, len(page.encode("utf-8")), len(viewer.steps)


def main(argv: list[str]) -> None:
    runs = 1 if "--quick" in argv else 3
    backends = []
    for name in ("dot", "wasm"):
        try:
            choose_backend(name)
            backends.append(name)
        except RuntimeError as e:
            print(f"{name}: unavailable ({e})")
    if "wasm" in backends:
        t = time.perf_counter()
        choose_backend("wasm")[1]([draw(Value(1.0) + 1).source])
        print(f"wasm: first call (compiles the WebAssembly module) {time.perf_counter() - t:.2f} s\n")
    print(f"{'values':>6} {'steps':>6} {'backend':>8} {'page kB':>9} {'build s':>8}   target (issue 11)")
    for make in (neuron, lambda: mlp(2, [4, 1]), lambda: mlp(2, [12, 10, 1])):
        root, params = make()
        n = len(topological_order(root))
        target = {50: "<= 400 kB, <= 1 s"}.get(n, "<= 3 MB" if n >= 500 else "")
        for backend in backends:
            build(root, params, backend)  # warm-up
            times, size, steps = [], 0, 0
            for _ in range(runs):
                took, size, steps = build(root, params, backend)
                times.append(took)
            took = statistics.median(times)
            print(f"{n:>6} {steps:>6} {backend:>8} {size / 1e3:>9.0f} {took:>8.2f}   {target}")
    root = random_dag(300)
    source = draw(root, max_nodes=None).source
    for backend in backends:
        render = choose_backend(backend)[1]
        t = time.perf_counter()
        render([source], "svg", 300)
        print(f"layout only, random DAG of {len(topological_order(root))} values, {backend}: "
              f"{time.perf_counter() - t:.2f} s")


if __name__ == "__main__":
    main(sys.argv[1:])
