"""Save and load a module's parameters as JSON (never pickle): ``nn.save`` and ``nn.load``.

The file holds a format name and version, the module's repr (to say what it was saved
from) and its ``state_dict()``; optionally the optimizer's and the learning-rate schedule's
state too, so that training resumes exactly where it stopped. Python writes each float with
``repr``, so values round-trip exactly. Loading validates the whole file against the module
(and optimizer, schedule) before assigning anything: on any error nothing is changed.

>>> import os, random, tempfile
>>> from nn import MLP
>>> a, b = MLP(2, [3, 1], rng=random.Random(0)), MLP(2, [3, 1], rng=random.Random(1))
>>> path = os.path.join(tempfile.mkdtemp(), "model.json")
>>> save(a, path)
>>> load(b, path).state_dict() == a.state_dict()
True
"""

from __future__ import annotations

import json
import math
import os
import re
import secrets
import stat
from typing import Any

from .module import Module

__all__ = ["FORMAT", "VERSION", "load", "save"]

FORMAT = "chaingrad.state_dict"
VERSION = 1

PathLike = str | os.PathLike[str]


def _check_module(where: str, module: Any) -> None:
    if not isinstance(module, Module):
        raise TypeError(f"{where}: expected an nn.Module, got {type(module).__name__}: {module!r}")


def _check_stateful(where: str, what: str, obj: Any) -> None:
    if obj is not None and not (callable(getattr(obj, "state_dict", None))
                                and callable(getattr(obj, "load_state_dict", None))):
        raise TypeError(
            f"{where}: {what} must be an nn.optim object with state_dict() and load_state_dict(), "
            f"got {type(obj).__name__}"
        )


def _param_names(where: str, module: Module, optimizer: Any) -> list[str]:
    """The module's name for each of the optimizer's parameters, in the optimizer's order."""
    names = {id(p): n for n, p in module.named_parameters()}
    params = getattr(optimizer, "params", None)
    if not isinstance(params, list):
        raise TypeError(f"{where}: the optimizer has no parameter list (.params); use one from nn.optim")
    out = []
    for i, p in enumerate(params):
        if id(p) not in names:
            raise ValueError(
                f"{where}: the optimizer's params[{i}] ({p!r}) is not a parameter of {module!r}; "
                "build the optimizer from this module's parameters()"
            )
        out.append(names[id(p)])
    return out


def _non_finite(obj: Any, path: str = "") -> str | None:
    """The path of the first non-finite float in nested dicts/lists, or None."""
    stack: list[tuple[str, Any]] = [(path, obj)]
    while stack:
        where, x = stack.pop()
        if isinstance(x, float) and not math.isfinite(x):
            return where
        if isinstance(x, dict):
            stack.extend((f"{where}.{k}" if where else str(k), v) for k, v in x.items())
        elif isinstance(x, (list, tuple)):
            stack.extend((f"{where}[{i}]", v) for i, v in enumerate(x))
    return None


