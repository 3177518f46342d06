"""gradcheck/gradgradcheck reports, detect_anomaly."""

import math

import pytest

from autograd import AnomalyError, GradcheckError, Value, detect_anomaly, gradcheck, gradgradcheck
from autograd.gradcheck import numerical_grad


def test_numerical_grad_is_a_central_difference():
    (d,) = numerical_grad(lambda x: x**3, [2.0], eps=1e-4)
    assert d == pytest.approx(((2.0001) ** 3 - (1.9999) ** 3) / 2e-4, rel=1e-12)


def test_gradcheck_passes_on_correct_derivatives():
    assert gradcheck(lambda x, y: (x * y + x.exp()).log(), [0.5, 1.5])
    assert gradgradcheck(lambda x, y: (x * y).tanh() * x, [0.5, -1.5])


def _wrong_square(x: Value) -> Value:
    # an op with a wrong stored derivative: detach half the product
    return x * x.detach()


def test_gradcheck_reports_a_table_on_mismatch():
    with pytest.raises(GradcheckError) as info:
        gradcheck(_wrong_square, [3.0])
    msg = str(info.value)
    assert "analytical" in msg and "numerical" in msg and "difference" in msg
    assert "x0" in msg and "<- mismatch" in msg
    assert "3" in msg and "6" in msg


def test_gradgradcheck_reports_second_derivative_mismatch():
    # x·x·detach(x) has value x³ but the engine sees 2x·c as its derivative, so even the
    # first derivative is off; gradgradcheck reports it as a second-derivative mismatch
    with pytest.raises(GradcheckError, match="d²f/dx0dx0"):
        gradgradcheck(lambda x: (x * x.detach()) * x, [1.3])


def test_gradcheck_rejects_bad_arguments():
    with pytest.raises(TypeError, match="inputs\\[0\\]"):
        gradcheck(lambda x: x, ["a"])
    with pytest.raises(ValueError, match="empty"):
        gradcheck(lambda: Value(1.0), [])
    with pytest.raises(TypeError, match="must return a Value"):
        gradcheck(lambda x: "nope", [1.0])


def test_anomaly_mode_names_the_forward_op():
    with detect_anomaly(), pytest.raises(AnomalyError, match="op '-' produced nan"):
        inf = Value(math.inf)
        _ = inf - inf


def test_anomaly_mode_names_the_backward_op_and_where_it_was_created():
    with detect_anomaly():
        x = Value(0.0)
        y = x.sqrt()  # created here
        z = y * 0.0
        with pytest.raises(AnomalyError) as info:
            z.backward()
    msg = str(info.value)
    assert "'sqrt'" in msg and "nan" in msg
    assert "test_gradcheck_and_modes.py" in msg and "x.sqrt()" in msg


def test_without_anomaly_mode_nan_is_float_semantics():
    inf = Value(math.inf)
    assert math.isnan((inf - inf).data)


def test_grads_anomaly_report_names_the_upstream_grad_used_not_the_nodes_stored_grad():
    # grad() never writes .grad: its report must show the upstream gradient it multiplied.
    import pytest

    from autograd import AnomalyError, Value, detect_anomaly, grad

    x = Value(0.0)
    y = x.sqrt() * 2.0  # sqrt's slope at 0 is inf; the upstream gradient reaching it is 2
    with detect_anomaly(), pytest.raises(AnomalyError, match=r"local derivative inf, upstream 2\.0"):
        grad(y, [x])
