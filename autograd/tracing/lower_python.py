"""Pass 4, lower (pure Python): a scheduled program becomes a few compiled loops over float lists.

Forward: every variable has a slot in one list of floats; the instructions of a level
that share an op (and a shape of operands) run in one small loop compiled from the op
table's ``inline`` rule (ops without one call the table's ``forward``), so the op table
stays the single source of each op's arithmetic. A single-use product inside a ``sum`` is
computed inside the sum's expression (``v[o] = v[b] + v[w0] * v[x0] + ...``): the same
operations in the same order, one loop iteration per neuron.

Backward: each gradient is ``g = t1 + t2 + ... (+ 0.0)`` with its terms in
``backward()``'s order (``+ 0.0`` gives what starting from ``0.0`` gives: a sum that
``backward()`` starts at ``+0.0`` is never ``-0.0``), grouped by level and shape into
compiled loops like the forward ones; a gradient that is exactly one other (the operand of
a sum) shares its slot. Long expressions are cut into statements of at most
:data:`MAX_TERMS` terms, continuing the same left fold.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from operator import itemgetter
from typing import Any

from ..ops import Op, op_of
from .ir import MINUS_ONE, ONE, Program, local_slots
from .passes import inlined_products, kept, uses

__all__ = ["PythonReplay", "guard_check", "lower_python"]

MAX_TERMS = 32  # terms per generated statement (deep expressions strain the compiler)
MAX_KERNELS = 4096  # compiled loops kept for reuse across traces
MAX_UNROLLED = 1024  # terms of a gradient written out as code; a longer sum runs as a loop

_NAMES = {"tanh": math.tanh, "sin": math.sin, "cos": math.cos, "exp": math.exp, "log": math.log,
          "sqrt": math.sqrt, "log1p": math.log1p}
Kernel = Callable[[list[float], list[tuple]], None]
_kernels: dict[Any, Kernel] = {}


def _compile(key: Any, name: str, src: str, ns: dict[str, Any]) -> Kernel:
    k = _kernels.get(key)
    if k is None:
        if len(_kernels) >= MAX_KERNELS:  # many different graphs in one process: start afresh
            _kernels.clear()
        exec(compile(src, f"<chaingrad trace kernel {name}>", "exec"), ns)  # our own code, from the table
        k = _kernels[key] = ns["_k"]
    return k


def _chain(target: str, terms: list[str], tail: str = "") -> list[str]:
    """Statements computing ``target = terms[0] + terms[1] + ... + tail`` as one left fold."""
    lines = [f"t = {' + '.join(terms[:MAX_TERMS])}"]
    for i in range(MAX_TERMS, len(terms), MAX_TERMS):
        lines.append(f"t = t + {' + '.join(terms[i:i + MAX_TERMS])}")
    lines.append(f"{target} = t{tail}")
    return lines


def _sum_kernel(pattern: tuple[int, ...]) -> Kernel:
    """``v[o] = left fold of the operands``; pattern: 1 = a slot, 2 = a product of two slots."""
    k = _kernels.get(("sum", pattern))
    if k is not None:
        return k
    names, terms = ["o"], []
    for n in pattern:
        ids = [f"i{len(names) + j}" for j in range(n)]
        names += ids
        terms.append(" * ".join(f"v[{i}]" for i in ids))
    body = _chain("v[o]", terms)
    src = f"def _k(v, run):\n    for {', '.join(names)} in run:\n" + "".join(f"        {x}\n" for x in body)
    return _compile(("sum", pattern), "sum", src, {})


def _op_kernel(entry: Op, stored: tuple[int, ...], has_param: bool) -> Kernel:
    """One op over a group: the table's ``inline`` rule, or a call of its ``forward``.

    Run items are ``(out, operand slots..., stored-derivative slots...[, exponent])``.
    """
    ops = [f"i{i}" for i in range(entry.arity)]
    js = [f"j{i}" for i in stored]
    item = ", ".join(["o", *ops, *js, *(["n"] if has_param else [])])
    if entry.inline is None or has_param:
        call = ", ".join([f"v[{i}]" for i in ops] + (["n"] if has_param else []))
        outs = ", ".join(["v[o]", *(f"v[{j}]" for j in js)])
        src = f"def _k(v, run):\n    for {item} in run:\n        {outs} = f({call})\n"
        return _compile(("forward", entry.name, stored), entry.name, src, {"f": entry.forward})
    out_expr, d_exprs = entry.inline
    body = [f"{n} = v[{i}]" for n, i in zip("ab", ops)]
    body.append(f"out = v[o] = {out_expr}")
    body += [f"v[j{i}] = {d_exprs[i]}" for i in stored]
    src = f"def _k(v, run):\n    for {item} in run:\n" + "".join(f"        {x}\n" for x in body)
    return _compile(("inline", entry.name, stored), entry.name, src, dict(_NAMES))


def _grad_kernel(kinds: tuple[str, ...]) -> Kernel:
    """``g[t] = Σ terms (+ 0.0)``; kinds per term: "1" g[p], "-" -g[p], "v" v[d] * g[p]."""
    k = _kernels.get(("grad", kinds))
    if k is not None:  # most gradients share a few shapes: no source to build again
        return k
    if len(kinds) > MAX_UNROLLED:
        return _long_grad_kernel(kinds)
    names, terms = ["t_"], []
    for k in kinds:
        if k == "v":
            d, q = f"d{len(names)}", f"q{len(names)}"
            names += [d, q]
            terms.append(f"v[{d}] * g[{q}]")
        else:
            q = f"q{len(names)}"
            names.append(q)
            terms.append(f"g[{q}]" if k == "1" else f"-g[{q}]")
    body = _chain("g[t_]", terms, "" if kinds[0] == "1" else " + 0.0")
    src = f"def _k(v, g, run):\n    for {', '.join(names)} in run:\n" + "".join(
        f"        {x}\n" for x in body)
    return _compile(("grad", kinds), "grad", src, {})


def _long_grad_kernel(kinds: tuple[str, ...]) -> Kernel:
    """:func:`_grad_kernel` for a gradient of very many terms (a weight used 10^5 times), as a loop.

    Unrolled, such a sum is one statement per 32 terms and compiling it takes seconds; this
    loop adds the same terms in the same order (a left fold from the first), so the bits
    are the unrolled kernel's.
    """
    steps = [(1 if k == "1" else -1 if k == "-" else 0) for k in kinds]
    tail = kinds[0] != "1"

    def _k(v: list[float], g: list[float], run: list[tuple]) -> None:
        for item in run:
            i = 1
            t = None
            for s in steps:
                if s == 0:
                    term = v[item[i]] * g[item[i + 1]]
                    i += 2
                else:
                    term = g[item[i]] if s == 1 else -g[item[i]]
                    i += 1
                t = term if t is None else t + term
            g[item[0]] = t + 0.0 if tail else t

    _kernels[("grad", kinds)] = _k
    return _k


_SIMPLE = frozenset(("1.0", "-1.0", "a", "b", "out"))  # local derivatives read from a slot, not computed


class PythonReplay:
    """The lowered program: forward loops, backward loops, guard check, slot layout."""

    def __init__(self, p: Program) -> None:
        nv = len(p.var_records)
        values = [1.0, -1.0, *map(itemgetter(2), p.var_records)]  # [2]: a Var record's value
        self.n_inputs = len(p.inputs)
        self.param_slots = (2 + p.params[0], 2 + p.params[-1] + 1) if p.params else (0, 0)
        n_uses = uses(p)
        keep = kept(p)
        producer = p.producer()
        inlined = inlined_products(p, n_uses, keep, producer)  # computed inside their sum
        local: dict[tuple[int, int], int] = {}  # (eqn, operand) -> value slot of d out/d operand
        groups: dict[tuple[int, Any], list[tuple]] = {}
        kernels: dict[Any, Kernel] = {}
        eqns = p.eqn_records
        folded = {eqns[k][2]: eqns[k][1] for k in inlined}  # a folded product's var (out) -> operands (ins)
        rules: dict[Any, tuple[Op, tuple[str, ...]]] = {}
        for lv, members in enumerate(p.levels):
            for k in members:
                if k in inlined:
                    continue
                op, ins, out, param = eqns[k]
                o = 2 + out
                if op == "sum" or op == "+":
                    pattern, slots = [], []
                    for i in ins:
                        ab = folded.get(i)
                        if ab is not None:
                            pattern.append(2)
                            slots += (2 + ab[0], 2 + ab[1])
                        else:
                            pattern.append(1)
                            slots.append(2 + i)
                    key: Any = ("sum", tuple(pattern))
                    if key not in kernels:
                        kernels[key] = _sum_kernel(tuple(pattern))
                    groups.setdefault((lv, key), []).append((o, *slots))
                    continue
                has_param = param is not None
                got = rules.get((op, param))
                if got is None:
                    entry = op_of(op if param is None else f"**{param!r}")
                    got = rules[(op, param)] = (entry, entry.inline[1] if entry.inline is not None
                                                and not has_param else ("expr",) * entry.arity)
                entry, kinds = got
                stored = []
                for pos, kd in enumerate(kinds):
                    if kd not in _SIMPLE:
                        local[(k, pos)] = len(values)
                        values.append(0.0)
                        stored.append(pos)
                    elif kd == "1.0" or kd == "-1.0":
                        local[(k, pos)] = ONE if kd == "1.0" else MINUS_ONE
                    else:
                        local[(k, pos)] = o if kd == "out" else 2 + ins[0 if kd == "a" else -1]
                key = (entry.name, tuple(stored), has_param)
                if key not in kernels:
                    kernels[key] = _op_kernel(entry, tuple(stored), has_param)
                item = (o, *[2 + i for i in ins], *[local[(k, pos)] for pos in stored])
                groups.setdefault((lv, key), []).append((*item, param) if has_param else item)
        # tuples, not lists, of tuples of numbers: the collector stops tracking them (a live trace
        # does not slow every full collection down)
        self.forward_schedule = [(kernels[key], tuple(groups[(lv, key)]))
                                 for lv, key in sorted(groups, key=lambda g: g[0])]
        self.values = tuple(values)
        self.slot = tuple(range(2, 2 + nv))
        self.out_slots = tuple(2 + i for i in p.outputs)
        self.guard_check = guard_check(p, self.slot)
        self._lower_backward(p, local, nv)

    def _lower_backward(self, p: Program, local: dict[tuple[int, int], int], nv: int) -> None:
        gslot = [-1] * nv
        glevel = [0] * nv
        n_g = 0
        groups: dict[tuple[int, tuple[str, ...]], list[tuple]] = {}
        d0, d1 = local_slots(p, local, self.slot)
        eq_out = [e[2] for e in p.eqn_records]  # e[2]: an Eqn record's out
        for var, terms in p.grad_records:
            if not terms:  # the output: the seed
                gslot[var] = n_g
                n_g += 1
                continue
            if len(terms) == 1:  # most gradients: one term, often exactly the parent's gradient
                k, pos = terms[0]
                u = eq_out[k]
                if (d1[k] if pos else d0[k]) == ONE:  # share the parent's slot
                    gslot[var] = gslot[u]
                    glevel[var] = glevel[u]
                    continue
            lv = 0
            item: list[int] = [n_g]
            kinds: list[str] = []
            for k, pos in terms:
                d, u = d1[k] if pos else d0[k], eq_out[k]
                if glevel[u] > lv:
                    lv = glevel[u]
                if d == ONE:
                    kinds.append("1")
                    item.append(gslot[u])
                elif d == MINUS_ONE:
                    kinds.append("-")
                    item.append(gslot[u])
                else:
                    kinds.append("v")
                    item += (d, gslot[u])
            gslot[var] = n_g
            n_g += 1
            glevel[var] = lv + 1
            groups.setdefault((lv + 1, tuple(kinds)), []).append(tuple(item))
        self.n_grads = n_g
        self.backward_schedule = [(_grad_kernel(kinds), tuple(groups[(lv, kinds)]))
                                  for lv, kinds in sorted(groups, key=lambda g: g[0])]
        self.param_grad_slots = tuple(gslot[i] for i in p.params)
        self.seed = gslot[p.outputs[0]] if p.grad_records else -1

    def forward(self, xs: list[float], params: list[float]) -> list[float]:
        v = list(self.values)
        v[2 : 2 + self.n_inputs] = xs
        a, b = self.param_slots
        v[a:b] = params
        for kernel, run in self.forward_schedule:
            kernel(v, run)
        return v

    def backward(self, v: list[float], gradient: float) -> list[float]:
        """Each parameter's gradient (0.0 where the output does not depend on it)."""
        if self.seed < 0:
            return [0.0] * len(self.param_grad_slots)
        g = [0.0] * self.n_grads
        g[self.seed] = 0.0 + gradient
        for kernel, run in self.backward_schedule:
            kernel(v, g, run)
        return [g[s] if s >= 0 else 0.0 for s in self.param_grad_slots]

    def outputs(self, v: list[float]) -> list[float]:
        return [v[s] for s in self.out_slots]


def guard_check(p: Program, slot: Sequence[int] | None = None) -> Callable[[Any], bool] | None:
    """One compiled expression that is True when every guard holds (None without guards).

    ``slot[var]`` is where a lowering keeps each variable (default: ``2 + var``, the Python layout).
    """
    if not p.guards:
        return None
    at = slot if slot is not None else [2 + i for i in range(len(p.var_records))]
    parts = []
    for g in p.guards:
        lhs = f"v[{at[g.lhs]}]" if g.lhs is not None else repr(g.lhs_value)
        rhs = f"v[{at[g.rhs]}]" if g.rhs is not None else repr(g.rhs_value)
        parts.append(f"({lhs} {g.op} {rhs})" if g.expected else f"not ({lhs} {g.op} {rhs})")
    src = "def _k(v):\n    return " + " and ".join(parts) + "\n"
    ns: dict[str, Any] = {"inf": math.inf, "nan": math.nan}
    exec(compile(src, "<chaingrad trace guards>", "exec"), ns)  # our own code
    return ns["_k"]


def lower_python(p: Program) -> PythonReplay:
    """The pure-Python replay of a fused, scheduled program."""
    return PythonReplay(p)
