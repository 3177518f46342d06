"""nn.save / nn.load: JSON round trip and every way a file can fail to load (nothing half-loaded)."""

import json
import math
import os
import random

import pytest

import nn
from nn import MLP, Embedding


def model(seed=0, sizes=(3, 1)):
    return MLP(2, list(sizes), rng=random.Random(seed))


def test_round_trip_is_exact(tmp_path):
    a, b = model(0), model(1)
    path = tmp_path / "m.json"
    nn.save(a, path)
    assert nn.load(b, path) is b
    assert b.state_dict() == a.state_dict()
    assert b([0.1, -0.7]).data == a([0.1, -0.7]).data


def test_file_is_versioned_json(tmp_path):
    path = tmp_path / "m.json"
    nn.save(model(), str(path))
    doc = json.loads(path.read_text())
    assert doc["format"] == nn.serialization.FORMAT and doc["version"] == 1
    assert doc["module"] == "MLP(2 -> 3 -> 1, relu)"
    assert doc["state_dict"] == model().state_dict()
    assert os.listdir(tmp_path) == ["m.json"]  # no temporary file left behind


def test_embedding_round_trip(tmp_path):
    a, b = Embedding(4, 2, rng=random.Random(0)), Embedding(4, 2, rng=random.Random(1))
    nn.save(a, tmp_path / "e.json")
    nn.load(b, tmp_path / "e.json")
    assert b(3)[1].data == a(3)[1].data


def load_error(path, text_or_doc):
    path.write_text(text_or_doc if isinstance(text_or_doc, str) else json.dumps(text_or_doc))
    m = model(5)
    before = m.state_dict()
    with pytest.raises(ValueError) as info:
        nn.load(m, path)
    assert m.state_dict() == before  # nothing half-loaded
    assert str(path) in str(info.value)
    return str(info.value)


def good_doc():
    return {"format": "chaingrad.state_dict", "version": 1, "module": "MLP(2 -> 3 -> 1, relu)",
            "state_dict": model().state_dict()}


def test_malformed_json(tmp_path):
    assert "is not valid JSON" in load_error(tmp_path / "m.json", '{"format": ')


def test_not_an_object(tmp_path):
    assert "holds a JSON list" in load_error(tmp_path / "m.json", "[1, 2]")


def test_wrong_format(tmp_path):
    assert "is not a chaingrad parameter file" in load_error(tmp_path / "m.json", {"weights": [1.0]})


def test_other_version(tmp_path):
    assert "format version 2; this chaingrad reads version 1" in load_error(
        tmp_path / "m.json", good_doc() | {"version": 2})


def test_missing_state_dict(tmp_path):
    doc = good_doc()
    del doc["state_dict"]
    assert "has no 'state_dict' object" in load_error(tmp_path / "m.json", doc)


def test_shape_mismatch_names_both_architectures_and_the_key(tmp_path):
    path = tmp_path / "m.json"
    nn.save(model(0, sizes=(4, 1)), path)
    m = model(5, sizes=(3, 1))
    before = m.state_dict()
    with pytest.raises(ValueError) as info:
        nn.load(m, path)
    msg = str(info.value)
    assert "saved from MLP(2 -> 4 -> 1, relu)" in msg and "MLP(2 -> 3 -> 1, relu)" in msg
    assert "unexpected key(s): 'layers.0.neurons.3.w.0'" in msg
    assert m.state_dict() == before


def test_non_numeric_and_nan_entries(tmp_path):
    doc = good_doc()
    doc["state_dict"]["layers.0.neurons.0.b"] = "zero"
    msg = load_error(tmp_path / "a.json", doc)
    assert "key 'layers.0.neurons.0.b' must be a finite number, got str" in msg
    text = json.dumps(good_doc()).replace('"layers.1.neurons.0.b": 0.0', '"layers.1.neurons.0.b": NaN')
    assert "key 'layers.1.neurons.0.b' must be a finite number" in load_error(tmp_path / "b.json", text)


def test_missing_file_is_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        nn.load(model(), tmp_path / "nope.json")


def test_saving_a_diverged_model_is_refused(tmp_path):
    m = model()
    m.layers[1].neurons[0].b.data = math.inf
    with pytest.raises(ValueError, match=r"'layers.1.neurons.0.b'.*not finite"):
        nn.save(m, tmp_path / "m.json")
    assert os.listdir(tmp_path) == []


def test_save_and_load_need_a_module(tmp_path):
    with pytest.raises(TypeError, match=r"expected an nn\.Module"):
        nn.save({"w": 1.0}, tmp_path / "m.json")
    with pytest.raises(TypeError, match=r"expected an nn\.Module"):
        nn.load([1.0], tmp_path / "m.json")
