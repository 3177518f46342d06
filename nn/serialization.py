"""Save and load a module's parameters as JSON (never pickle): ``nn.save`` and ``nn.load``.

The file holds a format name and version, the module's repr (to say what it was saved
from) and its ``state_dict()``. Python writes each float with ``repr``, so values round-trip
exactly. Loading validates the whole file against the module before assigning anything: on
any error the module is unchanged.

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
import tempfile
from typing import Any

from .module import Module

__all__ = ["FORMAT", "VERSION", "load", "save"]

FORMAT = "chaingrad.state_dict"
VERSION = 1

PathLike = str | os.PathLike[str]


def _check_module(where: str, module: Any) -> None:
    if not isinstance(module, Module):
        raise TypeError(f"{where}: expected an nn.Module, got {type(module).__name__}: {module!r}")


def save(module: Module, path: PathLike) -> None:
    """Write ``{"format", "version", "module", "state_dict"}`` as JSON to ``path``.

    The file is written to a temporary name and renamed into place, so an interrupted save
    never leaves a half-written file. A NaN or infinite parameter is a ``ValueError`` (JSON
    has no such numbers, and a diverged model is rarely worth keeping).

    >>> import json, os, pathlib, tempfile
    >>> from nn import Neuron
    >>> path = os.path.join(tempfile.mkdtemp(), "neuron.json")
    >>> save(Neuron(1, init=lambda fi, fo, rng: 0.5), path)
    >>> json.loads(pathlib.Path(path).read_text())["state_dict"]
    {'w.0': 0.5, 'b': 0.0}
    """
    _check_module("nn.save", module)
    state = module.state_dict()
    bad = [name for name, v in state.items() if not math.isfinite(v)]
    if bad:
        raise ValueError(f"nn.save: parameter(s) {', '.join(map(repr, bad))} of {module!r} are not finite")
    doc = {"format": FORMAT, "version": VERSION, "module": repr(module), "state_dict": state}
    text = json.dumps(doc, indent=1, allow_nan=False) + "\n"
    target = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(target))
    fd, tmp = tempfile.mkstemp(prefix=".chaingrad-", suffix=".json.tmp", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _read(path: str) -> tuple[dict[str, Any], str]:
    with open(path, encoding="utf-8") as f:
        text = f.read()
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as e:
        raise ValueError(
            f"nn.load: {path} is not valid JSON ({e.msg} at line {e.lineno}, column {e.colno})"
        ) from e
    if not isinstance(doc, dict):
        raise ValueError(
            f"nn.load: {path} holds a JSON {type(doc).__name__}, not a chaingrad state_dict object"
        )
    if doc.get("format") != FORMAT:
        raise ValueError(
            f"nn.load: {path} is not a chaingrad parameter file (its 'format' is {doc.get('format')!r}, "
            f"expected {FORMAT!r}); write one with nn.save(module, path)"
        )
    version = doc.get("version")
    if version != VERSION or isinstance(version, bool):
        raise ValueError(
            f"nn.load: {path} has format version {version!r}; this chaingrad reads version {VERSION}"
        )
    state = doc.get("state_dict")
    if not isinstance(state, dict):
        raise ValueError(f"nn.load: {path} has no 'state_dict' object (found {type(state).__name__})")
    saved_from = doc.get("module")
    return state, saved_from if isinstance(saved_from, str) else "an unknown module"


def load(module: Module, path: PathLike) -> Module:
    """Set ``module``'s parameters from a file written by :func:`save`; returns ``module``.

    A file that is not valid JSON, not a chaingrad parameter file, of another format version,
    or whose parameters do not match the module's (a missing, unexpected or non-numeric
    entry: e.g. saved from a different architecture) is a ``ValueError`` naming the file and
    the entry; the module is then unchanged. A missing file is ``FileNotFoundError``.

    >>> import os, tempfile
    >>> from nn import Neuron
    >>> path = os.path.join(tempfile.mkdtemp(), "neuron.json")
    >>> save(Neuron(1, init=lambda fi, fo, rng: 0.5), path)
    >>> load(Neuron(1), path).w[0].data
    0.5
    """
    _check_module("nn.load", module)
    target = os.fspath(path)
    state, saved_from = _read(target)
    try:
        module.load_state_dict(state)
    except ValueError as e:
        raise ValueError(f"nn.load: {target} (saved from {saved_from}) does not fit: {e}") from e
    return module
