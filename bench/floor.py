"""How fast can a pure-Python scalar engine run micrograd's demo step at all? A floor to measure against.

The standing speed target for chaingrad's engine is a multiple of micrograd on its demo
training step (``MLP(2, [16, 16, 1])``, 100 two-moons points, hinge loss + L2, SGD), with
the garbage collector in its default state. This script asks what the *least* Python that
builds and differentiates the same graph reaches on this interpreter, so that a target can be
checked against what CPython allows rather than guessed.

The floor engine below is chaingrad's own design with everything a library needs taken out:
a node class with seven slots (no ``op``, no label or scope, no attribute dict), operators
with no type checks, no modes and no error messages, each neuron's sum built in one loop
(as ``autograd.dot`` builds it), and chaingrad's own walk and chain-rule loop
(``autograd.value.walk`` and ``propagate``, which read only these fields). It
builds node for node the graph chaingrad builds (``*`` and ``+`` per weight, a constant leaf
per plain number, in the same order), so its losses are checked to be **bit-identical** to
chaingrad's: the three engines do the same arithmetic, and only the interpreter work differs.

Interleaved in one process (the engine order alternates between repetitions), the median
ms per step, and micrograd's time over each engine's::

    python bench/floor.py              # 9 repetitions of each engine
    python bench/floor.py --reps 21
    ENGINE=floor STEPS=2 valgrind --tool=callgrind --callgrind-out-file=/dev/null \\
        python bench/floor.py --count    # instruction counts, as bench/step_instructions.py
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from engine import loss_fn as demo_loss  # micrograd's demo loss, as bench/engine.py times it

from autograd.value import propagate, walk


class N:
    """A node: the fields the chain rule needs and nothing else."""

    __slots__ = ("_c0", "_c1", "_g0", "_g1", "_mark", "data", "grad")

    def __mul__(self, other: Any) -> N:
        if type(other) is not N:
            other = leaf(float(other))
        a, b = self.data, other.data
        v = N()
        v.data = a * b
        v.grad = 0.0
        v._c0 = self
        v._c1 = other
        v._g0 = b
        v._g1 = a
        v._mark = 0
        return v

    def __rmul__(self, other: Any) -> N:  # number * node: the number is the first operand
        return leaf(float(other)) * self

    def __add__(self, other: Any) -> N:
        if type(other) is not N:
            other = leaf(float(other))
        v = N()
        v.data = self.data + other.data
        v.grad = 0.0
        v._c0 = self
        v._c1 = other
        v._g0 = 1.0
        v._g1 = 1.0
        v._mark = 0
        return v

    def __radd__(self, other: Any) -> N:
        return leaf(float(other)) + self

    def relu(self) -> N:
        a = self.data
        v = N()
        v.data = a if a > 0.0 else 0.0 if a <= 0.0 else a  # chaingrad's rule: nan stays nan
        v.grad = 0.0
        v._c0 = self
        v._c1 = None
        v._g0 = 1.0 if a > 0.0 else 0.0 if a <= 0.0 else a
        v._g1 = 0.0
        v._mark = 0
        return v

    def backward(self) -> None:
        order = walk(self, leaves=False)  # chaingrad's own walk and chain-rule loop: they only
        self.grad = 1.0  # read the fields above, so they run on these nodes as they are
        propagate(order)


def leaf(x: float) -> N:
    v = N()
    v.data = x
    v.grad = 0.0
    v._c0 = None
    v._c1 = None
    v._g0 = 0.0
    v._g1 = 0.0
    v._mark = 0
    return v


def neuron_sum(ws: list[N], xs: list[Any], b: N) -> N:
    """``b + w0·x0 + w1·x1 + …`` in one loop, the nodes ``autograd.dot`` builds."""
    acc = b
    s = b.data
    for w, x in zip(ws, xs):
        a = w.data
        if type(x) is not N:
            x = leaf(x)
        bx = x.data
        m = N()
        m.data = p = a * bx
        m.grad = 0.0
        m._c0 = w
        m._c1 = x
        m._g0 = bx
        m._g1 = a
        m._mark = 0
        n = N()
        n.data = s = s + p
        n.grad = 0.0
        n._c0 = acc
        n._c1 = m
        n._g0 = 1.0
        n._g1 = 1.0
        n._mark = 0
        acc = n
    return acc


class FloorMLP:
    """micrograd's MLP (relu hidden layers, linear output) on the floor engine."""

    def __init__(self, weights: list[list[tuple[list[float], float]]]):
        self.layers = [[([leaf(w) for w in ws], leaf(b)) for ws, b in layer] for layer in weights]

    def __call__(self, x: list[Any]) -> Any:
        last = len(self.layers) - 1
        for i, layer in enumerate(self.layers):
            out = [neuron_sum(ws, x, b) for ws, b in layer]
            if i != last:
                out = [o.relu() for o in out]
            x = out[0] if len(out) == 1 else out
        return x

    def parameters(self) -> list[N]:
        return [p for layer in self.layers for ws, b in layer for p in (*ws, b)]


