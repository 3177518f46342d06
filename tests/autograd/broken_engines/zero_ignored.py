"""Bug: ``v.grad = 0`` does not reset the gradient: the setter treats 0 as "no value"
(``value or old``), so the next backward adds to the old gradient."""

from .good import Value as Good


class Value(Good):
    @property
    def grad(self):
        return self.__dict__.get("_grad", 0.0)

    @grad.setter
    def grad(self, value):
        self.__dict__["_grad"] = value or self.__dict__.get("_grad", 0.0)  # BUG: 0 is falsy
