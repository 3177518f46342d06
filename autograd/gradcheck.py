"""Gradient checking against central finite differences (implemented in
:mod:`autograd.check.gradcheck`; this is the name users import).

>>> from autograd.gradcheck import gradcheck
>>> gradcheck(lambda x: x * x, [3.0])
True
"""

from .check.gradcheck import (
    GradcheckError,
    gradcheck,
    gradgradcheck,
    numerical_grad,
)

__all__ = ["GradcheckError", "gradcheck", "gradgradcheck", "numerical_grad"]
