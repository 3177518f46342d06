"""Bug: backward frees the graph as it goes (drops each node's rule and children to save
memory), so a value used again after ``backward()`` no longer passes gradient back."""

from .good import Value as Good


class Value(Good):
    def backward(self):
        super().backward()
        for node in self._topo():  # BUG: the graph is gone for anyone who reuses a node
            node._backward = lambda: None
            node._prev = ()
