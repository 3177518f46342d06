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


# ----------------------------------------------------------------------------- bad files, every kind


def test_an_integer_beyond_float_range_is_a_value_error(tmp_path):
    text = json.dumps(good_doc()).replace('neurons.0.b": 0.0', 'neurons.0.b": 1' + "0" * 400)
    msg = load_error(tmp_path / "m.json", text)
    assert "key 'layers.1.neurons.0.b' must be a finite number, got int: an int of 401 digits" in msg


def test_an_integer_beyond_pythons_digit_limit_is_a_value_error(tmp_path):
    text = json.dumps(good_doc()).replace('neurons.0.b": 0.0', 'neurons.0.b": 1' + "0" * 5000)
    assert "is not a chaingrad parameter file" in load_error(tmp_path / "m.json", text)


def test_deeply_nested_json_is_a_value_error(tmp_path):
    assert "nested too deeply" in load_error(tmp_path / "m.json", "[" * 100_000 + "]" * 100_000)


def test_deeply_nested_json_is_a_value_error_under_a_raised_recursion_limit(tmp_path):
    # micrograd's backward recurses, so its users raise the recursion limit; json's C reader
    # then recursed until the C stack overflowed and the process died. A child process
    # runs it, so that a crash fails this test instead of killing the test run.
    import subprocess
    import sys

    path = tmp_path / "m.json"
    path.write_text("[" * 100_000 + "]" * 100_000)
    code = ("import random, sys; sys.setrecursionlimit(4_000_000); import nn\n"
            "try:\n    nn.load(nn.MLP(2, [1], rng=random.Random(0)), sys.argv[1])\n"
            "except ValueError as e:\n    print(e)\n")
    done = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-500:]
    assert "nested too deeply" in done.stdout and str(path) in done.stdout


def test_a_non_utf8_file_is_a_value_error_naming_the_file(tmp_path):
    path = tmp_path / "m.json"
    path.write_bytes(b'{"format": "chaingrad.state_dict", "module": "\xff"}')
    with pytest.raises(ValueError, match=r"is not UTF-8 text \(byte 46 is b'\\xff'\)") as info:
        nn.load(model(), path)
    assert str(path) in str(info.value)


# ----------------------------------------------------------------------------- how the file is written


@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_a_new_file_gets_0666_less_the_umask_like_open(tmp_path, umask, mode):
    old = os.umask(umask)
    try:
        nn.save(model(), tmp_path / "m.json")
        with open(tmp_path / "by_open.txt", "w"):
            pass
    finally:
        os.umask(old)
    assert (tmp_path / "m.json").stat().st_mode & 0o777 == mode
    assert (tmp_path / "by_open.txt").stat().st_mode & 0o777 == mode


def test_an_existing_file_keeps_its_mode(tmp_path):
    path = tmp_path / "m.json"
    path.write_text("old")
    path.chmod(0o640)
    nn.save(model(), path)
    assert path.stat().st_mode & 0o777 == 0o640 and json.loads(path.read_text())["format"]


def test_saving_through_a_symlink_writes_its_target_and_keeps_the_link(tmp_path):
    (tmp_path / "store").mkdir()
    real = tmp_path / "store" / "real.json"
    real.write_text("old")
    link = tmp_path / "latest.json"
    link.symlink_to(real)
    nn.save(model(3), link)
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert json.loads(real.read_text())["state_dict"] == model(3).state_dict()
    assert sorted(os.listdir(tmp_path / "store")) == ["real.json"] and sorted(os.listdir(tmp_path)) == [
        "latest.json", "store"]
    dangling = tmp_path / "new.json"
    dangling.symlink_to(tmp_path / "store" / "fresh.json")  # a link to a file not yet there
    nn.save(model(), dangling)
    assert dangling.is_symlink() and (tmp_path / "store" / "fresh.json").is_file()


# ----------------------------------------------------------------------------- resuming training exactly


def moons_data():
    X, y = nn.data.make_moons(24, rng=random.Random(7))
    return [list(p) for p in X], y


