"""Backward as a sequence of chain-rule steps, and a self-contained HTML viewer that plays them.

:func:`backward_steps` records, edge by edge and in the order ``backward()`` applies them
(the same walk, the same stored local derivatives), what each step multiplies and adds:
``contribution = local_grad · upstream`` and the child's running gradient. It never touches
``.grad``. Each step draws as a frame: the graph with that edge in red, the gradients known
so far filled in (partial sums marked "(1/2)"), the ones still to come blank, and every
edge already used labelled with its contribution, so a fan-in sum can be read off the
picture. :func:`step_through` puts all frames, inline SVG, into one HTML viewer with a few
lines of plain JavaScript; it needs no kernel and shows the final frame without JavaScript.
"""

from __future__ import annotations

import hashlib
import html
import itertools
import math
import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .backward import check_gradient
from .ops import op_of
from .render import _build, _check_root, _Look, _order, fmt_number, render_sources, svg_body
from .value import Value, edges, walk

if TYPE_CHECKING:  # pragma: no cover
    import graphviz

STEP_MAX_NODES = 50
"""The viewer holds one SVG per edge: graphs above this many values are refused by default."""

_CURRENT = {"color": "#dc2626", "fontcolor": "#dc2626", "penwidth": "2.5", "class": "current"}
_DONE = {"color": "#2563eb", "fontcolor": "#2563eb", "class": "done"}
_TODO = {"color": "#9ca3af", "class": "todo"}


@dataclass(frozen=True)
class Step:
    """One application of the chain rule: ``child_grad += local_grad · upstream``.

    ``node`` passes gradient to its operand ``child`` (operand number ``operand``);
    ``local_grad`` is d(node)/d(child) as stored on the node, ``upstream`` is the node's
    (final) gradient, ``contribution = local_grad · upstream``, and ``child_grad`` is the
    child's gradient after this step adds the contribution.
    """

    index: int
    node: Value
    child: Value
    operand: int
    local_grad: float
    upstream: float
    contribution: float
    child_grad: float
    root: Value = field(repr=False, compare=False)

    def explain(self) -> str:
        """This step's arithmetic in words: "∂L/∂w = ∂L/∂z · ∂z/∂w = 0.5 · 2.0 = 1.0".

        >>> from autograd import Value
        >>> w = Value(2.0, label="w"); z = w * 3; z.label = "z"
        >>> backward_steps(z)[0].explain().splitlines()[0]
        '∂z/∂w = ∂z/∂z · ∂z/∂w = 1.0 · 3.0 = 3.0'
        """
        return _Pass(self.root, None).explain(self.index)

    def frame(self, rankdir: str = "LR") -> graphviz.Digraph:
        """The graph as it stands after this step, this step's edge in red."""
        return _Pass(self.root, None).frame(self.index + 1, rankdir)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        bundle = {"text/plain": f"{self!r}\n{self.explain()}"}
        try:
            bundle["image/svg+xml"] = render_sources([self.frame().source])[0]
        except Exception:  # display must never fail: the text is always there
            pass
        return bundle


def backward_steps(root: Value, gradient: float = 1.0) -> list[Step]:
    """The chain-rule steps of ``backward()`` on ``root``, one per edge, in the order it applies them.

    Reverse topological order; for each node, its operands in order. ``.grad`` is left
    untouched. After the last step touching a node, its ``child_grad`` is exactly the
    gradient ``root.backward(gradient)`` gives it (from zero).

    >>> from autograd import Value
    >>> a = Value(3.0, label="a")
    >>> y = a * a                      # dy/da = a + a: two steps add up
    >>> [(s.contribution, s.child_grad) for s in backward_steps(y)]
    [(3.0, 3.0), (3.0, 6.0)]
    >>> a.grad                         # untouched
    0.0
    """
    _check_root(root, "backward_steps()")
    grads: dict[Value, float] = {root: check_gradient(gradient, "backward_steps()")}
    steps: list[Step] = []
    count = itertools.count()
    for node, i, child, local in edges(walk(root, leaves=False)):
        up = grads[node]
        contribution = local * up
        child_grad = grads.get(child, 0.0) + contribution
        grads[child] = child_grad
        steps.append(Step(next(count), node, child, i, local, up, contribution, child_grad, root))
    return steps