def save(module: Module, path: PathLike, *, optimizer: Any = None, scheduler: Any = None) -> None:
    """Write ``{"format", "version", "module", "state_dict"}`` as JSON to ``path``, with
    ``"optimizer"`` and ``"scheduler"`` entries when those are given.

    The optimizer's state (momentum buffers, Adam's moments, the step count, the
    hyper-parameters) is stored with the module's name of each parameter it updates, so
    :func:`load` can check that it belongs to the same parameters.

    The file is written to a temporary name in the same folder and renamed into place, so an
    interrupted save never leaves a half-written file. Like ``open(path, "w")``, a new file
    gets mode 0666 less the umask, an existing file keeps its mode, and a path that is a
    symbolic link writes the file the link points to (the link stays). A NaN or infinite
    number is a ``ValueError`` (JSON has no such numbers, and a diverged model is rarely worth
    keeping).

    >>> import json, os, pathlib, tempfile
    >>> from nn import Neuron
    >>> path = os.path.join(tempfile.mkdtemp(), "neuron.json")
    >>> save(Neuron(1, init=lambda fi, fo, rng: 0.5), path)
    >>> json.loads(pathlib.Path(path).read_text())["state_dict"]
    {'w.0': 0.5, 'b': 0.0}
    """
    _check_module("nn.save", module)
    _check_stateful("nn.save", "optimizer", optimizer)
    _check_stateful("nn.save", "scheduler", scheduler)
    state = module.state_dict()
    bad = [name for name, v in state.items() if not math.isfinite(v)]
    if bad:
        raise ValueError(f"nn.save: parameter(s) {', '.join(map(repr, bad))} of {module!r} are not finite")
    doc: dict[str, Any] = {"format": FORMAT, "version": VERSION, "module": repr(module), "state_dict": state}
    if optimizer is not None:
        doc["optimizer"] = {**optimizer.state_dict(), "params": _param_names("nn.save", module, optimizer)}
    if scheduler is not None:
        doc["scheduler"] = scheduler.state_dict()
    for key in ("optimizer", "scheduler"):
        where = _non_finite(doc.get(key))
        if where is not None:
            raise ValueError(f"nn.save: the {key}'s state entry {where!r} is not finite")
    _write_atomic(os.fspath(path), json.dumps(doc, indent=1, allow_nan=False) + "\n")


def _write_atomic(target: str, text: str) -> None:
    """Write ``text`` to ``target`` through a temporary file and ``os.replace``, as ``open`` would
    have written it: through a symbolic link, keeping an existing file's mode, else 0666 & ~umask."""
    real = os.path.realpath(target)  # write where a link points, so the link stays a link
    try:
        mode: int | None = stat.S_IMODE(os.stat(real).st_mode)
    except FileNotFoundError:
        mode = None
    folder = os.path.dirname(real)
    tmp = os.path.join(folder, f".{os.path.basename(real)}.{secrets.token_hex(6)}.tmp")
    # O_EXCL: never follow or reuse an existing name; 0o666 goes through the umask, as open() does
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o666)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            if mode is not None:
                os.chmod(f.fileno() if os.chmod in os.supports_fd else tmp, mode)
        os.replace(tmp, real)
    except BaseException:
        if os.path.lexists(tmp):
            os.unlink(tmp)
        raise


def _bad(path: str, what: str) -> ValueError:
    return ValueError(f"nn.load: {path} {what}")


# A parameter file nests a few levels (the document, the optimizer's state, one parameter's
# moments). json's reader recurses once per level, in C: a hostile file nested 10^5 deep
# raises RecursionError under the default recursion limit, but with the limit raised (as
# micrograd users raise it for its recursive backward) it overflows the C stack and the
# process dies. So the depth is measured first, without recursion.
MAX_NESTING = 64
_JSON_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')


def _nesting(text: str) -> int:
    """The deepest nesting of ``[`` and ``{`` in JSON ``text``, brackets inside strings aside.

    >>> _nesting('{"a": [1, "[[["], "b": {}}')
    2
    """
    depth = deepest = 0
    for m in _JSON_TOKENS.finditer(text):
        c = m.group()
        if c == "[" or c == "{":
            depth += 1
            if depth > deepest:
                deepest = depth
        elif c == "]" or c == "}":
            depth -= 1
    return deepest


