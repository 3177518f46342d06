"""Module, Neuron, Layer, MLP, Embedding: structure, forward values, naming, state_dict."""

import json
import math
import random

import pytest
from tolerances import ULPS

from autograd import Value, gradcheck
from nn import MLP, Embedding, Layer, Module, Neuron


def const(c):
    """An initializer that gives every weight the value c."""
    return lambda fan_in, fan_out, rng: c


# ----------------------------------------------------------------------------- Neuron


def test_neuron_computes_relu_of_affine_sum_by_hand():
    n = Neuron(3, rng=random.Random(0))
    for w, v in zip(n.w, [0.5, -1.0, 2.0]):
        w.data = v
    n.b.data = 0.25
    # 0.25 + 0.5·1 - 1·2 + 2·3 = 4.75
    assert n([1.0, 2.0, 3.0]).data == 4.75
    # 0.25 + 0.5·1 - 1·4 + 2·0 = -3.25 -> relu 0
    assert n([1.0, 4.0, 0.0]).data == 0.0


@pytest.mark.parametrize(
    ("activation", "f"),
    [("tanh", math.tanh), ("sigmoid", lambda z: 1 / (1 + math.exp(-z))), ("linear", lambda z: z),
     ("relu", lambda z: max(0.0, z))],
)
def test_neuron_activations(activation, f):
    n = Neuron(2, activation=activation, init=const(0.5))
    z = 0.5 * 1.0 + 0.5 * -3.0  # -1.0
    assert n([1.0, -3.0]).data == pytest.approx(f(z), abs=ULPS)
    assert n.activation == activation


def test_nonlin_false_is_linear_whatever_the_activation():
    n = Neuron(1, nonlin=False, activation="tanh", init=const(2.0))
    assert n([-3.0]).data == -6.0
    assert repr(n) == "Neuron(1, linear)"


def test_neuron_sum_starts_from_the_bias_like_micrograd():
    n = Neuron(2, init=const(1.0))
    out = n([Value(1.0), Value(2.0)])
    # relu( (b + w0·x0) + w1·x1 ): the innermost add has the bias as first operand
    add2 = out.children[0]
    add1 = add2.children[0]
    assert add1.op == "+" and add1.children[0] is n.b


def test_inputs_may_be_values_and_gradients_reach_them():
    n = Neuron(2, init=const(3.0))
    x = [Value(1.0), Value(2.0)]
    n(x).backward()
    assert [xi.grad for xi in x] == [3.0, 3.0]
    assert [w.grad for w in n.w] == [1.0, 2.0] and n.b.grad == 1.0


def test_neuron_gradients_match_finite_differences():
    def f(w0, w1, b, x0, x1):
        n = Neuron(2, activation="tanh", init=const(0.0))
        n.w[0], n.w[1], n.b = w0, w1, b
        return n([x0, x1])

    assert gradcheck(f, [0.3, -0.7, 0.1, 1.5, -0.4])


def test_neuron_input_length_mismatch_is_a_value_error():
    with pytest.raises(ValueError, match=r"Neuron\(3, relu\) takes 3 inputs, got 2"):
        Neuron(3, rng=random.Random(0))([1.0, 2.0])


