"""Bug: children and their local derivatives kept in a set and a dict keyed by child, so
``x * x`` and ``x + x`` keep one edge instead of two."""

from .good import Value as Good


class Value(Good):
    def _binary(self, other, data, locals_, op):
        other = self._wrap(other)
        out = type(self)(data(other), (), op)
        out._prev = {self, other}  # BUG: a set of children
        local = dict(zip((self, other), locals_(other)))  # ... and one entry per distinct child

        def _backward():
            for child, d in local.items():
                child.grad += d * out.grad

        out._backward = _backward
        return out

    def __add__(self, other):
        return self._binary(other, lambda o: self.data + o.data, lambda o: (1.0, 1.0), "+")

    def __mul__(self, other):
        return self._binary(other, lambda o: self.data * o.data, lambda o: (o.data, self.data), "*")