def _short(x: float) -> str:
    """Numbers in the explanation: short, with ".0" kept on whole numbers (2.0, not 2)."""
    if math.isfinite(x) and x == int(x) and abs(x) < 1e15:
        return f"{x:.1f}"
    return f"{x:.6g}"


class _Pass:
    """The steps of one backward pass with everything a frame needs: names, fan-in, order."""

    def __init__(self, root: Value, max_nodes: int | None, where: str = "backward_steps()") -> None:
        self.root = root
        self.order = _order(root, max_nodes, where)
        self.index = {node: k for k, node in enumerate(self.order)}
        self.steps = backward_steps(root)
        labels = {n.label for n in self.order if n is not root}
        self.names = [n.label or f"v{k}" for k, n in enumerate(self.order)]
        if not root.label:
            self.names[-1] = "L" if "L" not in labels else f"v{len(self.order) - 1}"
        self._width: list[int] | None = None  # widest grad text of each node over all frames
        self.fan_in = [0] * len(self.order)  # edges into each node from the output side
        for s in self.steps:
            self.fan_in[self.index[s.child]] += 1

    def _d(self, top: Value, bottom: Value) -> str:
        return f"∂{self.names[self.index[top]]}/∂{self.names[self.index[bottom]]}"

    def explain(self, k: int) -> str:
        s = self.steps[k]
        c = self.index[s.child]
        nth = sum(1 for t in self.steps[: k + 1] if t.child is s.child)
        d_child = self._d(self.root, s.child)
        local = self._d(s.node, s.child)
        if s.node.children.count(s.child) > 1:
            local += f" (operand {s.operand + 1})"
        mul = f"{self._d(self.root, s.node)} · {local} = {_short(s.upstream)} · {_short(s.local_grad)}"
        try:
            rule = op_of(s.node.op).formula
        except KeyError:
            rule = s.node.op
        if self.fan_in[c] == 1:
            first = f"{d_child} = {mul} = {_short(s.contribution)}"
        else:
            first = (f"{d_child} += {mul} = {_short(s.contribution)}   "
                     f"(contribution {nth} of {self.fan_in[c]}; {d_child} so far = {_short(s.child_grad)})")
        return f"{first}\nlocal derivative of {s.node.op}: {rule}"

    def _grad_texts(self, j: int) -> list[str]:
        """The grad field of every node in frame ``j`` (after ``j`` steps)."""
        got = [0] * len(self.order)
        value: list[float | None] = [None] * len(self.order)
        value[-1] = self.steps[0].upstream if self.steps else 1.0
        for s in self.steps[:j]:
            c = self.index[s.child]
            got[c] += 1
            value[c] = s.child_grad
        out = []
        for k, v in enumerate(value):
            if v is None:
                out.append("grad")
            elif got[k] < self.fan_in[k]:
                out.append(f"grad {fmt_number(v)} ({got[k]}/{self.fan_in[k]})")
            else:
                out.append(f"grad {fmt_number(v)}")
        return out

    def frame(self, j: int, rankdir: str = "LR", prefix: str = "") -> graphviz.Digraph:
        """Frame ``j``: the graph after ``j`` steps (0: before the first; len(steps): done)."""
        n = len(self.steps)
        if not 0 <= j <= n:
            raise IndexError(f"frame {j} out of range: this pass has frames 0..{n}")
        if self._width is None:
            every = [self._grad_texts(i) for i in range(n + 1)]
            self._width = [max(len(texts[k]) for texts in every) for k in range(len(self.order))]
        grads = self._grad_texts(j)
        labels = ["+" + fmt_number(s.contribution) if s.contribution >= 0 else fmt_number(s.contribution)
                  for s in self.steps]
        edges: dict[tuple[int, int], dict[str, str]] = {}
        for i, (s, text) in enumerate(zip(self.steps, labels)):
            key = (self.index[s.node], s.operand)
            if i < j:
                edges[key] = {**(_CURRENT if i == j - 1 else _DONE), "xlabel": text}
            else:
                edges[key] = dict(_TODO)
        highlight = frozenset()
        if j:
            s = self.steps[j - 1]
            highlight = frozenset({self.index[s.node], self.index[s.child]})
        look = _Look(names=self.names, grad_text=grads, edge_attrs=edges, highlight=highlight, prefix=prefix,
                     grad_chars=self._width)
        return _build(self.order, rankdir, look)

    def caption(self, j: int) -> str:
        n = len(self.steps)
        root = self.names[-1]
        if j == 0:
            g = _short(self.steps[0].upstream if self.steps else 1.0)
            return (f"Start: ∂{root}/∂{root} = {g}, the output's gradient with respect to itself.\n"
                    f"Backward now visits the graph's {n} edges in reverse topological order.")
        s = self.steps[j - 1]
        head = (f"Step {j} of {n}: {self.names[self.index[s.node]]} → "
                f"{self.names[self.index[s.child]]}\n{self.explain(j - 1)}")
        return head + ("\nDone: every gradient is final." if j == n else "")


