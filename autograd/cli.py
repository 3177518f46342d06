"""The engine's commands: ``tour``, ``graph`` (draw an expression) and ``steps`` (a page
stepping through its backward pass).

``autograd`` never imports ``nn``: the ``chaingrad`` program itself is :func:`nn.cli.main`,
which adds ``demo`` (training lives in ``nn``) to these commands through ``main``'s
``extra`` argument. ``python -m autograd.cli`` runs the engine's commands alone.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Mapping, Sequence

from . import Value, grad, gradcheck, topological_order


def engine_tour(out: object = None) -> None:
    """Build one neuron, backpropagate, print every node's gradient and check them."""
    write = (out or sys.stdout).write  # type: ignore[attr-defined]
    x1, x2 = Value(2.0, "x1"), Value(0.0, "x2")
    w1, w2 = Value(-3.0, "w1"), Value(1.0, "w2")
    b = Value(6.8813735870195432, "b")
    n = x1 * w1 + x2 * w2 + b
    n.label = "n"
    y = n.tanh()
    y.label = "y"
    y.backward()
    write("y = tanh(x1·w1 + x2·w2 + b)\n\n")
    write(f"{'node':<8}{'op':<8}{'data':>12}{'grad':>12}\n")
    for node in topological_order(y):
        write(f"{node.label or '·':<8}{node.op or 'leaf':<8}{node.data:>12.6f}{node.grad:>12.6f}\n")

    def neuron(x1: Value, w1: Value, x2: Value, w2: Value, b: Value) -> Value:
        return (x1 * w1 + x2 * w2 + b).tanh()

    point = [x.data for x in (x1, w1, x2, w2, b)]
    gradcheck(neuron, point)
    write("\ngradcheck: backprop agrees with central differences (f(x+h) - f(x-h)) / 2h\n")
    (dy,) = grad(y, [n], create_graph=True)
    (d2y,) = grad(dy, [n])
    write(f"dy/dn = 1 - tanh²(n) = {dy.data:.6f};  d²y/dn² = -2·tanh(n)·(1 - tanh²(n)) = {d2y:.6f}\n")


Command = tuple[str, Callable[[list[str]], int]]
"""An extra command: its one-line help and a function of its own arguments (an exit status)."""


