"""The ``chaingrad check-engine MODULE:NAME`` subcommand: check a micrograd-style engine.

Exit status 0 when every check passes, 1 when one fails, 2 for a usage error (a bad
argument, a module that cannot be imported, a name that is not a Value class). Never a
traceback: whatever the engine's module raises is reported in one line.
"""

from __future__ import annotations

import argparse
import html
import importlib
import importlib.util
import os
import sys
from pathlib import Path
from typing import Any

_EXAMPLES = """examples:
  chaingrad check-engine micrograd.engine:Value
  chaingrad check-engine mymodule:Value            (mymodule.py in the current directory)
  chaingrad check-engine path/to/engine.py:Value --html report.html
  chaingrad check-engine mymodule:Value --checks op,fan-in --max-examples 300 --seed 7

checks: {checks}
An op the engine lacks is listed as missing, not failed. Exit status: 0 all checks pass,
1 a check failed, 2 usage error."""


class UsageError(Exception):
    """A bad command line or a target that cannot be loaded (exit status 2)."""


def add_check_engine_command(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``check-engine`` on the ``chaingrad`` command's subparsers (without importing
    Hypothesis: that happens when the command runs, so the other commands never need it)."""
    from .report import CHECKS

    helptext = "check a micrograd-style Value class: ops, fan-in, accumulation, deep graphs, ..."
    p = subparsers.add_parser("check-engine", help=helptext, description=helptext,
                              epilog=_EXAMPLES.format(checks=", ".join(CHECKS)),
                              formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("target", metavar="MODULE:NAME",
                   help="the engine's Value class (or a function number -> Value), e.g. mymodule:Value")
    p.add_argument("--max-examples", type=int, default=100, metavar="N",
                   help="random expressions for the fan-in check (default 100; ops get N/4 points each)")
    p.add_argument("--seed", type=int, default=0, help="seed for the random examples (default 0)")
    p.add_argument("--ops", metavar="OP,OP", help="check only these ops (names as in chaingrad's op table)")
    p.add_argument("--checks", metavar="NAME,NAME", help="run only these checks")
    p.add_argument("--html", metavar="FILE", help="also write the report, with graphs, as a web page")
    p.set_defaults(run=run_check_engine)
    return p


def _split(text: str | None) -> list[str] | None:
    if text is None:
        return None
    return [t.strip() for t in text.split(",") if t.strip()]


def load_target(spec: str) -> Any:
    """The object named by ``MODULE:NAME`` (or ``path/to/file.py:NAME``); UsageError if not."""
    module_name, sep, attr = spec.rpartition(":")
    if not sep or not module_name or not attr:
        raise UsageError(f"expected MODULE:NAME (like mymodule:Value or engine.py:Value), got {spec!r}")
    try:
        module = _import(module_name)
    except UsageError:
        raise
    except KeyboardInterrupt:
        raise
    except BaseException as e:  # SystemExit and anything the module raises at import
        raise UsageError(f"cannot import {module_name!r}: {type(e).__name__}: {e}") from None
    obj: Any = module
    for part in attr.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            names = sorted(n for n, v in vars(module).items()
                           if isinstance(v, type) and not n.startswith("_"))
            have = f"; its classes: {', '.join(names)}" if names else ""
            raise UsageError(f"{module_name!r} has no {attr!r}{have}") from None
    return obj


def _import(name: str) -> Any:
    if name.endswith(".py") or "/" in name or os.sep in name:
        path = Path(name)
        if not path.is_file():
            raise UsageError(f"no such file: {name}")
        folder = str(path.resolve().parent)
        if folder not in sys.path:
            sys.path.insert(0, folder)  # so the engine's own imports of its neighbours work
        spec = importlib.util.spec_from_file_location(path.stem, path)
        if spec is None or spec.loader is None:
            raise UsageError(f"cannot load {name} as a Python module")
        module = importlib.util.module_from_spec(spec)
        sys.modules[path.stem] = module
        spec.loader.exec_module(module)
        return module
    here = os.getcwd()
    if here not in sys.path and "" not in sys.path:
        sys.path.insert(0, here)  # `chaingrad check-engine mymodule:Value` next to mymodule.py
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as e:
        if e.name and name.split(".")[0] == e.name.split(".")[0]:
            raise UsageError(f"cannot import {name!r}: no module named {e.name!r} (run from the directory "
                             f"that holds it, or pass path/to/{name.split('.')[-1]}.py:NAME)") from None
        raise


def run_check_engine(args: argparse.Namespace) -> int:
    """The subcommand: print the report; exit 0 / 1 / 2."""
    try:
        from .engine import check_engine
    except ImportError as e:
        print(f"chaingrad check-engine: {e}", file=sys.stderr)
        return 2
    try:
        target = load_target(args.target)
        report = check_engine(target, ops=_split(args.ops), checks=_split(args.checks),
                              max_examples=args.max_examples, seed=args.seed)
    except (UsageError, TypeError, ValueError) as e:
        print(f"chaingrad check-engine: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("chaingrad check-engine: interrupted", file=sys.stderr)
        return 130
    except Exception as e:  # never a traceback; this would be a bug in check_engine itself
        print(f"chaingrad check-engine: internal error: {type(e).__name__}: {e}", file=sys.stderr)
        return 1
    print(report.text())
    if args.html:
        page = (f"<!doctype html>\n<html><head><meta charset='utf-8'><title>check-engine: "
                f"{html.escape(report.engine)}</title></head><body>\n{report._repr_html_()}\n</body></html>\n")
        try:
            Path(args.html).write_text(page, encoding="utf-8")
        except OSError as e:
            print(f"chaingrad check-engine: cannot write {args.html}: {e}", file=sys.stderr)
            return 2
    return 0 if report.ok else 1
