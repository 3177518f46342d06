"""Value: construction, operators, micrograd's own test expressions, errors."""

import math
import re
import sys
from fractions import Fraction

import pytest

from autograd import Const, Value


def test_micrograd_sanity_check():
    # micrograd's test_sanity_check, with the values PyTorch gives written in
    x = Value(-4.0)
    z = 2 * x + 2 + x
    q = z.relu() + z * x
    h = (z * z).relu()
    y = h + q + q * x
    y.backward()
    assert y.data == -20.0
    assert x.grad == 46.0


def test_micrograd_more_ops():
    # micrograd's test_more_ops; expected values derived by hand/finite differences
    a = Value(-4.0)
    b = Value(2.0)
    c = a + b
    d = a * b + b**3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g += 10.0 / f
    g.backward()
    assert g.data == pytest.approx(24.70408163265306, abs=1e-12)
    assert a.grad == pytest.approx(138.83381924198252, abs=1e-9)
    assert b.grad == pytest.approx(645.5772594752186, abs=1e-9)


def test_data_is_stored_as_float_and_grad_starts_at_zero():
    for raw in (3, 2.5, True):
        v = Value(raw)
        assert type(v.data) is float and v.data == float(raw)
        assert v.grad == 0.0 and v.op == "" and v.children == () and v.is_leaf


def test_numbers_on_either_side():
    x = Value(3.0)
    assert (x + 1).data == 4.0 and (1 + x).data == 4.0
    assert (x - 1).data == 2.0 and (1 - x).data == -2.0
    assert (x * 2).data == 6.0 and (2 * x).data == 6.0
    assert (x / 2).data == 1.5 and (6 / x).data == 2.0
    assert (x**2).data == 9.0 and (2**x).data == 8.0
    assert (-x).data == -3.0 and abs(Value(-2.0)).data == 2.0
    assert isinstance((1 + x).children[0], Const) and (1 + x).children[0].is_constant


def test_children_are_an_ordered_tuple_with_duplicates():
    x = Value(3.0, "x")
    y = x * x
    assert y.children == (x, x)
    y.backward()
    assert x.grad == 6.0
    a, b = Value(1.0), Value(2.0)
    assert (a - b).children == (a, b)
    assert (b - a).children == (b, a)


def test_value_to_the_power_of_value():
    a, b = Value(2.0), Value(3.0)
    y = a**b
    y.backward()
    assert y.data == 8.0
    assert a.grad == pytest.approx(12.0)
    assert b.grad == pytest.approx(8.0 * math.log(2.0))


def test_comparisons_use_data_and_equality_is_identity():
    a, b = Value(1.0), Value(2.0)
    assert a < b and a <= b and b > a and b >= a and a < 1.5 and 2 > a
    c = Value(1.0)
    assert a != c and a == a
    assert len({a, c}) == 2
    assert float(b) == 2.0
    assert sorted([b, a]) == [a, b]


def test_repr_informs():
    x = Value(0.5, label="x")
    y = x.tanh()
    y.label = "y"
    y.backward(0.42)
    assert repr(y) == "Value(data=0.4621, grad=0.42, op='tanh', label='y')"
    assert repr(Value(2.0)) == "Value(data=2, grad=0)"
    assert f"{y:.2f}" == "0.46"


def test_nodes_stay_small_with_room_for_user_attributes():
    # micrograd code stores its own attributes on Values; the dict for them costs one
    # pointer per node and is only allocated when used.
    import sys

    v = Value(1.0) * 2
    assert sys.getsizeof(v) <= 128  # 11 slots: 9 fields, the attribute dict, the scope
    assert "__dict__" not in dir(type(v)) or not v.__dict__


@pytest.mark.parametrize("bad", ["abc", None, [1], {1: 2}, 1 + 2j, object()])
def test_constructor_rejects_non_numbers_naming_the_type(bad):
    with pytest.raises(TypeError, match=type(bad).__name__):
        Value(bad)


@pytest.mark.parametrize(
    ("build", "where"),
    [
        (lambda: Value(10**400), "Value()"),
        (lambda: Value(Fraction(10**400, 3)), "Value()"),
        (lambda: Value(1.0) * 10**400, "an operand"),
        (lambda: 10**400 + Value(1.0), "an operand"),
        (lambda: Value(1.0).max(-(10**400)), "an operand"),
        (lambda: (Value(1.0) * 2).backward(10**400), "backward()"),
    ],
)
def test_a_number_beyond_float_range_is_an_overflow_error_that_says_so(build, where):
    # Python's own message is "int too large to convert to float", naming neither the call
    # nor the number; a float would silently be inf, which an int this size is not.
    pattern = rf"{re.escape(where)}.*too large for a float \(the largest is about 1\.8e308\)"
    with pytest.raises(OverflowError, match=pattern) as info:
        build()
    assert "digits" in str(info.value) or "Fraction" in str(info.value)


def test_a_number_just_inside_float_range_is_converted_exactly():
    big = int(sys.float_info.max)
    assert Value(big).data == sys.float_info.max
    assert (Value(1.0) * big).data == sys.float_info.max


def test_constructor_rejects_a_value_and_says_what_to_do():
    with pytest.raises(TypeError, match="Use that Value itself"):
        Value(Value(2.0))


def test_micrograd_internal_constructor_is_explained():
    a = Value(1.0)
    with pytest.raises(TypeError, match="micrograd's internal constructor"):
        Value(2.0, (a,), "+")  # type: ignore[arg-type]


def test_unknown_operand_types_give_pythons_type_error():
    with pytest.raises(TypeError, match="unsupported operand"):
        Value(1.0) + "a"  # type: ignore[operator]
    with pytest.raises(TypeError):
        [1] * Value(2.0)  # type: ignore[operator]
    with pytest.raises(TypeError):
        _ = Value(1.0) < "a"  # type: ignore[operator]


@pytest.mark.parametrize(
    ("build", "exc", "pattern"),
    [
        (lambda: Value(0.0).log(), ValueError, r"log of 0\.0 is undefined"),
        (lambda: Value(-1.0).log(), ValueError, r"log of -1\.0"),
        (lambda: Value(-4.0).sqrt(), ValueError, r"sqrt of -4\.0"),
        (lambda: Value(-8.0) ** 0.5, ValueError, r"negative base -8\.0 .* non-integer power 0\.5"),
        (lambda: Value(-2.0) ** Value(2.0), ValueError, r"positive base, got base -2\.0"),
        (lambda: Value(1.0) / 0, ZeroDivisionError, r"division by zero in '/': 1\.0 / 0\.0"),
        (lambda: 1 / Value(0.0), ZeroDivisionError, r"division by zero"),
        (lambda: Value(0.0) ** -1, ZeroDivisionError, r"0\.0 \*\* -1"),
        (lambda: Value(800.0).exp(), OverflowError, r"exp overflowed: exp\(800\.0\)"),
        (lambda: Value(1e200) ** 2, OverflowError, r"'\*\*' overflowed"),
    ],
)
def test_bad_input_raises_a_clear_error_never_a_wrong_number(build, exc, pattern):
    with pytest.raises(exc, match=pattern):
        build()


def test_sqrt_at_zero_has_an_infinite_slope_not_an_error():
    x = Value(0.0)
    y = x.sqrt()
    assert y.data == 0.0 and y.local_grads == (math.inf,)


def test_detach_stops_gradients():
    x = Value(2.0)
    y = (x * x).detach() * x
    y.backward()
    assert x.grad == 4.0


def test_micrograd_compat_attributes():
    a, b = Value(1.0), Value(2.0)
    c = a + b
    assert c._prev == {a, b} and c._op == "+"
