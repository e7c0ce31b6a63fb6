import numpy as np
import pytest

from ganaug.metrics import Predictions, ranking_scores, score
from ganaug.registry import get_metrics


def binary(scores=True):
    y_true = np.array([0, 0, 0, 1, 1, 1])
    y_pred = np.array([0, 0, 1, 1, 1, 0])  # recall: class 0 = 2/3, class 1 = 2/3
    s = np.array([0.1, 0.2, 0.7, 0.8, 0.9, 0.05])  # P(class 1)
    probs = np.c_[1 - s, s] if scores else None
    return Predictions(y_true, y_pred, probs, np.array([0, 1]), minority=1)


def test_label_metrics_on_a_hand_made_case():
    values = score(binary(), get_metrics())
    assert values["balanced_accuracy"] == pytest.approx(2 / 3)
    assert values["g_mean"] == pytest.approx(2 / 3)
    assert values["minority_recall"] == pytest.approx(2 / 3)
    assert values["minority_f1"] == pytest.approx(2 / 3)
    assert values["class_recall[0]"] == pytest.approx(2 / 3)
    # AUC: of the 9 (positive, negative) pairs, 6 are ordered right (0.05 ranks below 3 negatives)
    assert values["roc_auc"] == pytest.approx(6 / 9)
    # AP of class 1: hits at ranks 1, 2 (0.9, 0.8), then 0.05 is last of 6: (1 + 1 + 3/6) / 3
    assert values["pr_auc"] == pytest.approx((1 + 1 + 0.5) / 3)


def test_pr_auc_follows_the_minority_class():
    p = binary()
    flipped = Predictions(p.y_true, p.y_pred, p.scores, p.classes, minority=0)
    expected = score(binary(), get_metrics(["pr_auc"]))["pr_auc"]
    assert score(flipped, get_metrics(["pr_auc"]))["pr_auc"] != pytest.approx(expected)


def test_score_free_models_skip_auc():
    values = score(binary(scores=False), get_metrics())
    assert "roc_auc" not in values and "pr_auc" not in values and "g_mean" in values


def test_multiclass_g_mean_is_geometric_mean_of_recalls():
    y_true = np.array([0, 0, 1, 1, 2, 2])
    y_pred = np.array([0, 0, 1, 0, 2, 2])  # recalls 1, 0.5, 1
    p = Predictions(y_true, y_pred, None, np.array([0, 1, 2]), minority=1)
    values = score(p, get_metrics(["g_mean", "class_recall"]))
    assert values["g_mean"] == pytest.approx(0.5 ** (1 / 3))
    assert values["class_recall[1]"] == pytest.approx(0.5)


def test_binary_decision_values_become_monotone_scores():
    class Model:
        def decision_function(self, X):
            return np.array([-2.0, 0.0, 3.0])

    scores = ranking_scores(Model(), None)
    assert scores.shape == (3, 2) and np.allclose(scores.sum(axis=1), 1)
    assert np.all(np.diff(scores[:, 1]) > 0)
