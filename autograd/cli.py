"""The ``chaingrad`` command: ``demo`` (train a network; lives in ``nn.demo``) and ``tour``.

The command line is the application layer: it is the one place in ``autograd`` that may
reach into ``nn`` (for ``demo``), and only lazily, when that subcommand runs. The engine
library itself never imports ``nn``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="chaingrad", description="See and check backpropagation on scalar computation graphs."
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    demo = sub.add_parser("demo", help="train a small network end to end (see `chaingrad demo --help`)",
                          add_help=False)
    demo.add_argument("rest", nargs=argparse.REMAINDER)
    demo.set_defaults(run=_cmd_demo)
    tour = sub.add_parser("tour", help="a short tour of the engine: one neuron, backward, gradcheck")
    tour.set_defaults(run=_cmd_tour)
    return parser


def _cmd_tour(args: argparse.Namespace) -> int:
    engine_tour()
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    try:
        from nn.demo import main as demo_main
    except ImportError:  # nn.demo not built yet: the engine tour is the demo
        engine_tour()
        return 0
    return demo_main(args.rest)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["demo"]:  # argparse's REMAINDER loses a leading option (`demo --out x`): pass all on
        return _cmd_demo(argparse.Namespace(rest=argv[1:]))
    parser = build_parser()
    args = parser.parse_args(argv)
    run = getattr(args, "run", None)
    if run is None:
        parser.print_help()
        return 2
    return int(run(args))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
