"""Every op at its edges (nan, ±inf, ±0.0, domain boundaries, huge and tiny magnitudes),
generated from the op table's documented ``edges`` rows: the float rule, the Value method,
the inline rule that the method and trace replay are compiled from, the README's table,
and PyTorch where it is installed."""

import math
import struct
from pathlib import Path

import pytest

from autograd import OPS, Value
from autograd.ops import Edge, edge_table
from autograd.ops import apply as apply_op

ROWS = [(name, e) for name, op in OPS.items() for e in op.edges]
README = Path(__file__).resolve().parents[2] / "README.md"


def same(x: float, y: float) -> bool:
    """Bit-level float equality: nan equals nan, and 0.0 differs from -0.0."""
    return struct.pack("<d", x) == struct.pack("<d", y) or (math.isnan(x) and math.isnan(y))


def _id(row):
    name, e = row
    return f"{name}{e.args}" + ("" if e.param is None else f"**{e.param}")


def _call_float(name: str, e: Edge) -> tuple[float, ...]:
    op = OPS[name]
    return op.forward(e.args[0], e.param) if name == "**n" else op.forward(*e.args)


def _call_value(name: str, e: Edge) -> Value:
    return apply_op(name, *(Value(a) for a in e.args), param=e.param)


def test_every_op_documents_its_edges():
    for name, op in OPS.items():
        assert op.edges, f"op {name!r} has no edge rows"
        assert any(any(math.isnan(a) for a in e.args) for e in op.edges), f"op {name!r}: no nan row"
        assert any(any(math.isinf(a) for a in e.args) for e in op.edges), f"op {name!r}: no inf row"


@pytest.mark.parametrize("row", ROWS, ids=[_id(r) for r in ROWS])
def test_float_rule_matches_the_documented_edge(row):
    name, e = row
    if e.error is not None:
        with pytest.raises(e.error, match=name.strip("*n") or "\\*\\*"):
            _call_float(name, e)
        return
    out, *local = _call_float(name, e)
    assert same(out, e.out), f"{name}{e.args}: value {out!r}, documented {e.out!r}"
    assert len(local) == len(e.local)
    for got, want in zip(local, e.local):
        assert same(got, want), f"{name}{e.args}: local derivatives {local!r}, documented {e.local!r}"


@pytest.mark.parametrize("row", ROWS, ids=[_id(r) for r in ROWS])
def test_value_method_matches_the_documented_edge(row):
    name, e = row
    if e.error is not None:
        with pytest.raises(e.error):
            _call_value(name, e)
        return
    node = _call_value(name, e)
    assert same(node.data, e.out)
    assert all(same(g, w) for g, w in zip(node.local_grads, e.local, strict=True)), node.local_grads


@pytest.mark.parametrize("row", [r for r in ROWS if OPS[r[0]].inline and r[1].error is None],
                         ids=[_id(r) for r in ROWS if OPS[r[0]].inline and r[1].error is None])
def test_inline_rule_matches_the_documented_edge(row):
    name, e = row
    out_expr, d_exprs = OPS[name].inline
    env = {"a": e.args[0], "b": e.args[-1], "tanh": math.tanh}
    out = eval(out_expr, env)  # the op table's own expressions, not user text
    env["out"] = out
    assert same(out, e.out)
    assert all(same(eval(d, env), w) for d, w in zip(d_exprs, e.local, strict=True))


def test_nan_propagates_through_every_unary_op_value_and_gradient():
    for name, op in OPS.items():
        if op.arity != 1 or name in ("**n", "neg"):  # neg's slope is -1 everywhere
            continue
        x = Value(math.nan)
        y = apply_op(name, x)
        y.backward()
        assert math.isnan(y.data), name
        assert math.isnan(x.grad), f"{name}: d/dx at nan is {x.grad!r}, not nan"


def test_nan_is_never_hidden_by_a_kink():
    # The old relu/abs returned 0.0 with gradient 0 at nan: a silent wrong number.
    for method in ("relu", "abs"):
        y = getattr(Value(math.nan), method)()
        assert math.isnan(y.data)
    x = Value(math.nan)
    loss = (x - 0).abs() + (1 - x * 1).relu()     # micrograd's l1 and hinge shapes
    loss.backward()
    assert math.isnan(loss.data) and math.isnan(x.grad)


def test_infinities_give_their_limits():
    assert Value(math.inf).exp().data == math.inf
    assert Value(-math.inf).exp().data == 0.0
    assert (1 / Value(math.inf)).data == 0.0
    assert Value(math.inf).log().data == math.inf
    assert math.isnan(Value(math.nan).log().data)
    assert math.isnan(Value(math.inf).sin().data)
    assert Value(-math.inf).tanh().data == -1.0


def test_sqrt_gradient_at_nan_is_nan_not_inf():
    x = Value(math.nan)
    x.sqrt().backward()
    assert math.isnan(x.grad)


def test_an_overflowing_derivative_is_inf_and_the_value_stays_right():
    # (1e-300) ** -1 = 1e300 fits in a float; only its slope -1e600 does not.
    x = Value(1e-300)
    y = x**-1
    assert y.data == 1e-300**-1 and y.local_grads == (-math.inf,)
    with pytest.raises(OverflowError, match="too large for a float"):
        Value(1e200) ** 2  # here the value itself overflows


def test_readme_has_the_generated_edge_table():
    assert edge_table() in README.read_text(encoding="utf-8"), (
        "README's non-finite semantics table is out of date: paste autograd.ops.edge_table()"
    )


# ---------------------------------------------------------------------------- PyTorch

TORCH_NAMES = {"+": "add", "-": "sub", "*": "mul", "/": "div", "**": "pow", "max": "maximum",
               "min": "minimum", "neg": "neg", "exp": "exp", "log": "log", "log1p": "log1p",
               "tanh": "tanh", "sigmoid": "sigmoid", "relu": "relu", "abs": "abs", "sqrt": "sqrt",
               "sin": "sin", "cos": "cos"}
# Where chaingrad deliberately differs from PyTorch (documented in the README):
# finite domain errors raise here (PyTorch returns nan or inf), and at a nan operand
# relu/abs/max/min give a nan slope (PyTorch passes 0, 1 or splits the gradient), and so do
# log and log1p at -inf (where the value is nan; PyTorch's slope is 1/x = -0.0).
PYTORCH_DIFFERS_AT_NAN_SLOPE = {"relu", "abs", "max", "min", "**", "*", "/", "+", "-", "neg", "**n",
                                "log", "log1p"}


@pytest.mark.parametrize("row", [r for r in ROWS if r[1].error is None], ids=[_id(r) for r in ROWS
                                                                            if r[1].error is None])
def test_values_at_the_edges_agree_with_pytorch(row):
    torch = pytest.importorskip("torch")
    name, e = row
    xs = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in e.args]
    if name == "**n":
        y = xs[0] ** e.param
    else:
        y = getattr(torch, TORCH_NAMES[name])(*xs)
    assert same(float(y), e.out) or (float(y) == e.out), f"{name}{e.args}: torch {float(y)!r}, ours {e.out!r}"
    y.backward()
    for x, want in zip(xs, e.local):
        got = float(x.grad)
        if math.isnan(want) and name in PYTORCH_DIFFERS_AT_NAN_SLOPE:
            continue
        if name == "sqrt" and e.args[0] == 0.0:
            continue  # both are inf; the sign of -0.0's slope differs
        assert got == want or (math.isnan(got) and math.isnan(want)), (
            f"{name}{e.args}: torch's slope {got!r}, ours {want!r}"
        )
