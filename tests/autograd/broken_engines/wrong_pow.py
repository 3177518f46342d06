"""Bug: the power rule without the ``- 1``: d(x^n)/dx = n·x^n instead of n·x^(n-1)."""

from .good import Value as Good


class Value(Good):
    def __pow__(self, other):
        assert isinstance(other, (int, float)), "only int/float powers"
        out = type(self)(self.data**other, (self,), f"**{other}")

        def _backward():
            self.grad += other * self.data**other * out.grad  # BUG: exponent other - 1

        out._backward = _backward
        return out
