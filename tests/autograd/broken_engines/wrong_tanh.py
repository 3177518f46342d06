"""Bug: tanh's derivative written with the input instead of the output: 1 - x² instead of
1 - tanh(x)²."""

import math

from .good import Value as Good


class Value(Good):
    def tanh(self):
        x = self.data
        return self._unary(math.tanh(x), lambda out: 1 - x**2, "tanh")  # BUG: 1 - tanh(x)**2
