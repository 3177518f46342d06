"""Bug: ``x - y`` written directly with the wrong sign for y: d(x - y)/dy = +1."""

from .good import Value as Good


class Value(Good):
    def __sub__(self, other):
        other = self._wrap(other)
        out = type(self)(self.data - other.data, (self, other), "-")

        def _backward():
            self.grad += out.grad
            other.grad += out.grad  # BUG: should be -= (d/dy = -1)

        out._backward = _backward
        return out
