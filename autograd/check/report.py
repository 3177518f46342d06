"""What :func:`autograd.testing.check_engine` found: data, a terminal table and Jupyter HTML.

An :class:`EngineReport` is data first (``ok``, ``missing``, ``failures``, ``results``);
``str(report)`` is the table for a terminal, and in Jupyter it renders as HTML with each
failing expression's graph drawn by chaingrad's renderer on chaingrad's own copy of the
expression (the engine under test is never drawn: it is only ever driven through its
protocol).
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

CHECKS = ("op", "fan-in", "topo-order", "square", "accumulation", "zero-grad", "deep-chain", "reuse")
"""Every check's name, in the order :func:`~autograd.testing.check_engine` runs them."""


@dataclass(frozen=True)
class Failure:
    """One failing check.

    ``check`` is the check's name (``"op"``, ``"fan-in"``, ``"topo-order"``, ``"square"``,
    ``"accumulation"``, ``"zero-grad"``, ``"deep-chain"``, ``"reuse"``; the README says what
    each means), ``op`` the op blamed (a name from the op table, like ``"tanh"`` or
    ``"*"``) or None for a pitfall of the engine as a whole, ``expression`` the smallest
    failing expression as text (or None) and ``message`` what went wrong and what to
    expect instead.
    """

    check: str
    op: str | None
    expression: str | None
    message: str
    # Builds chaingrad's copy of the failing expression: (output, nodes to highlight).
    graph: Callable[[], tuple[Any, list[Any]]] | None = field(default=None, repr=False, compare=False)


@dataclass(frozen=True)
class Result:
    """One row of the report: a check on one subject (a form like ``x * 2``, or a pitfall)."""

    check: str
    subject: str
    status: str  # "pass", "FAIL", "note" (behaviour worth knowing, not wrong)
    detail: str


@dataclass(frozen=True)
class EngineReport:
    """The outcome of :func:`~autograd.testing.check_engine` on one engine."""

    engine: str
    results: tuple[Result, ...]
    failures: tuple[Failure, ...]
    missing: tuple[str, ...]
    missing_forms: tuple[str, ...] = ()
    seed: int = 0
    max_examples: int = 0

    @property
    def ok(self) -> bool:
        """True when no check failed (missing ops are not failures)."""
        return not self.failures

    def text(self) -> str:
        """The report as a table for a terminal."""
        n = len(self.failures)
        verdict = "all checks pass" if self.ok else f"{n} failure{'s' if n != 1 else ''}"
        lines = [f"check_engine({self.engine}): {verdict} "
                 f"(seed={self.seed}, max_examples={self.max_examples})", ""]
        w_check = max([len("check"), *(len(r.check) for r in self.results)]) + 2
        w_subj = max([len("subject"), *(len(r.subject) for r in self.results)]) + 2
        head = f"{'check':<{w_check}}{'subject':<{w_subj}}{'result':<8}detail"
        lines += [head, "-" * max(len(head), 72)]
        for r in self.results:
            lines.append(f"{r.check:<{w_check}}{r.subject:<{w_subj}}{r.status:<8}{r.detail}")
        lines.append("")
        lines.append("missing (not failures): " + (", ".join(self.missing) if self.missing else "none"))
        if self.missing_forms:
            lines.append("forms not supported (optional): " + ", ".join(self.missing_forms))
        if self.failures:
            lines += ["", "failures:"]
            for i, f in enumerate(self.failures, 1):
                blame = f"op {f.op}" if f.op else "the engine as a whole"
                lines.append(f"{i}. [{f.check}] blamed on {blame}")
                lines.append(f"   {f.message}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.text()

    def _repr_html_(self) -> str:
        """The report for Jupyter: the table, then each failure with its graph."""
        esc = html.escape
        n = len(self.failures)
        verdict = "all checks pass" if self.ok else f"{n} failure{'s' if n != 1 else ''}"
        colour = {"pass": "#1a7f37", "FAIL": "#cf222e", "note": "#9a6700"}
        rows = "".join(
            f"<tr><td>{esc(r.check)}</td><td style='white-space:nowrap'><code>{esc(r.subject)}</code></td>"
            f"<td style='color:{colour.get(r.status, '#000')};font-weight:bold'>{esc(r.status)}</td>"
            f"<td>{esc(r.detail)}</td></tr>"
            for r in self.results
        )
        parts = [
            "<div class='chaingrad-engine-report' style='font-family:sans-serif;font-size:14px'>",
            "<style>.chaingrad-engine-report svg{max-width:100%;height:auto}"
            ".chaingrad-engine-report td{vertical-align:top}"
            ".chaingrad-engine-report h3 code{overflow-wrap:anywhere}</style>",
            f"<h3 style='margin:4px 0'>check_engine(<code>{esc(self.engine)}</code>): {esc(verdict)}</h3>",
            f"<p style='margin:2px 0;color:#555'>seed={self.seed}, max_examples={self.max_examples}</p>",
            "<div style='overflow-x:auto'><table style='border-collapse:collapse' cellpadding='3'>"
            "<tr><th align='left'>check</th><th align='left'>subject</th><th align='left'>result</th>"
            f"<th align='left'>detail</th></tr>{rows}</table></div>",
            f"<p><b>missing</b> (not failures): {esc(', '.join(self.missing) or 'none')}</p>",
        ]
        if self.missing_forms:
            forms = esc(", ".join(self.missing_forms))
            parts.append(f"<p><b>forms not supported</b> (optional): {forms}</p>")
        for i, f in enumerate(self.failures, 1):
            blame = f"op <code>{esc(f.op)}</code>" if f.op else "the engine as a whole"
            parts.append(f"<h4 style='margin:10px 0 2px'>{i}. {esc(f.check)}: blamed on {blame}</h4>")
            parts.append(f"<p style='margin:2px 0'>{esc(f.message)}</p>")
            if f.expression:
                parts.append(f"<p style='margin:2px 0'>expression: <code>{esc(f.expression)}</code></p>")
            parts.append(_graph_html(f))
        parts.append("</div>")
        return "\n".join(parts)


def _graph_html(f: Failure) -> str:
    """chaingrad's copy of the failing expression drawn as inline SVG (or why it is not)."""
    if f.graph is None:
        return ""
    try:
        from ..render import svg_body, to_svg

        root, highlight = f.graph()
        svg = svg_body(to_svg(root, highlight=highlight or None))
    except Exception as e:  # display must never fail
        why = html.escape(f"{type(e).__name__}: {e}")
        return f"<p style='color:#555'>(graph not drawn: {why})</p>"
    return ("<figure style='margin:4px 0'>" + svg + "<figcaption style='color:#555'>chaingrad's copy of "
            "the expression at the failing point, with the correct gradients; outlined in red: where the "
            "engine's gradient first differs</figcaption></figure>")


class EngineCheckError(AssertionError):
    """Raised by :func:`~autograd.testing.assert_engine_correct`; ``report`` is the report."""

    def __init__(self, report: EngineReport) -> None:
        self.report = report
        super().__init__("\n" + report.text())
