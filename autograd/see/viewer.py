"""The stepping viewer: one SVG layout, the steps as data, a few dozen lines of JavaScript.

:class:`Walk` turns a graph and a mode ("forward", "backward" or "both") into frames:
frame 0 before any step, frame j after step j. The page holds one SVG, drawn as the final
frame (what shows without JavaScript), and per step only what changes: the caption, the
cells whose text changes, the edges whose colour changes, the nodes to outline. The script
replays those records, zooms (wheel, buttons, + - 0 keys), pans (drag), fits, follows the
current edge at a readable size, collapses scope clusters into one box (click) and, on a
click on a leaf, shows its paths to the output one by one with the running sum.
"""

from __future__ import annotations

import hashlib
import html
import itertools
import json
import os
from importlib import resources
from typing import TYPE_CHECKING, Any

from ..value import Value
from .pathsum import paths
from .render import (
    DEFAULT_TIMEOUT,
    Look,
    build_graph,
    check_root,
    clusters,
    find_params,
    fmt_number,
    node_names,
    ordered,
    render_sources,
    svg_body,
)
from .steps import ForwardStep, Step, backward_steps, forward_steps

if TYPE_CHECKING:  # pragma: no cover
    import graphviz

STEP_MAX_NODES = 600
"""Graphs above this many values are refused by default (Graphviz layout time)."""
MODES = ("forward", "backward", "both")
PAGE_PATHS = 64
"""The page lists at most this many paths per leaf (the count is always exact)."""

_BLUE, _RED, _GREY = "#2563eb", "#dc2626", "#9ca3af"


def _signed(x: float) -> str:
    text = fmt_number(x)
    return text if text.startswith("-") or text == "nan" else "+" + text