class Stepper:
    """One engine's model stepping as micrograd's demo loop does (fixed learning rate)."""

    def __init__(self, name: str, model: Any, X: list[list[Any]], y: list[float], wrap: Any = None):
        self.name, self.model, self.X, self.y, self.wrap = name, model, X, y, wrap
        self.params = model.parameters()
        self.losses: list[float] = []

    def step(self) -> None:
        X = self.X if self.wrap is None else [list(map(self.wrap, row)) for row in self.X]
        loss = demo_loss(self.model, X, self.y)
        for p in self.params:
            p.grad = 0.0
        loss.backward()
        for p in self.params:
            p.data -= 0.05 * p.grad
        self.losses.append(loss.data)


def steppers(names: list[str]) -> list[Stepper]:
    from nn import MLP
    from nn.data import make_moons

    X, y01 = make_moons(100, noise=0.1, rng=random.Random(1337))
    X = [list(p) for p in X]
    y = [2.0 * t - 1.0 for t in y01]
    ref = MLP(2, [16, 16, 1], rng=random.Random(1337))
    weights = [[([w.data for w in n.w], n.b.data) for n in layer.neurons] for layer in ref.layers]
    out = []
    for name in names:
        if name == "chaingrad":
            out.append(Stepper(name, ref, X, y))
        elif name == "floor":
            out.append(Stepper(name, FloorMLP(weights), X, y))
        elif name == "micrograd":
            from micrograd.engine import Value as MV
            from micrograd.nn import MLP as MMLP

            state = random.getstate()
            mg = MMLP(2, [16, 16, 1])
            random.setstate(state)
            for p, r in zip(mg.parameters(), ref.parameters(), strict=True):
                p.data = r.data
            out.append(Stepper(name, mg, X, y, wrap=MV))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--reps", type=int, default=9, help="timed steps per engine (default 9)")
    ap.add_argument("--count", action="store_true",
                    help="run STEPS steps of ENGINE only, untimed (for valgrind's instruction counts)")
    args = ap.parse_args(argv)
    if args.count:
        sys.setrecursionlimit(100_000)
        (s,) = steppers([os.environ.get("ENGINE", "floor")])
        s.step()
        for _ in range(int(os.environ.get("STEPS", "2"))):
            s.step()
        return 0
    names = ["chaingrad", "floor"]
    try:
        import micrograd  # noqa: F401

        names.append("micrograd")
        sys.setrecursionlimit(100_000)  # micrograd's backward recurses as deep as the graph
    except ImportError:
        print("micrograd is not installed (pip install micrograd): chaingrad and the floor only")
    runs = steppers(names)
    times: dict[str, list[float]] = {s.name: [] for s in runs}
    for s in runs:
        s.step()  # warm-up, untimed (names chaingrad's module tree)
    for r in range(args.reps):
        for s in runs if r % 2 == 0 else runs[::-1]:
            gc.collect()  # untimed: no engine pays for another's garbage
            t0 = time.perf_counter()
            s.step()
            times[s.name].append(time.perf_counter() - t0)
    cg, fl = runs[0].losses, runs[1].losses
    if cg != fl:
        raise SystemExit(f"the floor engine's losses differ from chaingrad's: {cg[:3]} vs {fl[:3]}")
    print(f"{args.reps} steps each, interleaved, gc {'on' if gc.isenabled() else 'off'}; "
          f"floor losses bit-identical to chaingrad's over {len(cg)} steps")
    med = {k: statistics.median(v) for k, v in times.items()}
    print(f"{'engine':<11}{'ms/step':>9}{'spread':>8}{'micrograd /':>13}")
    for name, v in times.items():
        spread = (max(v) - min(v)) / med[name]
        ratio = f"{med['micrograd'] / med[name]:>12.1f}x" if "micrograd" in med else ""
        print(f"{name:<11}{med[name] * 1e3:>9.1f}{spread * 100:>7.0f}%{ratio}")
    print(f"chaingrad / floor = {med['chaingrad'] / med['floor']:.2f}x "
          "(what the library's checks, fields and nn modules cost)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