@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        ({"nin": 0}, ValueError, "nin must be >= 1"),
        ({"nin": 2.0}, TypeError, "nin must be an int, got float"),
        ({"nin": True}, TypeError, "nin must be an int, got bool"),
        ({"nin": 2, "activation": "gelu"}, ValueError, "unknown activation 'gelu'"),
        ({"nin": 2, "init": "glorot"}, ValueError, "unknown init 'glorot'"),
        ({"nin": 2, "rng": 42}, TypeError, "rng must be a random.Random"),
    ],
)
def test_neuron_bad_arguments(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        Neuron(**kwargs)


def test_without_rng_two_networks_differ_and_global_random_is_untouched():
    random.seed(5)
    state = random.getstate()
    a, b = MLP(2, [4, 1]), MLP(2, [4, 1])
    assert random.getstate() == state
    assert a.state_dict() != b.state_dict()


def test_same_seed_same_network():
    a, b = MLP(2, [4, 1], rng=random.Random(3)), MLP(2, [4, 1], rng=random.Random(3))
    assert a.state_dict() == b.state_dict()


def test_default_init_is_uniform_minus_one_one_with_zero_bias():
    m = MLP(3, [8, 8, 1], rng=random.Random(0))
    for name, p in m.named_parameters():
        if name.endswith(".b"):
            assert p.data == 0.0
        else:
            assert -1.0 <= p.data <= 1.0
    ws = [p.data for n, p in m.named_parameters() if not n.endswith(".b")]
    assert min(ws) < -0.5 and max(ws) > 0.5  # really spread over (-1, 1)


def test_init_by_name_uses_fan_in_and_fan_out():
    layer = Layer(2, 16, init="xavier_uniform", rng=random.Random(0))
    bound = math.sqrt(6 / (2 + 16))
    ws = [w.data for n in layer.neurons for w in n.w]
    assert all(abs(w) <= bound for w in ws)
    assert max(abs(w) for w in ws) > 0.8 * bound


# ----------------------------------------------------------------------------- Layer / MLP


def test_layer_returns_list_or_single_value():
    x = [1.0, 2.0]
    out = Layer(2, 3, rng=random.Random(0))(x)
    assert isinstance(out, list) and len(out) == 3
    assert isinstance(Layer(2, 1, rng=random.Random(0))(x), Value)


def test_layer_accepts_micrograd_nonlin_keyword():
    layer = Layer(2, 2, nonlin=False, init=const(-1.0))
    assert [v.data for v in layer([1.0, 1.0])] == [-2.0, -2.0]
    assert repr(layer) == "Layer(2 -> 2, linear)"


def test_layer_accepts_an_iterator_input_once():
    layer = Layer(2, 3, init=const(1.0))
    assert [v.data for v in layer(iter([1.0, 2.0]))] == [3.0, 3.0, 3.0]


def test_mlp_last_layer_is_linear_and_hidden_layers_use_activation():
    m = MLP(2, [3, 3, 1], activation="tanh", rng=random.Random(0))
    assert [layer.neurons[0].activation for layer in m.layers] == ["tanh", "tanh", "linear"]
    assert repr(m) == "MLP(2 -> 3 -> 3 -> 1, tanh)"
    assert repr(MLP(2, [16, 16, 1], rng=random.Random(0))) == "MLP(2 -> 16 -> 16 -> 1, relu)"


def test_mlp_forward_by_hand():
    m = MLP(1, [2, 1], init=const(1.0))
    m.layers[0].neurons[1].w[0].data = -1.0
    # hidden: relu(x), relu(-x); out = h0 + h1 = |x|
    assert m([3.0]).data == 3.0 and m([-2.0]).data == 2.0


def test_mlp_returns_list_for_several_outputs():
    out = MLP(2, [4, 3], rng=random.Random(0))([0.1, 0.2])
    assert isinstance(out, list) and len(out) == 3


def test_mlp_with_a_one_unit_hidden_layer_works():
    m = MLP(2, [1, 1], init=const(1.0))
    assert m([1.0, 2.0]).data == 3.0


@pytest.mark.parametrize(
    ("nouts", "exc"), [([], ValueError), (16, TypeError), ([4, 0], ValueError), ([4, 2.5], TypeError)]
)
def test_mlp_bad_sizes(nouts, exc):
    with pytest.raises(exc):
        MLP(2, nouts)


def test_parameters_count_order_and_no_duplicates():
    m = MLP(3, [4, 4, 1], rng=random.Random(0))
    ps = m.parameters()
    assert len(ps) == 3 * 4 + 4 + 4 * 4 + 4 + 4 + 1
    assert len({id(p) for p in ps}) == len(ps)
    first = m.layers[0].neurons[0]
    assert ps[: 3 + 1] == [*first.w, first.b]  # micrograd's order: w then b, neuron by neuron


def test_named_parameters_are_dotted_paths():
    names = [n for n, _ in MLP(2, [2, 1], rng=random.Random(0)).named_parameters()]
    assert names[:3] == ["layers.0.neurons.0.w.0", "layers.0.neurons.0.w.1", "layers.0.neurons.0.b"]
    assert names[-1] == "layers.1.neurons.0.b"
    assert len(names) == len(set(names)) == 9


def test_zero_grad_clears_every_parameter():
    m = MLP(2, [3, 1], rng=random.Random(0))
    m([1.0, -1.0]).backward()
    assert any(p.grad != 0 for p in m.parameters())
    m.zero_grad()
    assert all(p.grad == 0.0 for p in m.parameters())


# ----------------------------------------------------------------------------- custom modules


class Affine(Module):
    def __init__(self):
        self.w = Value(2.0)
        self.b = Value(0.5)
        self._cache = Value(99.0)  # private: not a parameter
        self.inner = [Neuron(1, init=const(3.0))]

    def forward(self, x):
        return self.inner[0]([self.w * x + self.b])


def test_custom_module_parameters_are_discovered_in_definition_order():
    m = Affine()
    assert [n for n, _ in m.named_parameters()] == ["w", "b", "inner.0.w.0", "inner.0.b"]
    assert m(1.0).data == 7.5  # relu(3·2.5)


def test_shared_parameter_is_listed_once():
    m = Affine()
    m.alias = m.w
    assert [n for n, _ in m.named_parameters()].count("alias") == 0
    assert len(m.parameters()) == 4


class Containers(Module):
    """Parameters in every container the walk enters, Values shared between them."""

    def __init__(self):
        shared = Value(1.0)
        self.mixed = [Value(2.0), Neuron(1, init=const(3.0)), shared]  # a module between Values
        self.pair = (shared, Value(4.0))  # all Values, one already seen
        self.table = {"x": [Value(5.0), shared], "y": Neuron(2, init=const(6.0))}
        self.nested = [[Value(7.0)], ((Value(8.0),),)]


def test_parameters_are_named_parameters_values_in_the_same_order():
    m = Containers()
    named = m.named_parameters()
    assert [n for n, _ in named] == [
        "mixed.0", "mixed.1.w.0", "mixed.1.b", "mixed.2", "pair.1", "table.x.0",
        "table.y.w.0", "table.y.w.1", "table.y.b", "nested.0.0", "nested.1.0.0",
    ]
    assert m.parameters() == [p for _, p in named]
    assert [p.data for p in m.parameters()] == [2.0, 3.0, 0.0, 1.0, 4.0, 5.0, 6.0, 6.0, 0.0, 7.0, 8.0]


class MicrogradStyle(Module):
    """Overrides parameters() and __call__ like micrograd's modules do."""

    def __init__(self):
        self.a, self.b = Value(1.0), Value(2.0)

    def __call__(self, x):
        return self.a * x + self.b

    def parameters(self):
        return [self.b, self.a]


def test_micrograd_style_module_gets_positional_names():
    m = MicrogradStyle()
    assert m.state_dict() == {"0": 2.0, "1": 1.0}
    m.load_state_dict({"0": 5.0, "1": 6.0})
    assert (m.a.data, m.b.data) == (6.0, 5.0)
    assert m(1.0).data == 11.0


def test_module_without_forward_says_so():
    with pytest.raises(NotImplementedError, match="must define forward"):
        Module()(1.0)


# ----------------------------------------------------------------------------- state_dict


def test_state_dict_is_plain_json_serializable_floats():
    sd = MLP(2, [3, 1], rng=random.Random(0)).state_dict()
    assert all(type(k) is str and type(v) is float for k, v in sd.items())
    assert json.loads(json.dumps(sd)) == sd


def test_state_dict_round_trip():
    a, b = MLP(2, [3, 1], rng=random.Random(0)), MLP(2, [3, 1], rng=random.Random(1))
    b.load_state_dict(a.state_dict())
    assert b.state_dict() == a.state_dict()
    x = [0.3, -0.8]
    assert b(x).data == a(x).data


def _state_error(module, state):
    before = module.state_dict()
    with pytest.raises(ValueError) as info:
        module.load_state_dict(state)
    assert module.state_dict() == before  # nothing half-loaded
    return str(info.value)


def test_load_state_dict_missing_key():
    m = MLP(2, [2, 1], rng=random.Random(0))
    sd = {k: 0.0 for k in m.state_dict()}
    del sd["layers.1.neurons.0.b"]
    assert "missing key(s): 'layers.1.neurons.0.b'" in _state_error(m, sd)


def test_load_state_dict_unexpected_key():
    m = MLP(2, [2, 1], rng=random.Random(0))
    sd = {k: 0.0 for k in m.state_dict()} | {"layers.2.neurons.0.b": 1.0}
    assert "unexpected key(s): 'layers.2.neurons.0.b'" in _state_error(m, sd)


@pytest.mark.parametrize("bad", ["0.5", None, [1.0], True, math.nan, math.inf])
def test_load_state_dict_non_numeric_or_non_finite_value(bad):
    m = MLP(2, [2, 1], rng=random.Random(0))
    sd = {k: 0.0 for k in m.state_dict()} | {"layers.0.neurons.1.w.0": bad}
    assert "key 'layers.0.neurons.1.w.0' must be a finite number" in _state_error(m, sd)


def test_load_state_dict_needs_a_mapping():
    with pytest.raises(TypeError, match="mapping"):
        Neuron(1).load_state_dict([("w.0", 1.0)])


def test_load_state_dict_accepts_ints():
    n = Neuron(1)
    n.load_state_dict({"w.0": 2, "b": -1})
    assert (n.w[0].data, n.b.data) == (2.0, -1.0)
    assert type(n.w[0].data) is float


# ----------------------------------------------------------------------------- Embedding


def test_embedding_rows_are_the_parameters():
    emb = Embedding(5, 3, rng=random.Random(0))
    assert len(emb.parameters()) == 15 and repr(emb) == "Embedding(5, 3)"
    row = emb(2)
    assert len(row) == 3 and all(r is p for r, p in zip(row, emb.weight[2]))
    sum(row[1:], row[0]).backward()
    assert [p.grad for p in emb.weight[2]] == [1.0, 1.0, 1.0]
    assert all(p.grad == 0.0 for p in emb.weight[0])


def test_embedding_feeds_a_neuron():
    emb = Embedding(4, 2, init=const(0.5))
    clf = Neuron(2, nonlin=False, init=const(1.0))
    assert clf(emb(1)).data == 1.0


def test_embedding_default_init_is_standard_normal():
    ws = [p.data for p in Embedding(200, 5, rng=random.Random(0)).parameters()]
    mean = sum(ws) / len(ws)
    var = sum((w - mean) ** 2 for w in ws) / len(ws)
    assert abs(mean) < 0.1 and 0.85 < var < 1.15


@pytest.mark.parametrize(
    ("index", "exc"), [(5, IndexError), (-1, IndexError), (1.0, TypeError), (True, TypeError)]
)
def test_embedding_bad_index(index, exc):
    with pytest.raises(exc, match="Embedding index"):
        Embedding(5, 2, rng=random.Random(0))(index)


class WithExtra(MLP):
    """Overrides parameters() and calls super(), as a user extending MLP would."""

    def __init__(self):
        super().__init__(1, [1], init=const(1.0))
        self._extra = Value(7.0)

    def parameters(self):
        return [*super().parameters(), self._extra]


class Renamed(Module):
    """Overrides named_parameters() only."""

    def __init__(self):
        self.a = Value(1.0)

    def named_parameters(self):
        return [("alpha", self.a)]


def test_overrides_calling_super_do_not_recurse():
    m = WithExtra()
    assert [p.data for p in m.parameters()] == [1.0, 0.0, 7.0]
    assert [n for n, _ in m.named_parameters()] == ["0", "1", "2"]
    assert m.state_dict() == {"0": 1.0, "1": 0.0, "2": 7.0}


def test_named_parameters_override_is_used_everywhere():
    r = Renamed()
    assert r.parameters() == [r.a] and r.state_dict() == {"alpha": 1.0}
    holder = Affine()
    holder.extra = r
    assert "extra.alpha" in holder.state_dict()
    holder.mg = MicrogradStyle()
    assert list(holder.state_dict())[-2:] == ["mg.0", "mg.1"]
