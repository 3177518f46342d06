"""Bug: ``=`` instead of ``+=`` in ``*``'s backward rule: a second contribution overwrites
the first, so ``x * x`` (and any node used twice) gets half its gradient."""

from .good import Value as Good


class Value(Good):
    def __mul__(self, other):
        other = self._wrap(other)
        out = type(self)(self.data * other.data, (self, other), "*")

        def _backward():
            self.grad = other.data * out.grad  # BUG: = instead of +=
            other.grad = self.data * out.grad

        out._backward = _backward
        return out
