"""Drawing computation graphs, under its first import path: this module *is*
:mod:`autograd.see.render` (one module object, so patching ``autograd.render.X`` patches the
renderer itself)."""

import sys

from .see import render

sys.modules[__name__] = render