class StepThrough:
    """A viewer of one backward pass: shows in Jupyter as self-contained HTML, saves as a page.

    Build it with :func:`step_through`. ``steps`` are the chain-rule steps; ``frame(j)`` is
    the graph after ``j`` of them; ``html()`` the viewer fragment, ``page()`` a standalone
    HTML page and ``save(path)`` writes that page.
    """

    def __init__(self, root: Value, *, rankdir: str = "LR", max_nodes: int | None = STEP_MAX_NODES,
                 backend: str = "auto") -> None:
        _check_root(root, "step_through()")
        self._pass = _Pass(root, max_nodes, "step_through()")
        self.rankdir = rankdir
        self.backend = backend
        self._html: str | None = None

    @property
    def steps(self) -> list[Step]:
        return self._pass.steps

    def frame(self, j: int) -> graphviz.Digraph:
        """The graph after ``j`` steps (0 = before the first, ``len(steps)`` = done)."""
        return self._pass.frame(j, self.rankdir)

    def html(self) -> str:
        """The viewer as an HTML fragment (a ``<div>`` with its style and script)."""
        if self._html is None:
            self._html = self._make_html()
        return self._html

    def _make_html(self) -> str:
        p = self._pass
        n = len(p.steps)
        sources = [p.frame(j, self.rankdir, prefix=f"f{j}_").source for j in range(n + 1)]
        svgs = render_sources(sources, self.backend)
        digest = hashlib.sha1("\n".join(sources).encode("utf-8")).hexdigest()[:8]
        uid = f"cg{digest}-{next(_viewer_ids)}"
        frames = []
        for j, svg in enumerate(svgs):
            lines = "".join(f"<div>{html.escape(line)}</div>" for line in p.caption(j).splitlines())
            hidden = "" if j == n else " hidden"
            frames.append(f'<div class="cg-frame" data-frame="{j}"{hidden}>'
                          f'<div class="cg-text">{lines}</div>{svg_body(svg)}</div>')
        return _TEMPLATE.format(uid=uid, n=n, frames="\n".join(frames), css=_CSS.replace("#ID", f"#{uid}"),
                                js=_JS.replace("__ID__", uid))

    def page(self) -> str:
        """A standalone HTML page holding the viewer (no external files, no kernel)."""
        title = f"chaingrad: stepping through backward of {self._pass.names[-1]}"
        return (f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
                f"<title>{html.escape(title)}</title>\n</head>\n<body>\n{self.html()}\n</body>\n</html>\n")

    def save(self, path: str | os.PathLike[str]) -> str:
        """Write :meth:`page` to ``path`` (UTF-8); returns the path."""
        with open(path, "w", encoding="utf-8") as f:
            f.write(self.page())
        return os.fspath(path)

    def _repr_html_(self) -> str:
        return self.html()

    def __repr__(self) -> str:
        return f"StepThrough({len(self.steps)} steps of backward from {self._pass.names[-1]})"


