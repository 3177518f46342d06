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
            cells = [[c, 1, f"grad {fmt_number(s.child_grad)}" + (f" ({s.nth}/{s.fan_in})" if s.nth < s.fan_in else "")]]
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
            grad_k = self.state(len(self.steps))[1][k]
            out[str(k)] = {"count": found.count, "complete": found.complete, "paths": listed,
                           "note": found.statement(), "grad": grad_k}
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
        return _TEMPLATE.format(uid=uid, n=n, svg=svg, caption=final, data=payload, css=_CSS.replace("#ID", f"#{uid}"),
                                js=VIEWER_JS, mode=self.mode)

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
    """A viewer that steps through ``root``'s forward and/or backward pass (display it in Jupyter, or save it).

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
<button type="button" data-go="follow" title="keep the current step centred and readable (f)" aria-pressed="true">follow</button>
<button type="button" data-go="collapse" title="collapse every scope into one box">collapse</button>
<button type="button" data-go="expand" title="expand every scope">expand</button>
</div>
<div class="cg-text">{caption}</div>
<div class="cg-paths" hidden></div>
<div class="cg-view">{svg}</div>
<script type="application/json" class="cg-data">{data}</script>
<script>{js}
chaingradViewer(document.getElementById("{uid}"));</script>
</div>"""

_CSS = """
#ID { font-family: system-ui, sans-serif; font-size: 14px; }
#ID .cg-controls { display: flex; flex-wrap: wrap; gap: 4px; align-items: center; margin: 4px 0; }
#ID .cg-controls[hidden], #ID .cg-paths[hidden] { display: none; }
#ID .cg-slider { flex: 0 1 200px; }
#ID .cg-sep { flex: 0 0 12px; }
#ID button[aria-pressed="true"] { background: #dbeafe; }
#ID .cg-text { font-family: ui-monospace, monospace; font-size: 13px; white-space: pre; overflow: auto;
  margin: 4px 0; line-height: 1.35; height: 5.6em; }
#ID .cg-text div:first-child { font-weight: bold; }
#ID .cg-paths { font-family: ui-monospace, monospace; font-size: 13px; white-space: pre; overflow: auto;
  height: 2.8em; line-height: 1.35; background: #fff7ed; }
#ID .cg-view svg { max-width: 100%; height: auto; }
#ID.cg-js .cg-view { height: 70vh; min-height: 320px; border: 1px solid #d1d5db; overflow: hidden;
  position: relative; cursor: grab; touch-action: none; }
#ID.cg-js .cg-view svg { max-width: none; width: 100%; height: 100%; }
#ID .cg-view.cg-drag { cursor: grabbing; }
#ID .edge.todo path, #ID .edge.todo polygon { stroke: #d1d5db; fill: #d1d5db; }
#ID .edge.fwd path { stroke: #111827; } #ID .edge.fwd polygon { stroke: #111827; fill: #111827; }
#ID .edge.done path { stroke: #2563eb; } #ID .edge.done polygon { stroke: #2563eb; fill: #2563eb; }
#ID .edge.cur path { stroke: #dc2626; stroke-width: 2.5; } #ID .edge.cur polygon { stroke: #dc2626; fill: #dc2626; }
#ID .edge text { fill: #2563eb; } #ID .edge.cur text { fill: #dc2626; }
#ID .edge.todo text, #ID .edge.fwd text { visibility: hidden; }
#ID .node.cg-hl polygon { stroke: #dc2626; stroke-width: 2.5; }
#ID .cg-path path { stroke: #ea580c !important; stroke-width: 3.5; }
#ID .cg-path polygon { stroke: #ea580c !important; stroke-width: 3; }
#ID .cg-box rect { fill: #e0e7ff; stroke: #4338ca; stroke-width: 1.5; cursor: zoom-in; }
#ID .cg-box text { font-family: Courier, monospace; font-size: 12px; fill: #1e1b4b; pointer-events: none; }
#ID .cluster > text { cursor: zoom-out; }
#ID .node.input, #ID .node.param { cursor: pointer; }
"""