def build_parser(extra: Mapping[str, Command] | None = None) -> argparse.ArgumentParser:
    """The ``chaingrad`` argument parser: the engine's commands and the ``extra`` ones."""
    parser = argparse.ArgumentParser(
        prog="chaingrad", description="See and check backpropagation on scalar computation graphs."
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (helptext, run) in (extra or {}).items():
        p = sub.add_parser(name, help=helptext, add_help=False)
        p.add_argument("rest", nargs=argparse.REMAINDER)
        p.set_defaults(run=lambda args, run=run: run(args.rest))
    tour = sub.add_parser("tour", help="a short tour of the engine: one neuron, backward, gradcheck")
    tour.set_defaults(run=_cmd_tour)
    _add_graph_commands(sub)
    from .check.cli import add_check_engine_command

    add_check_engine_command(sub)
    return parser


_GRAPH_EXAMPLES = """examples:
  chaingrad graph "tanh(x*w + b)" --set x=2 --set w=-3 --set b=6.88 -o neuron.svg
  chaingrad graph "x*x + exp(-x)" --set x=1.5 --backward --rankdir TB > g.svg
  chaingrad graph "x/y" --set x=1 --set y=4 --format dot
  chaingrad graph "tanh(x*w + b)" --set x=2 --set w=-3 --set b=6.88 --backward -o neuron.png
  chaingrad steps "tanh(x*w + b)" --set x=2 --set w=-3 --set b=6.88 -o steps.html
  chaingrad steps "tanh(x*w + b)" --set x=2 --set w=-3 --set b=6.88 --mode both -o both.html

An expression may use numbers, variable names (each given a value with --set NAME=NUMBER),
+ - * / **, unary minus and the functions
  {functions}.
Nothing else is accepted, and nothing is ever passed to eval."""


def _add_graph_commands(sub: argparse._SubParsersAction) -> None:
    from .expr import FUNCTIONS
    from .see.render import DEFAULT_MAX_NODES, DEFAULT_TIMEOUT
    from .see.viewer import STEP_MAX_NODES

    epilog = _GRAPH_EXAMPLES.format(functions=", ".join(FUNCTIONS))
    for name, helptext in (("graph", "draw an expression's computation graph as SVG, PNG or DOT"),
                           ("steps", "write a web page that steps through an expression's forward and/or "
                                     "backward pass")):
        p = sub.add_parser(name, help=helptext, description=helptext, epilog=epilog,
                           formatter_class=argparse.RawDescriptionHelpFormatter)
        p.add_argument("expr", metavar="EXPR", help='the expression, e.g. "tanh(x*w + b)"')
        p.add_argument("--set", dest="assign", action="append", default=[], metavar="NAME=NUMBER",
                       help="give a variable its value (repeat for each variable)")
        p.add_argument("--rankdir", choices=["LR", "TB", "RL", "BT"], default="LR",
                       help="layout direction (default: LR, left to right)")
        limit = DEFAULT_MAX_NODES if name == "graph" else STEP_MAX_NODES
        p.add_argument("--max-nodes", type=int, default=limit, metavar="N",
                       help=f"refuse graphs of more than N values (default {limit}; 0: no limit)")
        p.add_argument("--group", choices=["scope"], default=None,
                       help="draw each autograd.scope as a cluster (the page collapses them on click)")
        p.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, metavar="SECONDS",
                       help=f"stop Graphviz if the layout takes longer (default {DEFAULT_TIMEOUT:g})")
        if name == "graph":
            p.add_argument("-o", "--output", metavar="FILE",
                           help="write here (default: standard output); a name ending in .png writes PNG")
            p.add_argument("--backward", action="store_true", help="run backward() first; show gradients")
            p.add_argument("--format", choices=["svg", "dot", "png"], default=None,
                           help="svg (default), dot, or png (needs the system Graphviz and -o)")
            p.set_defaults(run=_cmd_graph)
        else:
            p.add_argument("-o", "--output", metavar="FILE.html",
                           help="the page to write (default: standard output)")
            p.add_argument("--mode", choices=["forward", "backward", "both"], default="backward",
                           help="step through forward (values appear), backward (gradients) or both")
            p.set_defaults(run=_cmd_steps)


def _parse_expr(args: argparse.Namespace) -> object:
    """The built expression, or None after printing why it was refused (exit status 2)."""
    from .expr import ExprError, build, parse_assignment

    try:
        values = dict(parse_assignment(a) for a in args.assign)
        parsed = build(args.expr, values)
    except (ExprError, ValueError) as e:
        print(f"chaingrad {args.command}: {e}", file=sys.stderr)
        return None
    if parsed.unused:
        unused = ", ".join(parsed.unused)
        print(f"chaingrad {args.command}: warning: --set {unused} unused", file=sys.stderr)
    return parsed


def _fail(args: argparse.Namespace, message: str, status: int = 2) -> int:
    print(f"chaingrad {args.command}: {message}", file=sys.stderr)
    return status


def _output_problem(output: str | None) -> str | None:
    """Why ``-o output`` cannot be written, before any work is done (None: it can)."""
    if output is None:
        return None
    if os.path.isdir(output):
        return f"-o {output}: that is a folder; give a file name, e.g. -o {os.path.join(output, 'out')}"
    folder = os.path.dirname(os.path.abspath(output))
    if not os.path.isdir(folder):
        return f"-o {output}: the folder {folder} does not exist; create it first (mkdir -p {folder})"
    return None


