"""The chain rule as a sum over paths: ∂root/∂leaf = Σ over paths of the product of local derivatives.

Every path from ``leaf`` up to ``root`` follows one operand edge per step (``x * x`` gives
two paths through the same op); its product multiplies the local derivatives stored on
the nodes it passes. The products summed equal ``leaf.grad`` after ``root.backward()``, up
to rounding (backward adds the same terms grouped differently). The number of paths can
grow exponentially with depth, so :func:`paths` counts them exactly but lists at most
``max_paths``, and says so.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import overload

from ..backward import topological_order
from ..value import Value
from .render import check_root, fmt_number

MAX_PATHS = 1000
""":func:`paths` lists at most this many paths unless ``max_paths`` says otherwise."""


@dataclass(frozen=True)
class Path:
    """One path from a leaf up to the root.

    ``nodes`` run leaf first, root last; ``operands[i]`` is which operand of
    ``nodes[i + 1]`` the edge from ``nodes[i]`` is, and ``local_grads[i]`` that edge's local
    derivative; ``product`` is their product (1.0 for the empty path from root to itself).
    """

    nodes: tuple[Value, ...]
    operands: tuple[int, ...]
    local_grads: tuple[float, ...]
    product: float


class Paths(Sequence[Path]):
    """The paths :func:`paths` found: a sequence of :class:`Path`, plus ``count`` (how many
    exist, exactly), ``complete`` (all of them are listed) and ``total`` (the sum of the
    listed products: ``leaf.grad`` after ``root.backward()`` when complete)."""

    def __init__(self, root: Value, leaf: Value, found: list[Path], count: int) -> None:
        self.root = root
        self.leaf = leaf
        self._paths = found
        self.count = count
        self.complete = len(found) == count
        self.total = math.fsum(p.product for p in found) if all(math.isfinite(p.product) for p in found) \
            else sum(p.product for p in found)

    @overload
    def __getitem__(self, i: int) -> Path: ...
    @overload
    def __getitem__(self, i: slice) -> list[Path]: ...
    def __getitem__(self, i: int | slice) -> Path | list[Path]:
        return self._paths[i]

    def __len__(self) -> int:
        return len(self._paths)

    def __iter__(self) -> Iterator[Path]:
        return iter(self._paths)

    def statement(self) -> str:
        """One line: how many paths, and whether their sum is the whole gradient."""
        if self.complete:
            word = "path" if self.count == 1 else "paths"
            return f"{self.count} {word}; the sum of their products is {fmt_number(self.total)}"
        return (f"{self.count} paths, too many to list: showing the first {len(self)}; their products "
                f"sum to {fmt_number(self.total)}, which is NOT the whole gradient "
                f"(raise max_paths to see more)")

    def __repr__(self) -> str:
        return f"Paths({self.statement()})"


def paths(root: Value, leaf: Value, *, max_paths: int | None = MAX_PATHS) -> Paths:
    """Every path from ``leaf`` up to ``root``, each with the product of its local derivatives.

    ∂root/∂leaf = Σ_paths Π_edges ∂parent/∂child: the sum of the products is ``leaf.grad``
    after ``root.backward()`` (from zero), up to rounding. Paths are listed in a depth-first
    order from the root, operands in order; at most ``max_paths`` are listed (``count`` is
    always exact) and the result says when it is not complete. Iterative: any depth works.

    >>> from autograd import Value
    >>> x = Value(3.0, label="x")
    >>> y = x * x + x                  # dy/dx = 2x + 1 = 7: three paths
    >>> found = paths(y, x)
    >>> [p.product for p in found], found.count, found.complete
    ([3.0, 3.0, 1.0], 3, True)
    """
    check_root(root, "paths()")
    if not isinstance(leaf, Value):
        raise TypeError(f"paths(root, leaf): leaf must be a Value, got {type(leaf).__name__}: {leaf!r}")
    bad = isinstance(max_paths, bool) or not isinstance(max_paths, int) or max_paths < 0
    if max_paths is not None and bad:
        raise ValueError(f"paths(): max_paths must be a non-negative int or None, got {max_paths!r}")
    order = topological_order(root)
    count: dict[Value, int] = {}
    for node in order:  # children first: the number of paths from each node down to leaf
        count[node] = 1 if node is leaf else sum(count[c] for c in node.children)
    if leaf not in count:
        raise ValueError(f"paths(): {leaf!r} is not in the graph of {root!r}")
    limit = count[root] if max_paths is None else min(max_paths, count[root])
    found: list[Path] = []
    # Depth-first from the root: each stack entry is (node, next operand to try).
    stack: list[list[object]] = [[root, 0]]
    trail: list[tuple[Value, int, float]] = []  # (parent, operand, local grad) of each edge taken
    while stack and len(found) < limit:
        top = stack[-1]
        node: Value = top[0]  # type: ignore[assignment]
        if node is leaf:
            hops = list(reversed(trail))
            nodes = (leaf, *(p for p, _, _ in hops))
            product = 1.0
            for _, _, g in trail:  # root side first, as backward multiplies
                product = product * g
            found.append(Path(nodes, tuple(i for _, i, _ in hops), tuple(g for _, _, g in hops), product))
            stack.pop()
            if trail:
                trail.pop()
            continue
        i: int = top[1]  # type: ignore[assignment]
        kids = node.children
        while i < len(kids) and count[kids[i]] == 0:
            i += 1
        if i >= len(kids):
            stack.pop()
            if trail:
                trail.pop()
            continue
        top[1] = i + 1
        trail.append((node, i, node.local_grads[i]))
        stack.append([kids[i], 0])
    return Paths(root, leaf, found, count[root])
