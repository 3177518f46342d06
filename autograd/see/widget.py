"""The step viewer as a Jupyter widget (the ``notebook`` extra: anywidget), driven from Python.

``step_through(L).widget()`` shows the same viewer as the static page; its ``step``
(0..len(steps)) is synced both ways: clicking in the page moves it, setting it (or
:meth:`StepWidget.go`, :meth:`StepWidget.jump`) moves the page, and
:attr:`StepWidget.current` reads the step shown back as a :class:`~autograd.steps.Step` or
:class:`~autograd.steps.ForwardStep`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..value import Value
from .steps import ForwardStep, Step

if TYPE_CHECKING:  # pragma: no cover
    from .viewer import StepThrough

_INSTALL = ("step_through(...).widget() needs the notebook extra (anywidget): "
            "pip install 'chaingrad[notebook]' (or pip install anywidget), then restart the kernel. "
            "Without it, display step_through(...) itself: the static viewer needs no kernel.")

_ESM_TAIL = """
export default {
  render({ model, el }) {
    el.innerHTML = model.get("html");
    var box = el.querySelector(".chaingrad-steps");
    var viewer = chaingradViewer(box, {start: model.get("step"), onStep: function (j) {
      if (model.get("step") !== j) { model.set("step", j); model.save_changes(); } }});
    model.on("change:step", function () {
      if (viewer.current() !== model.get("step")) viewer.show(model.get("step")); });
  }
};
"""


def _anywidget() -> tuple[Any, Any]:
    try:
        import anywidget
        import traitlets
    except ImportError as e:
        raise ImportError(_INSTALL) from e
    return anywidget, traitlets


def StepWidget(viewer: StepThrough) -> Any:  # a class built on first use (lazy import)
    """The widget for ``viewer`` (see the module docstring); needs anywidget."""
    return _widget_class()(viewer)


_CLASS: list[type] = []


def _widget_class() -> type:
    if _CLASS:
        return _CLASS[0]
    anywidget, traitlets = _anywidget()
    from .viewer import VIEWER_JS

    class _StepWidget(anywidget.AnyWidget):  # type: ignore[misc,name-defined]
        """A step viewer synced with Python: ``step`` is the frame shown (0 = before any step)."""

        _esm = VIEWER_JS + _ESM_TAIL
        html = traitlets.Unicode("").tag(sync=True)
        step = traitlets.Int(0).tag(sync=True)

        def __init__(self, viewer: StepThrough) -> None:
            self.viewer = viewer
            super().__init__(html=viewer.html(), step=0)

        @traitlets.validate("step")
        def _valid_step(self, proposal: Any) -> int:
            j = proposal["value"]
            n = len(self.viewer.steps)
            if not 0 <= j <= n:
                raise traitlets.TraitError(f"step must be 0..{n} (0: before the first step), got {j}")
            return j

        def go(self, j: int) -> None:
            """Show frame ``j`` (after ``j`` steps)."""
            self.step = j

        def next(self) -> None:
            """One step on (stays at the last)."""
            self.step = min(self.step + 1, len(self.viewer.steps))

        def prev(self) -> None:
            """One step back (stays at 0)."""
            self.step = max(self.step - 1, 0)

        def jump(self, node: Value | str) -> None:
            """Show the step that finishes ``node`` (a Value or its drawn name): in forward, the
            step computing it; in backward, the last step adding to its gradient."""
            names = self.viewer.names
            order = self.viewer.nodes
            if isinstance(node, str):
                if node not in names:
                    raise ValueError(f"jump({node!r}): no node has that name; the names are {names[:12]}...")
                node = order[names.index(node)]
            if not isinstance(node, Value):
                raise TypeError(f"jump() takes a Value or a node's name, got {type(node).__name__}")
            last = None
            for k, s in enumerate(self.viewer.steps):
                if (s.child if isinstance(s, Step) else s.node) is node:
                    last = k
            if last is None:
                raise ValueError(f"jump(): no step of this {self.viewer.mode} pass finishes {node!r}")
            self.step = last + 1

        @property
        def current(self) -> Step | ForwardStep | None:
            """The step just applied in the frame shown (None at frame 0)."""
            return self.viewer.steps[self.step - 1] if self.step else None

    _CLASS.append(_StepWidget)
    return _StepWidget