def step_through(root: Value, **opts: Any) -> StepThrough:
    """A viewer that steps through ``root``'s backward pass (display it in Jupyter, or save it).

    Options: ``rankdir``, ``max_nodes`` (default :data:`STEP_MAX_NODES`), ``backend``.
    Its frames: frame 0 before any step, frame j after step j; the last shows every
    gradient, and is what shows when JavaScript is off.

    >>> from autograd import Value
    >>> x = Value(2.0, label="x"); w = Value(-3.0, label="w")
    >>> viewer = step_through((x * w).tanh())
    >>> viewer
    StepThrough(3 steps of backward from L)
    >>> viewer.html().count('class="cg-frame"')
    4
    """
    return StepThrough(root, **opts)


_viewer_ids = itertools.count()

_TEMPLATE = """<div class="chaingrad-steps" id="{uid}" tabindex="0" data-current="{n}">
<style>{css}</style>
<div class="cg-controls" hidden>
<button type="button" data-go="first" title="first step (Home)">|&#x25C0; first</button>
<button type="button" data-go="prev" title="previous step (&#x2190;)">&#x25C0; prev</button>
<button type="button" data-go="play" title="play / pause">&#x25B6; play</button>
<button type="button" data-go="next" title="next step (&#x2192;)">next &#x25B6;</button>
<button type="button" data-go="last" title="last step (End)">last &#x25B6;|</button>
<input type="range" class="cg-slider" min="0" max="{n}" value="{n}" aria-label="step">
<span class="cg-pos">step {n} of {n}</span>
</div>
{frames}
<script>{js}</script>
</div>"""

_CSS = """
#ID { font-family: system-ui, sans-serif; font-size: 14px; }
#ID .cg-controls { display: flex; gap: 6px; align-items: center; margin: 4px 0 8px; }
#ID .cg-controls[hidden], #ID .cg-frame[hidden] { display: none; }
#ID .cg-slider { flex: 0 1 240px; }
#ID .cg-text { font-family: ui-monospace, monospace; white-space: pre-wrap; margin: 4px 0; }
#ID .cg-text div:first-child { font-weight: bold; }
#ID svg { max-width: 100%; height: auto; }
"""

_JS = """(function () {
  var box = document.getElementById("__ID__");
  if (!box) return;
  var frames = box.querySelectorAll(".cg-frame"), n = frames.length - 1, cur = n, timer = null;
  var slider = box.querySelector(".cg-slider"), pos = box.querySelector(".cg-pos");
  var play = box.querySelector('[data-go="play"]');
  function show(i) {
    cur = Math.max(0, Math.min(n, i));
    for (var k = 0; k <= n; k++) frames[k].hidden = (k !== cur);
    slider.value = cur;
    pos.textContent = "step " + cur + " of " + n;
    box.setAttribute("data-current", cur);
  }
  function stop() { if (timer) { clearInterval(timer); timer = null; play.textContent = "\\u25B6 play"; } }
  box.querySelector(".cg-controls").hidden = false;
  box.addEventListener("click", function (e) {
    var b = e.target.closest("[data-go]");
    if (!b) return;
    var go = b.getAttribute("data-go");
    if (go === "play") {
      if (timer) { stop(); return; }
      if (cur === n) show(0);
      play.textContent = "\\u275A\\u275A pause";
      timer = setInterval(function () { if (cur >= n) stop(); else show(cur + 1); }, 900);
      return;
    }
    stop();
    show(go === "first" ? 0 : go === "last" ? n : go === "prev" ? cur - 1 : cur + 1);
  });
  slider.addEventListener("input", function () { stop(); show(+slider.value); });
  box.addEventListener("keydown", function (e) {
    var to = {ArrowRight: cur + 1, ArrowLeft: cur - 1, Home: 0, End: n}[e.key];
    if (to !== undefined) { stop(); show(to); e.preventDefault(); }
  });
  show(0);
})();"""
