"""A correct micrograd-style engine, as a student would write it after the lecture: closures
for the backward rules, a topological sort with an explicit stack, ``+=`` everywhere.
New nodes are made with ``type(self)`` so that each broken engine (a subclass overriding one
method) is broken wherever that method runs. It has no ``sqrt``, ``sin``, ``cos``, ``abs``
or ``Value ** Value``: check_engine lists those as missing."""

import math


class Value:
    def __init__(self, data, _children=(), _op=""):
        self.data = data
        self.grad = 0.0
        self._backward = lambda: None
        self._prev = tuple(_children)
        self._op = _op

    def _wrap(self, other):
        return other if isinstance(other, Value) else type(self)(other)

    def __add__(self, other):
        other = self._wrap(other)
        out = type(self)(self.data + other.data, (self, other), "+")

        def _backward():
            self.grad += out.grad
            other.grad += out.grad

        out._backward = _backward
        return out

    def __mul__(self, other):
        other = self._wrap(other)
        out = type(self)(self.data * other.data, (self, other), "*")

        def _backward():
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad

        out._backward = _backward
        return out

    def __pow__(self, other):
        assert isinstance(other, (int, float)), "only int/float powers"
        out = type(self)(self.data**other, (self,), f"**{other}")

        def _backward():
            self.grad += other * self.data ** (other - 1) * out.grad

        out._backward = _backward
        return out

    def _unary(self, value, local, op):
        out = type(self)(value, (self,), op)

        def _backward():
            self.grad += local(out) * out.grad

        out._backward = _backward
        return out

    def tanh(self):
        return self._unary(math.tanh(self.data), lambda out: 1 - out.data**2, "tanh")

    def exp(self):
        return self._unary(math.exp(self.data), lambda out: out.data, "exp")

    def log(self):
        return self._unary(math.log(self.data), lambda out: 1 / self.data, "log")

    def relu(self):
        return self._unary(max(0.0, self.data), lambda out: float(self.data > 0), "relu")

    def sigmoid(self):
        s = 1 / (1 + math.exp(-self.data))
        return self._unary(s, lambda out: out.data * (1 - out.data), "sigmoid")

    def _topo(self):
        order, seen, stack = [], set(), [(self, False)]
        while stack:
            node, done = stack.pop()
            if done:
                order.append(node)
            elif node not in seen:
                seen.add(node)
                stack.append((node, True))
                stack.extend((c, False) for c in node._prev if c not in seen)
        return order

    def backward(self):
        topo = self._topo()
        for node in topo:
            if node._prev:
                node.grad = 0.0  # interior nodes: this call's gradients only, so a second call adds once
        self.grad += 1.0
        for node in reversed(topo):
            node._backward()

    def __neg__(self):
        return self * -1

    def __radd__(self, other):
        return self + other

    def __sub__(self, other):
        return self + (-other)

    def __rsub__(self, other):
        return other + (-self)

    def __rmul__(self, other):
        return self * other

    def __truediv__(self, other):
        return self * other**-1

    def __rtruediv__(self, other):
        return other * self**-1

    def __repr__(self):
        return f"Value(data={self.data}, grad={self.grad})"
