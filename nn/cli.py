"""The ``chaingrad`` program: the engine's commands (:mod:`autograd.cli`) and ``demo``.

It lives in ``nn`` because it needs both packages, and ``autograd`` never imports ``nn``.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from autograd import cli as _engine_cli


def _demo(argv: list[str]) -> int:
    from .demo import main as demo_main

    return demo_main(argv)


COMMANDS: dict[str, _engine_cli.Command] = {
    "demo": ("train a small network end to end (see `chaingrad demo --help`)", _demo),
}


def main(argv: Sequence[str] | None = None) -> int:
    """``chaingrad COMMAND ...``; ``chaingrad --help`` lists the commands."""
    return _engine_cli.main(argv, COMMANDS)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
