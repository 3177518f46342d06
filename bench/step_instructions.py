"""Instructions per training step, counted by valgrind: a figure that repeats on a busy machine.

Wall-clock timings on a shared machine swing by 2x between runs; callgrind's instruction count
does not. This runs ``STEPS`` of micrograd's demo training step (``MLP(2, [16, 16, 1])``,
100 two-moons points, hinge loss + L2, SGD) on chaingrad's ``nn``; the difference between
two counts is the cost of the steps (import and setup cancel out)::

    CG="valgrind --tool=callgrind --callgrind-out-file=/dev/null"
    STEPS=0 $CG .venv/bin/python bench/step_instructions.py
    STEPS=2 $CG .venv/bin/python bench/step_instructions.py
    # instructions per step = (I refs with STEPS=2 - I refs with STEPS=0) / 2

Run it from another checkout (``git worktree add /tmp/old REV``, then ``cd /tmp/old``) to
compare two versions of the engine: it imports the ``autograd`` and ``nn`` of the current
folder.
"""

import os
import random
import sys

sys.path.insert(0, os.getcwd())

from nn import MLP
from nn.data import make_moons

rng = random.Random(0)
X, y = make_moons(100, noise=0.1, rng=rng)
y = [2 * t - 1 for t in y]
model = MLP(2, [16, 16, 1], rng=random.Random(1337))


def step() -> None:
    scores = [model(x) for x in X]
    losses = [(1 + -yi * si).relu() for yi, si in zip(y, scores)]
    loss = sum(losses) * (1.0 / len(losses)) + 1e-4 * sum(p * p for p in model.parameters())
    model.zero_grad()
    loss.backward()
    for p in model.parameters():
        p.data -= 0.01 * p.grad


for _ in range(int(os.environ.get("STEPS", "2"))):
    step()
