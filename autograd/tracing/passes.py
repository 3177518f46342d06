"""Passes 2 and 3, fuse and schedule: rewrite a recorded program without changing one number.

* :func:`fuse` turns each chain of single-use ``+`` nodes (``sum(terms, start)`` builds
  one: ``((b + t0) + t1) + ...``) into one ``sum`` instruction, the same left fold, and
  maps every backward term onto it. ``backward()`` gives each operand of the chain
  ``1 · g(partial sum)``, and every partial sum's gradient is exactly the chain's, so the
  numbers are unchanged.
* :func:`schedule` groups the instructions into levels: an instruction's level is one more
  than the deepest of its inputs, so all instructions of a level can run at once (the
  lowerings run each level's same-op instructions as one loop or one array call).
"""

from __future__ import annotations

from collections import Counter
from itertools import chain, repeat
from operator import itemgetter

from .ir import PARTIAL_SUM, Program
from .record import backward_records

__all__ = ["fuse", "inlined_products", "kept", "schedule", "uses"]


def uses(p: Program) -> list[int]:
    """How many times each variable is an operand of an instruction."""
    counts = Counter(chain.from_iterable(map(_INS, p.eqn_records)))
    return list(map(counts.get, range(len(p.var_records)), repeat(0)))


_INS = itemgetter(1)  # an eqn record's ins


def kept(p: Program) -> set[int]:
    """Variables whose values the caller or a guard reads: never fused away."""
    out = set(p.outputs)
    for g in p.guards:
        out.update(x for x in (g.lhs, g.rhs) if x is not None)
    return out


def inlined_products(p: Program, n_uses: list[int], keep: set[int], producer: dict[int, int]) -> set[int]:
    """The ``*`` instructions whose single use is inside a sum: both lowerings compute them
    inside that sum's expression instead of storing them (indices into ``p.eqn_records``)."""
    inlined = set()
    eqns = p.eqn_records
    for op, ins, _, _ in eqns:
        if op == "sum" or op == "+":
            for i in ins:
                k = producer.get(i)
                if k is not None and eqns[k][0] == "*" and n_uses[i] == 1 and i not in keep:  # [0]: op
                    inlined.add(k)
    return inlined


def fuse(p: Program) -> Program:
    """Fold chains of single-use ``+`` into ``sum`` instructions (the same left fold).

    The backward instructions are derived from the recorded forward ones by
    :func:`~.record.backward_records`, each term pointed at the instruction it now comes
    from, so they are the ones the recorded program has (``p.grad_records``, which may be
    left empty) with the folded partial sums left out.

    >>> from autograd import Value
    >>> from autograd.tracing.record import record
    >>> w = [Value(1.0, label=f"w{i}") for i in range(3)]
    >>> prog = fuse(record(lambda: w[0] + w[1] + w[2], ()).program)
    >>> [str(line).strip() for line in str(prog).splitlines()[2:3]]
    ['v0 = w0 + w1 + w2']
    """
    recorded = p.eqn_records
    n_uses = uses(p)
    keep = kept(p)
    producer = p.producer()
    n_eqns = len(recorded)
    chain = [-1] * n_eqns  # '+' eqn -> its chain's id (the chain's first '+'), else -1
    b_at = [0] * n_eqns  # '+' eqn -> the chain position of its b
    absorbed = [False] * n_eqns  # a '+' that the next '+' of its chain continues
    ops_of: dict[int, list[int]] = {}  # chain id -> operands so far
    top: dict[int, int] = {}  # chain id -> eqn index of its current top
    pluses = []  # the '+' eqns, in order
    for k, (op, ins, _, _) in enumerate(recorded):
        if op != "+":
            continue
        pluses.append(k)
        a = ins[0]
        left = producer.get(a)
        if left is not None and chain[left] >= 0 and n_uses[a] == 1 and a not in keep:
            cid = chain[left]
            absorbed[left] = True
            ops = ops_of[cid]
            ops.append(ins[1])
        else:
            cid = k
            ops = ops_of[cid] = [a, ins[1]]
        top[cid] = k
        chain[k] = cid
        b_at[k] = len(ops) - 1
    eqns = []
    new_index = [-1] * n_eqns
    for k, e in enumerate(recorded):
        if absorbed[k]:
            continue
        new_index[k] = len(eqns)
        cid = chain[k]
        ops = ops_of[cid] if cid >= 0 else None
        eqns.append(("sum", tuple(ops), e[2], None) if ops is not None and len(ops) > 2 else e)  # e[2]: out
    # where a backward term (eqn k, operand pos) lands: at_a for pos 0, at_b for pos 1
    at_a = list(zip(new_index, repeat(0)))
    at_b = list(zip(new_index, repeat(1)))
    for k in pluses:
        t = new_index[top[chain[k]]]
        at_a[k] = (t, 0)
        at_b[k] = (t, b_at[k])
    absorbed_vars = [recorded[k][2] for k in pluses if absorbed[k]]
    grads = backward_records(recorded, p.outputs[0], p.params, len(p.var_records), at_a, at_b, absorbed_vars)
    names = list(p.var_records)  # the results that remain are v0, v1, ... in their new order when read
    for o in absorbed_vars:  # no instruction computes these any more, and no line shows them
        names[o] = PARTIAL_SUM
    return p.with_(var_records=tuple(names), eqn_records=tuple(eqns), grad_records=grads, levels=())


def schedule(p: Program) -> Program:
    """Group instructions into levels that can each run at once (inputs of a level are ready).

    >>> from autograd import Value
    >>> from autograd.tracing.record import record
    >>> a, b = Value(1.0), Value(2.0)
    >>> schedule(record(lambda: (a * b) + (a * a), ()).program).levels
    ((0, 1), (2,))
    """
    level_of = [-1] * len(p.var_records)  # the level of the instruction computing each variable (-1: a leaf)
    level = []
    for _, ins, out, _ in p.eqn_records:
        deepest = -1
        for i in ins:
            x = level_of[i]
            if x > deepest:
                deepest = x
        level_of[out] = deepest + 1
        level.append(deepest + 1)
    groups: dict[int, list[int]] = {}
    for k, lv in enumerate(level):
        groups.setdefault(lv, []).append(k)
    return p.with_(levels=tuple(tuple(groups[lv]) for lv in sorted(groups)))
