"""Forward and backward steps and the stepping viewer (kept import path): see
:mod:`autograd.see.steps` and :mod:`autograd.see.viewer`."""

from .see.pathsum import Path, Paths, paths
from .see.steps import ForwardStep, Step, backward_steps, forward_steps
from .see.viewer import MODES, STEP_MAX_NODES, StepThrough, step_through

__all__ = [
    "MODES",
    "STEP_MAX_NODES",
    "ForwardStep",
    "Path",
    "Paths",
    "Step",
    "StepThrough",
    "backward_steps",
    "forward_steps",
    "paths",
    "step_through",
]