def _read(path: str) -> dict[str, Any]:
    with open(path, "rb") as f:
        raw = f.read()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise _bad(path, f"is not UTF-8 text (byte {e.start} is {raw[e.start:e.start + 1]!r}); "
                         "a chaingrad parameter file is JSON written by nn.save") from None
    # (a real file opens about ten brackets in all: counting them is C-fast, the scan is not)
    if text.count("[") + text.count("{") > MAX_NESTING and _nesting(text) > MAX_NESTING:
        raise _bad(path, "is not a chaingrad parameter file: its JSON is nested too deeply to read")
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as e:
        raise _bad(path, f"is not valid JSON ({e.msg} at line {e.lineno}, column {e.colno})") from e
    except RecursionError:
        raise _bad(path, "is not a chaingrad parameter file: its JSON is nested too deeply to read") from None
    except ValueError as e:  # e.g. an integer literal longer than Python's digit limit
        raise _bad(path, f"is not a chaingrad parameter file: {e}") from None
    if not isinstance(doc, dict):
        raise _bad(path, f"holds a JSON {type(doc).__name__}, not a chaingrad state_dict object")
    if doc.get("format") != FORMAT:
        raise _bad(path, f"is not a chaingrad parameter file (its 'format' is {doc.get('format')!r}, "
                         f"expected {FORMAT!r}); write one with nn.save(module, path)")
    version = doc.get("version")
    if version != VERSION or isinstance(version, bool):
        raise _bad(path, f"has format version {version!r}; this chaingrad reads version {VERSION}")
    if not isinstance(doc.get("state_dict"), dict):
        raise _bad(path, f"has no 'state_dict' object (found {type(doc.get('state_dict')).__name__})")
    return doc


def load(module: Module, path: PathLike, *, optimizer: Any = None, scheduler: Any = None) -> Module:
    """Set ``module``'s parameters (and ``optimizer``'s, ``scheduler``'s state, when given) from a
    file written by :func:`save`; returns ``module``.

    A file that is not UTF-8, not valid JSON, not a chaingrad parameter file, of another format
    version, or whose entries do not fit (a missing, unexpected or non-numeric entry, a number
    beyond float range: e.g. saved from a different architecture, or an optimizer of another
    kind or over other parameters) is a ``ValueError`` naming the file and the entry; then
    nothing is changed. A missing file is ``FileNotFoundError``. Build the optimizer and the
    schedule as for a fresh start, then load: the next steps are those the saved run would
    have taken.

    >>> import os, tempfile
    >>> from nn import Neuron
    >>> path = os.path.join(tempfile.mkdtemp(), "neuron.json")
    >>> save(Neuron(1, init=lambda fi, fo, rng: 0.5), path)
    >>> load(Neuron(1), path).w[0].data
    0.5
    """
    _check_module("nn.load", module)
    _check_stateful("nn.load", "optimizer", optimizer)
    _check_stateful("nn.load", "scheduler", scheduler)
    target = os.fspath(path)
    doc = _read(target)
    saved_from = doc["module"] if isinstance(doc.get("module"), str) else "an unknown module"
    staged: list[tuple[Any, Any, str]] = [(module, doc["state_dict"], "state_dict")]
    if optimizer is not None:
        opt_state = doc.get("optimizer")
        if not isinstance(opt_state, dict):
            raise _bad(target, "holds no optimizer state (save it with nn.save(model, path, optimizer=opt))")
        opt_state = dict(opt_state)
        names = opt_state.pop("params", None)
        if names != _param_names("nn.load", module, optimizer):
            raise _bad(target, f"entry 'optimizer.params': the saved optimizer updated {names!r}, "
                               "not this optimizer's parameters of this module")
        staged.append((optimizer, opt_state, "optimizer"))
    if scheduler is not None:
        if not isinstance(doc.get("scheduler"), dict):
            raise _bad(target, "holds no scheduler state (save it with nn.save(..., scheduler=sched))")
        staged.append((scheduler, doc["scheduler"], "scheduler"))
    # each load_state_dict is all or nothing; undo the earlier ones if a later one fails
    done: list[tuple[Any, Any]] = []
    for obj, state, key in staged:
        before = obj.state_dict()
        try:
            obj.load_state_dict(state)
        except (ValueError, TypeError, OverflowError) as e:
            for prev, snapshot in reversed(done):
                prev.load_state_dict(snapshot)
            raise ValueError(
                f"nn.load: {target} (saved from {saved_from}), entry {key!r} does not fit: {e}"
            ) from e
        done.append((obj, before))
    return module