class Walk:
    """The frames of one pass (forward, backward or both) over ``root``'s graph, as data."""

    def __init__(self, root: Value, max_nodes: int | None, mode: str = "backward", *, params: Any = None,
                 group: str | None = None, where: str = "step_through()") -> None:
        check_root(root, where)
        if mode not in MODES:
            raise ValueError(f"{where}: mode must be one of {', '.join(MODES)}, got {mode!r}")
        self.root, self.mode, self.group = root, mode, group
        self.order = ordered(root, max_nodes, where)
        self.index = {node: k for k, node in enumerate(self.order)}
        self.params = find_params(self.order, params, where)
        self.names = node_names(self.order, self.params)
        self.by_node = dict(zip(self.order, self.names))
        self.forward = forward_steps(root) if mode != "backward" else []
        self.backward = backward_steps(root) if mode != "forward" else []
        self.steps: list[ForwardStep | Step] = [*self.forward, *self.backward]
        self.show_grad = mode != "forward"
        self._records = self._make_records()

    # -------------------------------------------------------------- states

    def _initial(self) -> tuple[list[str], list[str], dict[str, str]]:
        n = len(self.order)
        data = [f"data {fmt_number(v.data)}" for v in self.order]
        if self.mode != "backward":
            data = [d if v.is_leaf else "data" for d, v in zip(data, self.order)]
        grad = ["grad"] * n
        if self.mode == "backward":
            grad[-1] = f"grad {fmt_number(self.backward[0].upstream if self.backward else 1.0)}"
        edges = {}
        for k, v in enumerate(self.order):
            if not v.is_leaf:
                edges[f"o{k}"] = "todo" if self.mode != "backward" else "fwd"
                for i in range(len(v.children)):
                    edges[f"e{k}_{i}"] = "todo" if self.mode != "backward" else "fwd"
        return data, grad, edges

    def _make_records(self) -> list[dict[str, Any]]:
        """Per step: caption ``c``, changed cells ``s`` ([node, 0 data / 1 grad, text]),
        edge classes ``x`` ([id, class], kept), current edges ``cur`` and outlined nodes ``h``."""
        out = []
        for s in self.forward:
            k = self.index[s.node]
            ids = [f"e{k}_{i}" for i in range(len(s.operands))] + [f"o{k}"]
            out.append({"c": f"Forward {s.index + 1} of {len(self.forward)}: {s.explain(self.by_node)}",
                        "s": [[k, 0, f"data {fmt_number(s.data)}"]], "x": [[e, "fwd"] for e in ids],
                        "cur": ids, "h": [k]})
        started: set[int] = set()
        for s in self.backward:
            k, c = self.index[s.node], self.index[s.child]
            part = f" ({s.nth}/{s.fan_in})" if s.nth < s.fan_in else ""
            cells = [[c, 1, f"grad {fmt_number(s.child_grad)}{part}"]]
            if s.index == 0 and self.mode == "both":
                cells.insert(0, [k, 1, f"grad {fmt_number(s.upstream)}"])
            edge = f"e{k}_{s.operand}"
            x = [[edge, "done"]]
            cur = [edge]
            if k not in started:
                started.add(k)
                x.append([f"o{k}", "done"])
                cur.append(f"o{k}")
            caption = (f"Backward {s.index + 1} of {len(self.backward)}: {self.names[k]} → {self.names[c]}\n"
                       f"{s.explain(self.by_node)}")
            out.append({"c": caption, "s": cells, "x": x, "cur": cur, "h": [k, c]})
        if out:
            out[-1]["c"] += "\nDone: every " + ("gradient" if self.backward else "value") + " is final."
        return out

    def caption(self, j: int) -> str:
        """The words above frame ``j``."""
        if j == 0:
            n = len(self.steps)
            root = self.names[-1]
            if self.mode == "backward":
                g = fmt_number(self.backward[0].upstream if self.backward else 1.0)
                return (f"Start: ∂{root}/∂{root} = {g}, the output's gradient with respect to itself.\n"
                        f"Backward visits the graph's {n} edges in reverse topological order.")
            more = " then backward through its edges" if self.mode == "both" else ""
            return (f"Start: the inputs and parameters are known.\n"
                    f"Forward computes the {len(self.forward)} ops in topological order{more}.")
        return self._records[j - 1]["c"]

    def state(self, j: int) -> tuple[list[str], list[str], dict[str, str]]:
        """(data cells, grad cells, edge classes) after ``j`` steps."""
        n = len(self.steps)
        if not 0 <= j <= n:
            raise IndexError(f"frame {j} out of range: this pass has frames 0..{n}")
        data, grad, edges = self._initial()
        for r in self._records[:j]:
            for k, f, text in r["s"]:
                (data if f == 0 else grad)[k] = text
            edges.update(dict(r["x"]))
        return data, grad, edges

    def _widths(self) -> list[tuple[int, int]]:
        data, grad, _ = self._initial()
        wd, wg = [len(t) for t in data], [len(t) for t in grad]
        final_d, final_g, _ = self.state(len(self.steps))
        for k in range(len(self.order)):
            wd[k], wg[k] = max(wd[k], len(final_d[k])), max(wg[k], len(final_g[k]))
        for r in self._records:
            for k, f, text in r["s"]:
                if f == 0:
                    wd[k] = max(wd[k], len(text))
                else:
                    wg[k] = max(wg[k], len(text))
        return list(zip(wd, wg))

    def frame(self, j: int, rankdir: str = "LR", prefix: str = "") -> graphviz.Digraph:
        """Frame ``j`` as a Digraph: the graph after ``j`` steps, step j's edges in red."""
        data, grad, edges = self.state(j)
        cur = set(self._records[j - 1]["cur"]) if j else set()
        labels: dict[str, str] = {}
        for s in self.backward:
            labels[f"e{self.index[s.node]}_{s.operand}"] = _signed(s.contribution)
        edge_attrs: dict[tuple[int, int], dict[str, str]] = {}
        out_attrs: dict[int, dict[str, str]] = {}
        for eid, cls in edges.items():
            attrs = {"class": "cur" if eid in cur else cls}
            if eid in cur:
                attrs.update(color=_RED, fontcolor=_RED, penwidth="2.5")
            elif cls == "done":
                attrs.update(color=_BLUE, fontcolor=_BLUE)
            elif cls == "todo":
                attrs.update(color=_GREY)
            if eid in labels:  # every frame has every label, so every frame has one layout
                attrs["label"] = labels[eid]
                if cls != "done":
                    attrs["fontcolor"] = "transparent"
            if eid.startswith("o"):
                out_attrs[int(eid[1:])] = attrs
            else:
                k, i = eid[1:].split("_")
                edge_attrs[(int(k), int(i))] = attrs
        highlight = frozenset(self._records[j - 1]["h"]) if j else frozenset()
        look = Look(show_grad=self.show_grad, highlight=highlight, params=self.params, names=self.names,
                    data_text=data, grad_text=grad, widths=self._widths(), edge_attrs=edge_attrs,
                    out_attrs=out_attrs, prefix=prefix, group=self.group)
        return build_graph(self.order, rankdir, look)

    # -------------------------------------------------------------- page data

    def data(self, prefix: str) -> dict[str, Any]:
        """Everything the script needs, as JSON-able data."""
        data, grad, edges = self._initial()
        doc: dict[str, Any] = {
            "p": prefix, "n": len(self.steps), "start": self.caption(0),
            "data": data, "grad": grad if self.show_grad else None, "edges": edges, "steps": self._records,
            "names": self.names, "kids": [[self.index[c] for c in v.children] for v in self.order],
        }
        if self.group == "scope":
            _, boxes = clusters(self.order, self.params)
            doc["clusters"] = [{"key": b.key, "m": sorted(b.members), "out": b.output} for b in boxes]
        if self.backward:
            doc["paths"] = self._paths()
        return doc

    def _paths(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        final_grads = self.state(len(self.steps))[1]
        for k, v in enumerate(self.order):
            if not v.is_leaf or v.is_constant or v is self.root:
                continue
            found = paths(self.root, v, max_paths=PAGE_PATHS)
            running = 0.0
            listed = []
            for p in found:
                running += p.product
                hops = [[self.index[node], i] for node, i in zip(p.nodes[1:], p.operands)]
                words = " · ".join(fmt_number(g) for g in reversed(p.local_grads))
                listed.append([hops, f"{words} = {fmt_number(p.product)}", fmt_number(running)])
            out[str(k)] = {"count": found.count, "complete": found.complete, "paths": listed,
                           "note": found.statement(), "grad": final_grads[k]}
        return out


class StepThrough:
    """A viewer of one pass: shows in Jupyter as self-contained HTML, saves as a page.

    Build it with :func:`step_through`. ``steps`` are the steps (:class:`ForwardStep` and
    :class:`Step`); ``frame(j)`` is the graph after ``j`` of them; ``html()`` the viewer
    fragment, ``page()`` a standalone HTML page, ``save(path)`` writes that page and
    ``widget()`` (the ``notebook`` extra) drives it from Python.
    """

    def __init__(self, root: Value, *, mode: str = "backward", rankdir: str = "LR",
                 max_nodes: int | None = STEP_MAX_NODES, backend: str = "auto", params: Any = None,
                 group: str | None = None, timeout: float | None = DEFAULT_TIMEOUT) -> None:
        self._walk = Walk(root, max_nodes, mode, params=params, group=group)
        self.mode = mode
        self.rankdir = rankdir
        self.backend = backend
        self.timeout = timeout
        self._html: str | None = None
        self._svg: str | None = None

    @property
    def steps(self) -> list[ForwardStep | Step]:
        return self._walk.steps

    @property
    def names(self) -> list[str]:
        """The name drawn for each node, in topological order."""
        return list(self._walk.names)

    @property
    def nodes(self) -> list[Value]:
        """The graph's nodes in topological order (the order of :attr:`names`)."""
        return list(self._walk.order)

    def frame(self, j: int) -> graphviz.Digraph:
        """The graph after ``j`` steps (0 = before the first, ``len(steps)`` = done)."""
        return self._walk.frame(j, self.rankdir)

    def html(self) -> str:
        """The viewer as an HTML fragment (a ``<div>`` with its style, data and script)."""
        if self._html is None:
            self._html = self._make_html()
        return self._html

    def _parts(self) -> tuple[str, str, dict[str, Any]]:
        w = self._walk
        source = w.frame(len(w.steps), self.rankdir).source
        digest = hashlib.sha1(source.encode("utf-8")).hexdigest()[:8]
        uid = f"cg{digest}-{next(_viewer_ids)}"
        prefix = f"{uid}-"
        source = w.frame(len(w.steps), self.rankdir, prefix=prefix).source
        svg = svg_body(render_sources([source], self.backend, self.timeout)[0])
        return uid, svg, w.data(prefix)

    def _make_html(self) -> str:
        uid, svg, data = self._parts()
        n = len(self._walk.steps)
        final = "".join(f"<div>{html.escape(line)}</div>" for line in self._walk.caption(n).splitlines())
        payload = _json_for_script(data)
        return _TEMPLATE.format(uid=uid, n=n, svg=svg, caption=final, data=payload,
                                css=_CSS.replace("#ID", f"#{uid}"), js=VIEWER_JS, mode=self.mode)

    def page(self) -> str:
        """A standalone HTML page holding the viewer (no external files, no kernel)."""
        title = f"chaingrad: stepping through {self.mode} of {self._walk.names[-1]}"
        return (f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
                f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
                f"<title>{html.escape(title)}</title>\n</head>\n<body>\n{self.html()}\n</body>\n</html>\n")

    def save(self, path: str | os.PathLike[str]) -> str:
        """Write :meth:`page` to ``path`` (UTF-8); returns the path."""
        with open(path, "w", encoding="utf-8") as f:
            f.write(self.page())
        return os.fspath(path)

    def widget(self) -> Any:
        """A Jupyter widget driving this viewer from Python (needs the ``notebook`` extra)."""
        from .widget import StepWidget

        return StepWidget(self)

    def _repr_html_(self) -> str:
        return self.html()

    def __repr__(self) -> str:
        return f"StepThrough({len(self.steps)} steps of {self.mode} from {self._walk.names[-1]})"


def step_through(root: Value, **opts: Any) -> StepThrough:
    """A viewer stepping through ``root``'s forward and/or backward pass (display it in Jupyter, or save it).

    Options: ``mode`` ("backward" default, "forward", "both"), ``rankdir``, ``max_nodes``
    (default :data:`STEP_MAX_NODES`), ``backend``, ``timeout`` (seconds for the layout),
    ``params`` (as :func:`~autograd.draw`; default: the leaves built inside a scope) and
    ``group="scope"`` (each scope a cluster the viewer collapses and expands on click).
    Frame 0 is before any step, frame j after step j; the last shows every number and is
    what shows when JavaScript is off.

    >>> from autograd import Value
    >>> x = Value(2.0, label="x"); w = Value(-3.0, label="w")
    >>> viewer = step_through((x * w).tanh())
    >>> viewer
    StepThrough(3 steps of backward from L)
    >>> viewer.html().count("<svg")
    1
    """
    return StepThrough(root, **opts)


def _json_for_script(data: Any) -> str:
    """JSON safe inside ``<script type="application/json">`` (no ``</script>``, no ``<!--``)."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")


_viewer_ids = itertools.count()

_TEMPLATE = """<div class="chaingrad-steps" id="{uid}" tabindex="0" data-current="{n}" data-mode="{mode}">
<style>{css}</style>
<div class="cg-controls" hidden>
<button type="button" data-go="first" title="first step (Home)">|&#x25C0;</button>
<button type="button" data-go="prev" title="previous step (&#x2190;)">&#x25C0; prev</button>
<button type="button" data-go="play" title="play / pause (space)">&#x25B6; play</button>
<button type="button" data-go="next" title="next step (&#x2192;)">next &#x25B6;</button>
<button type="button" data-go="last" title="last step (End)">&#x25B6;|</button>
<input type="range" class="cg-slider" min="0" max="{n}" value="{n}" aria-label="step">
<span class="cg-pos">step {n} of {n}</span>
<span class="cg-sep"></span>
<button type="button" data-go="zoomin" title="zoom in (+)">+</button>
<button type="button" data-go="zoomout" title="zoom out (&#x2212;)">&#x2212;</button>
<button type="button" data-go="fit" title="the whole graph (0)">fit</button>
<button type="button" data-go="follow" title="keep the current step centred and readable (f)"
 aria-pressed="true">follow</button>
<button type="button" data-go="collapse" title="collapse every scope into one box">collapse</button>
<button type="button" data-go="expand" title="expand every scope">expand</button>
</div>
<div class="cg-text">{caption}</div>
<div class="cg-paths"></div>
<div class="cg-view">{svg}</div>
<script type="application/json" class="cg-data">{data}</script>
<script>{js}
chaingradViewer(document.getElementById("{uid}"));</script>
</div>"""

_CSS = (resources.files(__package__) / "viewer.css").read_text(encoding="utf-8")


VIEWER_JS = (resources.files(__package__) / "viewer.js").read_text(encoding="utf-8")
"""The viewer's script: ``chaingradViewer(box, api)`` (shared by the page and the widget)."""

