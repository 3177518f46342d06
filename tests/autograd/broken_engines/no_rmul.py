"""Bug: no ``__rmul__``, so ``2 * x`` raises TypeError (and ``sum`` of Values, ``2 * x``
in a loss, ... fail)."""

from .good import Value as Good


class Value(Good):
    __rmul__ = None  # BUG: as if the method had never been written