def _too_large(args: argparse.Namespace, value: object) -> str | None:
    from .backward import topological_order

    limit = args.max_nodes or None
    count = len(topological_order(value))  # type: ignore[arg-type]
    if limit is not None and count > limit:
        return (f"the graph has {count} values, more than the limit of {limit}; Graphviz can take minutes "
                f"on graphs this size. To draw it anyway pass --max-nodes {count} (or --max-nodes 0 for "
                f"no limit), or draw a smaller expression.")
    return None


def _write(text: str | bytes, output: str | None) -> None:
    if output is None:
        if isinstance(text, bytes):
            sys.stdout.buffer.write(text)
        else:
            sys.stdout.write(text)
    elif isinstance(text, bytes):
        with open(output, "wb") as f:
            f.write(text)
    else:
        with open(output, "w", encoding="utf-8") as f:
            f.write(text)


def _run_and_write(args: argparse.Namespace, make: Callable[[], str | bytes]) -> int:
    from .see.render import RenderError

    if args.timeout is not None and not args.timeout > 0:
        return _fail(args, f"--timeout must be a positive number of seconds, got {args.timeout:g}")
    try:
        text = make()
    except RenderError as e:
        return _fail(args, str(e), 1)
    try:
        _write(text, args.output)
    except OSError as e:
        return _fail(args, f"cannot write -o {args.output}: {e.strerror or e}")
    return 0


def _cmd_graph(args: argparse.Namespace) -> int:
    from .see.render import to_png, to_svg

    fmt = args.format
    wants_png = args.output is not None and args.output.lower().endswith(".png")
    if fmt is None:
        fmt = "png" if wants_png else "svg"
    if wants_png and fmt != "png":
        return _fail(args, f"-o {args.output} names a PNG file but --format is {fmt}; drop --format or "
                           f"name the file .{fmt}")
    if fmt == "png" and args.output is None:
        return _fail(args, "PNG is binary: write it to a file with -o out.png")
    problem = _output_problem(args.output)
    if problem:
        return _fail(args, problem)
    parsed = _parse_expr(args)
    if parsed is None:
        return 2
    value = parsed.value  # type: ignore[attr-defined]
    big = _too_large(args, value)
    if big:
        return _fail(args, big)
    if args.backward:
        value.backward()
    opts = {"rankdir": args.rankdir, "show_grad": args.backward, "max_nodes": None, "group": args.group}
    if fmt == "png":
        return _run_and_write(args, lambda: to_png(value, timeout=args.timeout, **opts))
    return _run_and_write(args, lambda: to_svg(value, format=fmt, timeout=args.timeout, **opts))


_PICTURES = (".png", ".svg", ".jpg", ".jpeg", ".gif", ".pdf", ".dot")


def _cmd_steps(args: argparse.Namespace) -> int:
    from .see.viewer import step_through

    problem = _output_problem(args.output)
    if problem:
        return _fail(args, problem)
    if args.output is not None and args.output.lower().endswith(_PICTURES):
        return _fail(args, f"-o {args.output}: steps writes a web page, so give a name ending in .html "
                           f"(for a picture of the graph: chaingrad graph EXPR -o graph.png)")
    parsed = _parse_expr(args)
    if parsed is None:
        return 2
    value = parsed.value  # type: ignore[attr-defined]
    big = _too_large(args, value)
    if big:
        return _fail(args, big)
    return _run_and_write(args, lambda: step_through(
        value, mode=args.mode, rankdir=args.rankdir, max_nodes=None, group=args.group,
        timeout=args.timeout).page())


def _cmd_tour(args: argparse.Namespace) -> int:
    engine_tour()
    return 0


def main(argv: Sequence[str] | None = None, extra: Mapping[str, Command] | None = None) -> int:
    """Run the command line; ``extra`` adds commands that parse their own arguments."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if extra and argv[:1] and argv[0] in extra:
        # argparse's REMAINDER loses a leading option (`demo --out x`): pass all on
        return int(extra[argv[0]][1](argv[1:]))
    parser = build_parser(extra)
    args = parser.parse_args(argv)
    run = getattr(args, "run", None)
    if run is None:
        parser.print_help()
        return 2
    return int(run(args))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