VIEWER_JS = r"""function chaingradViewer(box, api) {
  if (!box || box.cgViewer) return box && box.cgViewer;
  var D = JSON.parse(box.querySelector(".cg-data").textContent), P = D.p, n = D.n, cur = n, timer = null;
  var $ = function (s) { return box.querySelector(s); }, byId = function (i) { return box.querySelector("#" + CSS.escape(P + i)); };
  var view = $(".cg-view"), svg = view.querySelector("svg"), text = $(".cg-text"), pathBox = $(".cg-paths");
  var slider = $(".cg-slider"), pos = $(".cg-pos"), play = $('[data-go="play"]'), followBtn = $('[data-go="follow"]');
  var cells = D.names.map(function (_, k) { var t = byId("v" + k).querySelectorAll("text"); return [t[1], t[2]]; });
  var edges = {}; Object.keys(D.edges).forEach(function (e) { edges[e] = byId(e); });
  var W = svg.viewBox.baseVal.width, H = svg.viewBox.baseVal.height, vb = {x: 0, y: 0, s: 1}, follow = true;
  box.classList.add("cg-js"); svg.removeAttribute("width"); svg.removeAttribute("height");
  svg.setAttribute("preserveAspectRatio", "xMinYMin meet"); $(".cg-controls").hidden = false;
  function setView() { svg.setAttribute("viewBox", [vb.x, vb.y, view.clientWidth / vb.s, view.clientHeight / vb.s].join(" ")); }
  function fit() { vb.s = Math.min(view.clientWidth / W, view.clientHeight / H);
    vb.x = (W - view.clientWidth / vb.s) / 2; vb.y = (H - view.clientHeight / vb.s) / 2; setView(); }
  function toUser(r) { var v = view.getBoundingClientRect();
    return {x: vb.x + (r.left - v.left) / vb.s, y: vb.y + (r.top - v.top) / vb.s, w: r.width / vb.s, h: r.height / vb.s}; }
  function centre(els) { var x0 = 1e9, y0 = 1e9, x1 = -1e9, y1 = -1e9;
    els.forEach(function (el) { if (!el) return; var u = toUser(el.getBoundingClientRect());
      x0 = Math.min(x0, u.x); y0 = Math.min(y0, u.y); x1 = Math.max(x1, u.x + u.w); y1 = Math.max(y1, u.y + u.h); });
    if (x0 > x1) return;
    if (Math.min(view.clientWidth / W, view.clientHeight / H) >= 1) { fit(); return; }
    vb.s = Math.max(vb.s, 1.1);
    vb.x = (x0 + x1) / 2 - view.clientWidth / vb.s / 2; vb.y = (y0 + y1) / 2 - view.clientHeight / vb.s / 2; setView(); }
  function zoom(f, cx, cy) { var w = view.clientWidth, h = view.clientHeight;
    cx = cx === undefined ? w / 2 : cx; cy = cy === undefined ? h / 2 : cy;
    var ux = vb.x + cx / vb.s, uy = vb.y + cy / vb.s; vb.s = Math.max(0.02, Math.min(8, vb.s * f));
    vb.x = ux - cx / vb.s; vb.y = uy - cy / vb.s; setView(); }
  function setFollow(on) { follow = on; followBtn.setAttribute("aria-pressed", on ? "true" : "false"); }
  var shown = {};
  function put(el, cls) { if (el && shown[el.id] !== cls) { shown[el.id] = cls; el.setAttribute("class", cls); } }
  function show(i) {
    cur = Math.max(0, Math.min(n, i));
    var data = D.data.slice(), grad = D.grad ? D.grad.slice() : null, ec = Object.assign({}, D.edges);
    for (var j = 0; j < cur; j++) { var r = D.steps[j];
      r.s.forEach(function (c) { (c[1] ? grad : data)[c[0]] = c[2]; }); r.x.forEach(function (x) { ec[x[0]] = x[1]; }); }
    var r = cur ? D.steps[cur - 1] : null, now = {}, hl = {};
    if (r) { r.cur.forEach(function (e) { now[e] = 1; }); r.h.forEach(function (k) { hl[k] = 1; }); }
    cells.forEach(function (c, k) { if (c[0].textContent !== data[k]) c[0].textContent = data[k];
      if (grad && c[1].textContent !== grad[k]) c[1].textContent = grad[k];
      var g = byId("v" + k), base = g.getAttribute("class").replace(/ cg-hl/g, ""); put(g, base + (hl[k] ? " cg-hl" : "")); });
    Object.keys(edges).forEach(function (e) { put(edges[e], "edge " + (now[e] ? "cur" : ec[e])); });
    text.innerHTML = ""; (r ? r.c : D.start).split("\n").forEach(function (line) {
      var d = document.createElement("div"); d.textContent = line; text.appendChild(d); });
    slider.value = cur; pos.textContent = "step " + cur + " of " + n; box.setAttribute("data-current", cur);
    boxes.forEach(function (b) { if (b.label) b.label.textContent = (data[b.out] || "") + (grad ? "  " + grad[b.out] : ""); });
    if (follow && r) centre(r.h.map(function (k) { return byId("v" + k); }));
    if (api && api.onStep) api.onStep(cur);
  }
  // clusters: collapse into one box showing the output's data and grad; click to expand
  var boxes = (D.clusters || []).map(function (c, j) { return {el: byId("c" + j), m: c.m, out: c.out, key: c.key, open: true}; });
  function layoutBoxes() {
    var hidden = {};
    boxes.forEach(function (b) { if (!b.open) b.m.forEach(function (k) { hidden[k] = 1; }); });
    D.names.forEach(function (_, k) { var h = hidden[k] ? "none" : "";
      byId("v" + k).style.display = h; var op = byId("v" + k + "op"); if (op) op.style.display = h; });
    Object.keys(edges).forEach(function (e) { var m = e.match(/^[eo](\d+)(?:_(\d+))?$/), k = +m[1], inner = hidden[k];
      if (e[0] === "e") inner = hidden[k] && hidden[childOf[e]] && sameBox(k, childOf[e]);
      edges[e].style.display = inner ? "none" : ""; });
    boxes.forEach(function (b, j) { var outer = boxes.some(function (o) { return !o.open && o !== b && o.m.length > b.m.length && o.m.indexOf(b.out) >= 0; });
      if (b.cover) b.cover.style.display = (!b.open && !outer) ? "" : "none";
      Array.prototype.forEach.call(b.el.children, function (ch) { if (ch.tagName !== "title") ch.style.display = (outer || !b.open) ? "none" : ""; }); });
  }
  var childOf = {}; D.kids.forEach(function (ks, k) { ks.forEach(function (c, i) { childOf["e" + k + "_" + i] = c; }); });
  function sameBox(a, b) { return boxes.some(function (o) { return !o.open && o.m.indexOf(a) >= 0 && o.m.indexOf(b) >= 0; }); }
  boxes.forEach(function (b) {
    var bb = b.el.querySelector("polygon, path").getBBox(), NS = "http://www.w3.org/2000/svg";
    var g = document.createElementNS(NS, "g"), rect = document.createElementNS(NS, "rect");
    g.setAttribute("class", "cg-box"); g.setAttribute("id", b.el.id + "-box");
    [["x", bb.x], ["y", bb.y], ["width", bb.width], ["height", bb.height], ["rx", 8]].forEach(function (a) { rect.setAttribute(a[0], a[1]); });
    g.appendChild(rect);
    [b.key, ""].forEach(function (t, i) { var tx = document.createElementNS(NS, "text");
      tx.setAttribute("x", bb.x + bb.width / 2); tx.setAttribute("y", bb.y + bb.height / 2 + (i ? 9 : -5));
      tx.setAttribute("text-anchor", "middle"); tx.textContent = t; g.appendChild(tx); if (i) b.label = tx; });
    g.style.display = "none"; b.el.parentNode.appendChild(g); b.cover = g;
    g.addEventListener("click", function (ev) { ev.stopPropagation(); b.open = true; layoutBoxes(); });
    b.el.addEventListener("click", function (ev) { if (ev.target.closest(".node")) return; ev.stopPropagation(); b.open = false; layoutBoxes(); show(cur); });
  });
  // paths: click a leaf to see its paths to the output one by one, with the running sum
  var pathAt = {};
  function clearPath() { box.querySelectorAll(".cg-path").forEach(function (el) { el.classList.remove("cg-path"); }); }
  function showPath(k) {
    var info = D.paths && D.paths[k]; if (!info) return;
    var i = pathAt[k] === undefined ? 0 : (pathAt[k] + 1) % Math.max(1, info.paths.length); pathAt[k] = i;
    clearPath(); pathBox.hidden = false;
    if (!info.paths.length) { pathBox.textContent = D.names[k] + ": no path to the output"; return; }
    var p = info.paths[i], els = [byId("v" + k)];
    p[0].forEach(function (h) { els.push(byId("e" + h[0] + "_" + h[1]), byId("v" + h[0] + "op"), byId("o" + h[0]), byId("v" + h[0])); });
    els.forEach(function (el) { if (el) el.classList.add("cg-path"); });
    var last = i === info.paths.length - 1;
    pathBox.textContent = "∂" + D.names[D.names.length - 1] + "/∂" + D.names[k] + ": path " + (i + 1) + " of " + info.count +
      ": " + [D.names[k]].concat(p[0].map(function (h) { return D.names[h[0]]; })).join(" → ") + "   product " + p[1] +
      "\nrunning sum " + p[2] + (last ? (info.complete ? "  = " + info.grad + " (all paths)" : "   " + info.note) : "   (click again: next path)");
    if (follow) centre(els.filter(function (el) { return el; }));
  }
  box.querySelectorAll(".node.input, .node.param").forEach(function (g) {
    g.addEventListener("click", function (ev) { ev.stopPropagation(); var k = +g.id.slice(P.length + 1); showPath(k); });
  });
  function stop() { if (timer) { clearInterval(timer); timer = null; play.textContent = "\u25B6 play"; } }
  function go(what) {
    if (what === "play") { if (timer) { stop(); return; } if (cur === n) show(0);
      play.textContent = "\u275A\u275A pause"; timer = setInterval(function () { if (cur >= n) stop(); else show(cur + 1); }, 900); return; }
    if (what === "zoomin") return zoom(1.25); if (what === "zoomout") return zoom(0.8);
    if (what === "fit") { setFollow(false); return fit(); }
    if (what === "follow") { setFollow(!follow); if (follow) show(cur); return; }
    if (what === "collapse" || what === "expand") { boxes.forEach(function (b) { b.open = what === "expand"; }); layoutBoxes(); return show(cur); }
    stop(); show(what === "first" ? 0 : what === "last" ? n : what === "prev" ? cur - 1 : cur + 1);
  }
  box.addEventListener("click", function (e) { var b = e.target.closest("[data-go]"); if (b) go(b.getAttribute("data-go")); });
  slider.addEventListener("input", function () { stop(); show(+slider.value); });
  box.addEventListener("keydown", function (e) {
    var k = {ArrowRight: "next", ArrowLeft: "prev", Home: "first", End: "last", "+": "zoomin", "=": "zoomin",
             "-": "zoomout", "0": "fit", f: "follow", " ": "play"}[e.key];
    if (k) { go(k); e.preventDefault(); } if (e.key === "Escape") { clearPath(); pathBox.hidden = true; }
  });
  view.addEventListener("wheel", function (e) { e.preventDefault(); var v = view.getBoundingClientRect();
    zoom(e.deltaY < 0 ? 1.15 : 1 / 1.15, e.clientX - v.left, e.clientY - v.top); }, {passive: false});
  var drag = null;
  view.addEventListener("pointerdown", function (e) { drag = {x: e.clientX, y: e.clientY, vx: vb.x, vy: vb.y, moved: false}; });
  window.addEventListener("pointermove", function (e) { if (!drag) return; var dx = e.clientX - drag.x, dy = e.clientY - drag.y;
    if (Math.abs(dx) + Math.abs(dy) > 3) { drag.moved = true; view.classList.add("cg-drag"); setFollow(false); }
    vb.x = drag.vx - dx / vb.s; vb.y = drag.vy - dy / vb.s; if (drag.moved) setView(); });
  window.addEventListener("pointerup", function () { drag = null; view.classList.remove("cg-drag"); });
  fit(); layoutBoxes(); show(0);
  box.cgViewer = {show: show, go: go, current: function () { return cur; }, fit: fit, zoom: zoom, scale: function () { return vb.s; },
                  showPath: showPath, setFollow: setFollow, boxes: boxes, layoutBoxes: layoutBoxes};
  return box.cgViewer;
}"""
