"""Property-testing gradients: Hypothesis strategies for your own tests, and
:func:`check_engine`, which checks *any* micrograd-style engine and names the bug.

Needs the ``hypothesis`` extra (``pip install 'chaingrad[hypothesis]'``). The code lives in
:mod:`autograd.check` (strategies, engine checks, report); this is the name to import.

>>> from hypothesis import given
>>> from autograd import gradcheck
>>> from autograd.testing import expressions
>>> @given(expressions())
... def test_backprop_matches_finite_differences(expr):
...     assert gradcheck(expr, expr.point)
>>> test_backprop_matches_finite_differences()

and for your own engine (``from micrograd.engine import Value as V``, say):

>>> from autograd.testing import check_engine
>>> from autograd import Value as V
>>> check_engine(V, max_examples=20, depths=(100,)).ok
True
"""

from .check.engine import DEFAULT_DEPTHS, assert_engine_correct, check_engine
from .check.report import CHECKS, EngineCheckError, EngineReport, Failure, Result
from .check.strategies import (
    DOMAIN_BOUNDARIES,
    EDGE_POINTS,
    KINK_MARGIN,
    MAX_MAGNITUDE,
    Expression,
    OpCall,
    edge_points,
    expressions,
    op_calls,
    values,
)

__all__ = [
    "CHECKS",
    "DEFAULT_DEPTHS",
    "DOMAIN_BOUNDARIES",
    "EDGE_POINTS",
    "KINK_MARGIN",
    "MAX_MAGNITUDE",
    "EngineCheckError",
    "EngineReport",
    "Expression",
    "Failure",
    "OpCall",
    "Result",
    "assert_engine_correct",
    "check_engine",
    "edge_points",
    "expressions",
    "op_calls",
    "values",
]
