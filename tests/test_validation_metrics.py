"""The backtest metrics against hand-computed cases, and the vectorised bootstrap against a loop."""

from __future__ import annotations

import math

import numpy as np
import pytest

from indicators.validation import metrics as m


def test_auc_perfect_reversed_and_never_flipped():
    labels = np.array([False, False, True, True])
    assert m.auc(np.array([1.0, 2.0, 3.0, 4.0]), labels) == 1.0
    # the wrong way round stays below 0.5: never flipped
    assert m.auc(np.array([4.0, 3.0, 2.0, 1.0]), labels) == 0.0


def test_auc_ties_count_half():
    # positives 3, 2; negatives 2, 1 -> pairs: (3>2)=1, (3>1)=1, (2=2)=0.5, (2>1)=1 -> 3.5/4
    scores = np.array([3.0, 2.0, 2.0, 1.0])
    labels = np.array([True, True, False, False])
    assert m.auc(scores, labels) == pytest.approx(3.5 / 4)


def test_auc_all_equal_scores_is_one_half():
    assert m.auc(np.full(6, 5.0), np.array([True, False, False, True, False, False])) == 0.5


def test_auc_fewer_than_four_units_or_one_class_is_insufficient():
    assert math.isnan(m.auc(np.array([1.0, 2.0, 3.0]), np.array([False, False, True])))
    assert math.isnan(m.auc(np.array([1.0, 2.0, 3.0, 4.0]), np.zeros(4, dtype=bool)))
    assert math.isnan(m.spearman(np.array([1.0, 2.0, 3.0]), np.array([1.0, 2.0, 3.0])))
    assert math.isnan(m.precision_at_k(np.array([1.0, 2.0, 3.0]), np.array([False, False, True])))


def test_top_quartile_uses_linear_interpolation():
    y = np.array([0.0, 1.0, 2.0, 3.0, 4.0, 10.0])
    # numpy linear: position 0.75 * 5 = 3.75 -> 3 + 0.75 * (4 - 3) = 3.75
    assert list(m.top_quartile_labels(y)) == [False, False, False, False, True, True]
    # ties at the threshold are positive
    assert m.top_quartile_labels(np.array([1.0, 1.0, 1.0, 1.0])).all()


def test_precision_at_k_with_a_tie_at_the_cut():
    labels = np.array([True, True, False, False, False, False])
    assert m.precision_at_k(np.array([6.0, 5.0, 4.0, 3.0, 2.0, 1.0]), labels) == 1.0
    # k = 2; top score is a positive, then a tie of three units (one positive) for one slot
    scores = np.array([9.0, 5.0, 5.0, 5.0, 1.0, 0.0])
    assert m.precision_at_k(scores, labels) == pytest.approx((1 + 1 / 3) / 2)


def test_spearman_matches_hand_value():
    # ranks x: 1 2 3 4; y: 1 3 2 4 -> d = 0, -1, 1, 0 -> rho = 1 - 6*2/(4*15) = 0.8
    assert m.spearman(np.array([1.0, 2, 3, 4]), np.array([10.0, 30, 20, 40])) == pytest.approx(0.8)


def test_vectorised_bootstrap_equals_a_loop_and_is_reproducible():
    rng = np.random.default_rng(3)
    scores = rng.integers(0, 6, 40).astype(float)  # many ties
    labels = m.top_quartile_labels(scores + rng.normal(0, 2, 40))
    draws = m.bootstrap_auc_draws(scores, labels, 50, seed=11)
    idx = np.random.default_rng(11).integers(0, 40, size=(50, 40))
    loop = np.array([m.auc(scores[i], labels[i]) if 0 < labels[i].sum() < 40 else np.nan
                     for i in idx])
    np.testing.assert_allclose(draws, loop, equal_nan=True)
    a = m.bootstrap_interval(scores, labels)
    b = m.bootstrap_interval(scores, labels)
    assert a == b and a.resamples == 1000 and a.low <= m.auc(scores, labels) <= a.high


def test_roc_area_equals_auc():
    scores = np.array([0.1, 0.4, 0.4, 0.8, 0.9, 0.2, 0.4])
    labels = np.array([False, True, False, True, True, False, False])
    fpr, tpr = m.roc_points(scores, labels)
    assert np.trapezoid(tpr, fpr) == pytest.approx(m.auc(scores, labels))


def test_learned_weights_choice_is_the_leave_one_out_best():
    from indicators.validation.learned import _loo_choice, simplex_grid

    grid = simplex_grid(3)
    assert grid.shape == (66, 3) and np.allclose(grid.sum(axis=1), 1) and (grid >= 0).all()
    rng = np.random.default_rng(5)
    x = rng.random((25, 3))
    labels = rng.random(25) > 0.7
    choice = _loo_choice(x, labels, grid)
    for i in range(25):
        keep = np.arange(25) != i
        aucs = [m.auc((x @ grid.T)[keep, g], labels[keep]) for g in range(len(grid))]
        assert aucs[choice[i]] == pytest.approx(max(aucs))
