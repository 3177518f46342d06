"""chaingrad's engine: scalar reverse-mode automatic differentiation you can see and check.

>>> from autograd import Value
>>> x = Value(2.0, label="x")
>>> y = (x * x + 1).log()
>>> y.backward()
>>> round(x.grad, 6)        # d/dx log(x² + 1) = 2x / (x² + 1)
0.8

Rendering, stepping and the Hypothesis strategies import their heavier dependencies only
when first used.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from .backward import backward, grad, topological_order, zero_grad
from .gradcheck import GradcheckError, gradcheck, gradgradcheck, numerical_grad
from .modes import AnomalyError, current_scope, detect_anomaly, gc_paused, is_grad_enabled, no_grad, scope
from .ops import OPS, Op, op_of
from .tracing import Traced, TraceMismatchError, trace
from .value import Const, Value, constant, dot, tag_scope

__version__ = "0.1.0"

# name -> submodule, imported on first access (keeps `import autograd` light)
_LAZY = {
    "draw": "render",
    "to_svg": "render",
    "save_svg": "render",
    "to_png": "render",
    "backward_steps": "steps",
    "forward_steps": "steps",
    "step_through": "steps",
    "paths": "steps",
}

__all__ = [
    "OPS",
    "AnomalyError",
    "Const",
    "GradcheckError",
    "Op",
    "TraceMismatchError",
    "Traced",
    "Value",
    "backward",
    "constant",
    "current_scope",
    "detect_anomaly",
    "dot",
    "gc_paused",
    "grad",
    "gradcheck",
    "gradgradcheck",
    "is_grad_enabled",
    "no_grad",
    "numerical_grad",
    "op_of",
    "scope",
    "tag_scope",
    "topological_order",
    "trace",
    "zero_grad",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'autograd' has no attribute {name!r}")
    return getattr(import_module(f".{module}", __name__), name)