def train_steps(m, opt, sched, data, steps):
    X, y = data
    for _ in range(steps):
        loss = nn.functional.binary_cross_entropy_with_logits([m(x) for x in X], y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        if sched is not None:
            sched.step()


OPTIMIZERS = {
    "sgd-momentum": (lambda ps: nn.optim.SGD(ps, lr=0.05, momentum=0.9, weight_decay=1e-3),
                     lambda o: nn.optim.StepLR(o, step_size=7, gamma=0.5)),
    "sgd-nesterov": (lambda ps: nn.optim.SGD(ps, lr=0.05, momentum=0.8, nesterov=True), lambda o: None),
    "adam": (lambda ps: nn.optim.Adam(ps, lr=0.02, weight_decay=1e-3),
             lambda o: nn.optim.ExponentialLR(o, gamma=0.99)),
    "adamw": (lambda ps: nn.optim.AdamW(ps, lr=0.02, betas=(0.8, 0.99)),
              lambda o: nn.optim.LambdaLR(o, lambda t: 1 / (1 + 0.05 * t))),
}


@pytest.mark.parametrize("kind", OPTIMIZERS)
def test_50_steps_save_load_50_more_equals_100_straight_bit_for_bit(tmp_path, kind):
    make_opt, make_sched = OPTIMIZERS[kind]
    data = moons_data()
    straight = model(0, sizes=(6, 1))
    opt = make_opt(straight.parameters())
    train_steps(straight, opt, make_sched(opt), data, 100)

    first = model(0, sizes=(6, 1))
    opt = make_opt(first.parameters())
    sched = make_sched(opt)
    train_steps(first, opt, sched, data, 50)
    nn.save(first, tmp_path / "ckpt.json", optimizer=opt, scheduler=sched)

    resumed = model(99, sizes=(6, 1))  # fresh objects: other weights, a fresh optimizer and schedule
    opt2 = make_opt(resumed.parameters())
    sched2 = make_sched(opt2)
    nn.load(resumed, tmp_path / "ckpt.json", optimizer=opt2, scheduler=sched2)
    assert opt2.state_dict() == opt.state_dict()
    train_steps(resumed, opt2, sched2, data, 50)
    assert resumed.state_dict() == straight.state_dict()  # == on floats: bit for bit


def test_without_the_optimizer_state_the_resumed_run_differs(tmp_path):
    # the test above is not vacuous: Adam's moments and step count matter
    data = moons_data()
    straight = model(0, sizes=(6, 1))
    train_steps(straight, nn.optim.Adam(straight.parameters(), lr=0.02), None, data, 20)
    first = model(0, sizes=(6, 1))
    train_steps(first, nn.optim.Adam(first.parameters(), lr=0.02), None, data, 10)
    nn.save(first, tmp_path / "m.json")
    resumed = nn.load(model(5, sizes=(6, 1)), tmp_path / "m.json")
    train_steps(resumed, nn.optim.Adam(resumed.parameters(), lr=0.02), None, data, 10)
    assert resumed.state_dict() != straight.state_dict()


def saved_with_adam(tmp_path):
    m = model(0)
    opt = nn.optim.Adam(m.parameters(), lr=0.1)
    train_steps(m, opt, None, moons_data(), 2)
    path = tmp_path / "m.json"
    nn.save(m, path, optimizer=opt)
    return path


def test_optimizer_state_of_another_kind_is_refused_and_nothing_changes(tmp_path):
    path = saved_with_adam(tmp_path)
    m = model(5)
    opt = nn.optim.SGD(m.parameters(), lr=0.1, momentum=0.9)
    before, opt_before = m.state_dict(), opt.state_dict()
    match = r"entry 'optimizer' does not fit: .*'Adam' optimizer, not SGD"
    with pytest.raises(ValueError, match=match) as info:
        nn.load(m, path, optimizer=opt)
    assert str(path) in str(info.value)
    assert m.state_dict() == before and opt.state_dict() == opt_before  # the module was rolled back


def test_optimizer_over_other_parameters_is_refused(tmp_path):
    path = saved_with_adam(tmp_path)
    m = model(5)
    opt = nn.optim.Adam(m.parameters()[:4], lr=0.1)
    with pytest.raises(ValueError, match=r"entry 'optimizer.params'"):
        nn.load(m, path, optimizer=opt)


def test_a_file_without_optimizer_state_says_so(tmp_path):
    nn.save(model(), tmp_path / "m.json")
    m = model(1)
    with pytest.raises(ValueError, match="holds no optimizer state"):
        nn.load(m, tmp_path / "m.json", optimizer=nn.optim.Adam(m.parameters()))


def test_corrupt_optimizer_buffers_are_named(tmp_path):
    path = saved_with_adam(tmp_path)
    doc = json.loads(path.read_text())
    doc["optimizer"]["buffers"]["v"][3] = "x"
    path.write_text(json.dumps(doc))
    m = model(5)
    with pytest.raises(ValueError, match=r"buffer 'v'\[3\] must be a finite number, got str"):
        nn.load(m, path, optimizer=nn.optim.Adam(m.parameters()))


def test_an_optimizer_not_over_the_module_cannot_be_saved_with_it(tmp_path):
    m = model()
    with pytest.raises(ValueError, match=r"params\[0\].*is not a parameter of MLP"):
        nn.save(m, tmp_path / "m.json", optimizer=nn.optim.SGD(model(1).parameters(), lr=0.1))
    assert os.listdir(tmp_path) == []
