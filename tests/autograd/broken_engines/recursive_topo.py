"""Bug: micrograd's recursive topological sort: ``RecursionError`` on a graph about 1000
deep (Python's default recursion limit)."""

from .good import Value as Good


class Value(Good):
    def _topo(self):
        topo, visited = [], set()

        def build(v):  # BUG: recursion, one frame per level of the graph
            if v not in visited:
                visited.add(v)
                for child in v._prev:
                    build(child)
                topo.append(v)

        build(self)
        return topo
