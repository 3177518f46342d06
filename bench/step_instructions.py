"""Instructions per training step, counted by valgrind: a figure that repeats on a busy machine.

Wall-clock timings on a shared machine swing by 2x between runs; callgrind's instruction count
does not. This runs ``STEPS`` of micrograd's demo training step (``MLP(2, [16, 16, 1])``,
100 two-moons points, hinge loss + L2, SGD) on chaingrad's ``nn``, after one untimed step
(the first call names the module tree); the difference between two counts is the cost of the
steps (import and setup cancel out)::

    CG="valgrind --tool=callgrind --callgrind-out-file=/dev/null"
    STEPS=0 $CG .venv/bin/python bench/step_instructions.py
    STEPS=2 $CG .venv/bin/python bench/step_instructions.py
    # instructions per step = (I refs with STEPS=2 - I refs with STEPS=0) / 2

``ENGINE=micrograd`` runs micrograd 0.1.0's own ``nn`` and ``Value`` instead (its demo loop:
inputs wrapped with ``Value``, the same seeds for the data). ``GC=0`` runs with the cyclic
collector disabled; ``PHASE=fwd`` stops each step after the forward pass (``PHASE=loss``
after the loss, ``PHASE=walk`` after the topological walk instead of ``backward()``), so
phases can be counted by difference. ``PHASE=trace`` counts tracing instead: after one
untimed trace (kernels compiled, caches warm) it runs ``STEPS`` traces of the step's loss
(``autograd.trace``, ``BACKEND=python`` or ``numpy``), each freeing the one before, so the
difference between ``STEPS=1`` and ``STEPS=0`` is one trace and one freeing of a trace (divide by
the step's count for "dynamic steps"; ``PYTHONHASHSEED=0`` makes the counts repeat exactly).

Run it from another checkout (``git worktree add /tmp/old REV``, then ``cd /tmp/old``) to
compare two versions of the engine: it imports the ``autograd`` and ``nn`` of the current
folder.
"""

import gc
import os
import random
import sys

sys.path.insert(0, os.getcwd())

from nn import MLP
from nn.data import make_moons

rng = random.Random(0)
X, y = make_moons(100, noise=0.1, rng=rng)
y = [2 * t - 1 for t in y]
if os.environ.get("ENGINE") == "micrograd":
    from micrograd.engine import Value as MicrogradValue
    from micrograd.nn import MLP as MicrogradMLP

    sys.setrecursionlimit(100_000)  # its backward recurses as deep as the graph
    random.seed(1337)  # micrograd's nn draws its weights from the global generator
    mg = MicrogradMLP(2, [16, 16, 1])
    X = [list(map(MicrogradValue, row)) for row in X]
    model = mg  # type: ignore[assignment]
else:
    model = MLP(2, [16, 16, 1], rng=random.Random(1337))
params = model.parameters()
if os.environ.get("GC") == "0":
    gc.disable()
PHASE = os.environ.get("PHASE", "all")


def loss_of(xs: list) -> object:
    """The step's loss: hinge on the scores, averaged, plus L2 on the parameters."""
    scores = [model(x) for x in xs]
    losses = [(1 + -yi * si).relu() for yi, si in zip(y, scores)]
    return sum(losses) * (1.0 / len(losses)) + 1e-4 * sum(p * p for p in params)


def step() -> None:
    if PHASE == "fwd":
        [model(x) for x in X]
        return
    loss = loss_of(X)
    if PHASE == "loss":
        return
    model.zero_grad()
    if PHASE == "walk":
        from autograd.value import walk

        walk(loss, leaves=False)
        return
    loss.backward()
    for p in params:
        p.data -= 0.01 * p.grad


if PHASE == "trace":
    import autograd

    BACKEND = os.environ.get("BACKEND", "python")
    traced = autograd.trace(loss_of, X, backend=BACKEND)
    for _ in range(int(os.environ.get("STEPS", "1"))):
        del traced
        traced = autograd.trace(loss_of, X, backend=BACKEND)
else:
    step()
    for _ in range(int(os.environ.get("STEPS", "2"))):
        step()
