"""Bug: a second ``backward()`` compounds: the output's grad is set to 1 but the
intermediate nodes keep the gradients of the first call, which flow down again."""

from .good import Value as Good


class Value(Good):
    def backward(self):
        topo = self._topo()
        self.grad = 1.0  # BUG: intermediates keep the previous call's gradients
        for node in reversed(topo):
            node._backward()
