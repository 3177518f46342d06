"""Metrics on small confusion matrices worked out by hand (counts in the comments)."""

import math

import pytest
from tolerances import ROUNDING

from autograd import Value
from nn.metrics import (
    accuracy_score,
    confusion_matrix,
    f1_score,
    mean_absolute_error,
    mean_squared_error,
    precision_score,
    recall_score,
)

# Binary: pairs (true, pred) give TP = 4, FN = 1, FP = 2, TN = 3.
BT = [1, 1, 1, 1, 0, 0, 0, 0, 0, 1]
BP = [1, 1, 0, 1, 0, 1, 0, 0, 1, 1]

# Three classes. Rows true, columns predicted:
#        0  1  2
#   0  [ 2, 1, 0 ]     class 0: TP 2, FP 1, FN 1
#   1  [ 0, 1, 1 ]     class 1: TP 1, FP 2, FN 1
#   2  [ 1, 1, 2 ]     class 2: TP 2, FP 1, FN 2
MT = [0, 0, 0, 1, 1, 2, 2, 2, 2]
MP = [0, 1, 0, 1, 2, 2, 2, 0, 1]


def close(a, b):
    return math.isclose(a, b, rel_tol=ROUNDING)


def test_binary_confusion_matrix_is_tn_fp_fn_tp():
    assert confusion_matrix(BT, BP) == [[3, 2], [1, 4]]


def test_binary_scores_by_hand():
    assert close(accuracy_score(BT, BP), 7 / 10)
    assert close(precision_score(BT, BP), 4 / 6)
    assert close(recall_score(BT, BP), 4 / 5)
    assert close(f1_score(BT, BP), 2 * 4 / (2 * 4 + 2 + 1))


def test_pos_label_scores_the_other_class():
    # class 0 as positive: TP 3, FP 1, FN 2
    assert close(precision_score(BT, BP, pos_label=0), 3 / 4)
    assert close(recall_score(BT, BP, pos_label=0), 3 / 5)
    assert close(f1_score(BT, BP, pos_label=0), 6 / 9)


def test_minus_one_plus_one_labels_work_with_pos_label_1():
    t = [2 * y - 1 for y in BT]
    p = [2 * y - 1 for y in BP]
    assert close(precision_score(t, p), 4 / 6)
    assert confusion_matrix(t, p) == [[3, 2], [1, 4]]


def test_multiclass_confusion_matrix():
    assert confusion_matrix(MT, MP) == [[2, 1, 0], [0, 1, 1], [1, 1, 2]]
    assert confusion_matrix(MT, MP, labels=[2, 0]) == [[2, 1], [0, 2]]


def test_multiclass_averages_by_hand():
    precisions = [2 / 3, 1 / 3, 2 / 3]
    recalls = [2 / 3, 1 / 2, 2 / 4]
    f1s = [4 / 6, 2 / 5, 4 / 7]
    support = [3, 2, 4]
    for fn, per_class in ((precision_score, precisions), (recall_score, recalls), (f1_score, f1s)):
        got = fn(MT, MP, average=None)
        assert all(close(g, w) for g, w in zip(got, per_class, strict=True))
        assert close(fn(MT, MP, average="macro"), sum(per_class) / 3)
        assert close(fn(MT, MP, average="weighted"), sum(s * w for s, w in zip(per_class, support)) / 9)
        assert close(fn(MT, MP, average="micro"), 5 / 9)  # micro P = R = F1 = accuracy
    assert close(accuracy_score(MT, MP), 5 / 9)


def test_binary_average_on_three_classes_is_a_value_error():
    with pytest.raises(ValueError, match="average='macro'"):
        precision_score(MT, MP)


def test_zero_division_gives_zero_by_default():
    assert precision_score([1, 0], [0, 0]) == 0.0  # no positive predictions: 0/0
    assert recall_score([0, 0], [1, 0]) == 0.0  # no positive labels: 0/0
    assert f1_score([0, 0], [0, 0]) == 0.0  # nothing positive anywhere
    assert precision_score([1, 0], [0, 0], zero_division=1.0) == 1.0
    # a class with no predictions contributes 0 to the macro average
    assert close(precision_score([0, 1, 2], [0, 0, 2], average="macro"), (1 / 2 + 0 + 1) / 3)


def test_string_labels():
    t = ["cat", "dog", "dog"]
    p = ["cat", "cat", "dog"]
    assert confusion_matrix(t, p) == [[1, 0], [1, 1]]
    assert close(recall_score(t, p, pos_label="dog"), 1 / 2)


def test_regression_metrics_by_hand():
    assert close(mean_squared_error([1, 2, 3, 4], [2, 2, 1, 4]), (1 + 0 + 4 + 0) / 4)
    assert close(mean_absolute_error([1, 2, 3, 4], [2, 2, 1, 4]), (1 + 0 + 2 + 0) / 4)
    assert close(mean_squared_error([1.0], [Value(3.0)]), 4.0)


BIG = 1.2e154  # BIG² = 1.44e308 fits; two of them do not


@pytest.mark.parametrize(
    ("y_true", "y_pred", "mse", "mae"),
    [
        # the mean fits although the sum of the terms overflows: the mean, not an error
        ([BIG, BIG], [0.0, 0.0], BIG * BIG, BIG),
        ([1e308, 1e308], [-1e307, -1e307], math.inf, 1e308 + 1e307),
        # a term that overflows makes the mean overflow too: inf, as numpy and sklearn give
        ([1e200], [-1e200], math.inf, 2e200),
        ([math.inf, 1.0], [0.0, 1.0], math.inf, math.inf),
        ([math.nan, 1.0], [0.0, 1.0], math.nan, math.nan),
        ([math.inf], [math.inf], math.nan, math.nan),  # inf - inf
    ],
)
def test_regression_metrics_at_huge_and_non_finite_values(y_true, y_pred, mse, mae):
    for fn, want in ((mean_squared_error, mse), (mean_absolute_error, mae)):
        got = fn(y_true, y_pred)
        assert got == want or (math.isnan(got) and math.isnan(want)), (fn.__name__, got, want)


@pytest.mark.parametrize(
    "fn", [accuracy_score, precision_score, recall_score, f1_score, confusion_matrix,
           mean_squared_error, mean_absolute_error]
)
def test_length_mismatch_and_empty_are_value_errors(fn):
    with pytest.raises(ValueError, match="same length, got 3 and 2"):
        fn([1, 0, 1], [1, 0])
    with pytest.raises(ValueError, match="empty"):
        fn([], [])


def test_bad_arguments_say_what_was_wrong():
    with pytest.raises(TypeError, match="y_true must be a sequence"):
        accuracy_score(5, [1])
    with pytest.raises(ValueError, match="average must be one of"):
        f1_score([0, 1], [0, 1], average="samples")
    with pytest.raises(ValueError, match="pos_label=1 is not one of the labels"):
        precision_score([0, 2], [2, 0])
    with pytest.raises(TypeError, match=r"y_pred\[1\] must be a number"):
        mean_squared_error([1, 2], [1, "x"])
