"""Everything that checks gradients: central differences, Hypothesis strategies, engine checks.

* :mod:`autograd.check.gradcheck` — ``gradcheck``/``gradgradcheck`` against central differences;
* :mod:`autograd.check.strategies` — Hypothesis strategies for values and expression DAGs;
* :mod:`autograd.check.engine` — ``check_engine``: property tests for *any* micrograd-style
  ``Value`` class, driven only through micrograd's protocol;
* :mod:`autograd.check.forms` — the ways an op is called (``x * 2``, ``2 * x``, ``tanh(x)``)
  and small expression programs that run on any micrograd-style engine;
* :mod:`autograd.check.report` — the report ``check_engine`` returns (text and HTML);
* :mod:`autograd.check.cli` — the ``chaingrad check-engine`` subcommand.

The public names stay where users import them: ``autograd.gradcheck`` and
``autograd.testing``. Importing this package is light: Hypothesis is imported only by
the strategies and the engine checker.
"""
