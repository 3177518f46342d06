"""How long Graphviz takes to lay out ~300-value graphs with each backend, and the step viewer's cost.

Run: ``.venv/bin/python bench/render.py``. Two graph shapes: a layered, MLP-like graph
(how networks look) and a random DAG whose edges reach far back (the worst case for
Graphviz's crossing minimisation). Medians of a few runs; the first wasm call also
compiles the WebAssembly module.
"""

from __future__ import annotations

import random
import statistics
import time

from autograd import Value, topological_order
from autograd.render import choose_backend, draw
from autograd.steps import step_through


def random_dag(n_values: int, seed: int = 0) -> Value:
    rng = random.Random(seed)
    nodes = [Value(rng.uniform(-1, 1), label=f"x{i}") for i in range(20)]
    while True:
        a, b = rng.choice(nodes[-30:]), rng.choice(nodes)
        v = (a * b) if rng.random() < 0.5 else (a + b).tanh()
        nodes.append(v)
        if len(topological_order(v)) >= n_values:
            return v


def mlp_like(n_values: int, seed: int = 0) -> Value:
    rng = random.Random(seed)
    layer = [Value(rng.uniform(-1, 1), label=f"x{i}") for i in range(2)]
    while True:
        out = []
        for _ in range(4):
            act = Value(0.0, label="b")
            for x in layer:
                act = act + Value(rng.uniform(-1, 1), label="w") * x
            out.append(act.tanh())
        layer = out
        total = sum(layer[1:], layer[0])
        if len(topological_order(total)) >= n_values:
            return total


def main() -> None:
    for name, root in (("layered (MLP-like)", mlp_like(300)), ("random DAG", random_dag(300))):
        root.backward()
        source = draw(root, max_nodes=None).source
        print(f"{name}: {len(topological_order(root))} values")
        for backend in ("dot", "wasm"):
            try:
                _, render = choose_backend(backend)
            except RuntimeError as e:
                print(f"  {backend}: unavailable ({e})")
                continue
            t = time.perf_counter()
            render([source])
            first = time.perf_counter() - t
            runs = []
            for _ in range(3):
                t = time.perf_counter()
                render([source])
                runs.append(time.perf_counter() - t)
            print(f"  {backend:4}: first call {first:.2f} s, median of 3 {statistics.median(runs):.2f} s")
    x, w, b = Value(2.0, label="x"), Value(-3.0, label="w"), Value(6.88, label="b")
    cases = (("neuron tanh(x*w + b)", (x * w + b).tanh()), ("random DAG, 50 values", random_dag(50, 1)))
    for name, root in cases:
        for backend in ("dot", "wasm"):
            t = time.perf_counter()
            viewer = step_through(root, backend=backend, max_nodes=None)
            page = viewer.page()
            took = time.perf_counter() - t
            print(f"step viewer, {name}, {backend}: {len(viewer.steps)} steps, {took:.2f} s, "
                  f"{len(page) / 1e3:.0f} kB")


if __name__ == "__main__":
    main()
