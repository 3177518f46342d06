"""Bug: backward recurses from the output into the children without a topological order,
so a node's rule runs once per path to it, before all of its gradient has arrived:
``b = a + a; c = b + b`` gives dc/da = 8, not 4."""

from .good import Value as Good


class Value(Good):
    def backward(self):
        self.grad = 1.0
        self._backprop()

    def _backprop(self):  # BUG: no topological sort; runs once per path
        self._backward()
        for child in self._prev:
            child._backprop()
