"""nn.to_torch / nn.from_torch: the same function and gradients in PyTorch, and back, exactly."""

import random
import subprocess
import sys

import pytest
from tolerances import ROUNDING as OUT_TOL  # float64: the same sums in another order

import nn
from autograd import Value
from nn import MLP, Layer, Neuron
from nn import functional as F


def inputs(n, nin, seed):
    r = random.Random(seed)
    return [[r.uniform(-2, 2) for _ in range(nin)] for _ in range(n)]


def outputs(model, X):
    out = []
    for x in X:
        o = model(x)
        out.append([v.data for v in o] if isinstance(o, list) else [o.data])
    return out


@pytest.mark.parametrize(
    ("make", "nin"),
    [(lambda: MLP(2, [16, 16, 1], rng=random.Random(0)), 2),
     (lambda: MLP(3, [8, 4], activation="tanh", rng=random.Random(1)), 3),
     (lambda: MLP(2, [5, 5, 5, 3], activation="sigmoid", rng=random.Random(2)), 2),
     (lambda: Layer(4, 3, rng=random.Random(3)), 4),
     (lambda: Neuron(3, activation="tanh", rng=random.Random(4)), 3)],
    ids=["relu-mlp", "tanh-mlp", "sigmoid-mlp", "layer", "neuron"],
)
def test_to_torch_gives_the_same_outputs_and_gradients(make, nin):
    torch = pytest.importorskip("torch")
    model = make()
    X = inputs(20, nin, 7)
    net = nn.to_torch(model)
    assert isinstance(net, torch.nn.Module) and all(p.dtype == torch.float64 for p in net.parameters())
    got = net(torch.tensor(X, dtype=torch.float64)).tolist()
    want = outputs(model, X)
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert g == pytest.approx(w, abs=OUT_TOL, rel=OUT_TOL)
    # gradients of the same loss agree too: the torch module is the same function of its weights
    scores = [model(x) for x in X]
    first = [s[0] if isinstance(s, list) else s for s in scores]
    loss = F.mse_loss(first, [0.5] * len(X))
    model.zero_grad()
    loss.backward()
    t_loss = ((net(torch.tensor(X, dtype=torch.float64))[:, 0] - 0.5) ** 2).mean()
    t_loss.backward()
    ours = [p.grad for p in model.parameters()]
    theirs = []
    linears = [m for m in net if isinstance(m, torch.nn.Linear)]
    for lin in linears:  # chaingrad's order: per neuron, its weights then its bias
        for row, b in zip(lin.weight.grad.tolist(), lin.bias.grad.tolist()):
            theirs += [*row, b]
    assert theirs == pytest.approx(ours, abs=OUT_TOL, rel=1e-10)


def test_the_torch_copy_is_independent():
    torch = pytest.importorskip("torch")
    model = MLP(2, [3, 1], rng=random.Random(0))
    before = model.state_dict()
    net = nn.to_torch(model)
    with torch.no_grad():
        for p in net.parameters():
            p.add_(1.0)
    assert model.state_dict() == before


def test_from_torch_reverses_to_torch_exactly():
    pytest.importorskip("torch")
    model = MLP(2, [6, 6, 2], activation="tanh", rng=random.Random(5))
    back = nn.from_torch(nn.to_torch(model))
    assert isinstance(back, MLP) and repr(back) == repr(model)
    assert back.state_dict() == model.state_dict()  # bit for bit
    X = inputs(5, 2, 1)
    assert outputs(back, X) == outputs(model, X)


def test_from_torch_takes_a_model_made_in_torch():
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(3, 5), torch.nn.ReLU(), torch.nn.Linear(5, 4), torch.nn.Tanh(),
                              torch.nn.Linear(4, 2), torch.nn.Sigmoid())  # float32, mixed activations
    model = nn.from_torch(net)
    assert [n.activation for n in (layer.neurons[0] for layer in model.layers)] == ["relu", "tanh", "sigmoid"]
    X = inputs(10, 3, 2)
    want = net.double()(torch.tensor(X, dtype=torch.float64)).tolist()
    for g, w in zip(outputs(model, X), want):
        assert g == pytest.approx(w, abs=OUT_TOL)
    single = nn.from_torch(torch.nn.Linear(2, 1).double())
    assert repr(single) == "MLP(2 -> 1, relu)" and isinstance(single([1.0, 2.0]), Value)


@pytest.mark.parametrize(
    ("build", "exc", "match"),
    [
        (lambda t: t.nn.Sequential(t.nn.Linear(2, 3, bias=False)), ValueError, "has no bias"),
        (lambda t: t.nn.Sequential(t.nn.Linear(2, 3), t.nn.Dropout(0.1)), ValueError,
         "module 1 is a Dropout; only Linear"),
        (lambda t: t.nn.Sequential(t.nn.ReLU(), t.nn.Linear(2, 3)), ValueError, "must follow a Linear"),
        (lambda t: t.nn.Sequential(t.nn.Linear(2, 3), t.nn.Linear(4, 1)), ValueError,
         "takes 4 inputs but the layer before gives 3"),
        (lambda t: t.nn.Sequential(), ValueError, "no Linear layer"),
        (lambda t: t.nn.Conv1d(1, 1, 3), TypeError, "expected a torch.nn.Sequential"),
    ],
)
def test_from_torch_refuses_what_has_no_equivalent(build, exc, match):
    torch = pytest.importorskip("torch")
    with pytest.raises(exc, match=match):
        nn.from_torch(build(torch))


def test_to_torch_refuses_mixed_activations_and_other_objects():
    pytest.importorskip("torch")
    model = MLP(2, [3, 1], rng=random.Random(0))
    model.layers[0].neurons[1].nonlin = False  # micrograd-style change of one neuron
    with pytest.raises(ValueError, match="neurons of layer 0 use different activations"):
        nn.to_torch(model)
    with pytest.raises(TypeError, match=r"expected an nn\.MLP"):
        nn.to_torch(lambda x: x)


def test_without_torch_the_error_says_pip_install_torch():
    code = (
        "import sys, random; sys.modules['torch'] = None\n"
        "import nn\n"
        "try:\n"
        "    nn.to_torch(nn.MLP(2, [1], rng=random.Random(0)))\n"
        "except ImportError as e:\n"
        "    print(e)\n"
        "try:\n"
        "    nn.from_torch(object())\n"
        "except ImportError as e:\n"
        "    print(e)\n"
        "print('torch' in sys.modules and sys.modules['torch'] is not None)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    lines = done.stdout.splitlines()
    assert lines[0] == "nn.to_torch needs PyTorch, which chaingrad does not depend on: pip install torch"
    assert lines[1].startswith("nn.from_torch needs PyTorch") and lines[1].endswith("pip install torch")
    assert lines[2] == "False"


def test_importing_nn_does_not_import_torch():
    done = subprocess.run([sys.executable, "-c", "import sys, nn; print('torch' in sys.modules)"],
                          capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
