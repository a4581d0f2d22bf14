"""TwoLayerNet 64-50-10 on scikit-learn's handwritten digits: no download, backprop reaches
more than 90% test accuracy, backprop and numeric-gradient training coincide, the
learning-rate study classifies the rates, and the report's figure and table are written."""

from __future__ import annotations

import socket

import numpy as np
import pytest

from verifier.cli import main
from verifier.descent.digits import digits_numeric_check, digits_study, train_digits
from verifier.network.digits import digits_split
from verifier.policy import POLICY
from verifier.report.training import digits_figure, digits_markdown, write_digits


def test_the_digits_load_without_a_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise OSError("no network in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    data = digits_split(seed=0)
    assert data.sizes == (1348, 449)
    assert data.x_train.shape[1] == 64 and data.x_train.min() >= 0.0 and data.x_train.max() <= 1.0
    assert set(np.unique(data.y_test)) == set(range(10))
    # the split is seeded: the same seed gives the same images, another seed others
    assert np.array_equal(digits_split(seed=0).y_train, data.y_train)
    assert not np.array_equal(digits_split(seed=1).y_train, data.y_train)


@pytest.fixture(scope="module")
def trained():
    return train_digits(lr=0.5, steps=300, hidden=50, seed=0)


def test_backprop_training_passes_90_percent_on_the_test_images(trained):
    assert trained.test_accuracy > 0.90, trained.row()
    assert trained.losses[-1] < 0.2 * trained.losses[0]
    assert np.all(np.diff(trained.losses) < 0)  # lr = 0.5 descends at every step


def test_backprop_and_numeric_training_coincide():
    tc = digits_numeric_check(samples=100, steps=10, lr=0.5, hidden=50, seed=0)
    assert tc.sizes == (64, 50, 10) and tc.batch == 100
    assert tc.coincide and tc.passed, tc.to_frame()
    assert tc.max_gap <= POLICY["training"].rtol
    assert tc.losses_analytic[-1] < tc.losses_analytic[0]


def test_the_learning_rate_study_tells_the_rates_apart():
    study = digits_study([0.02, 0.5, 50.0], steps=100, hidden=50, seed=0)
    frame = study.to_frame()
    regimes = dict(zip(frame.lr, frame.regime, strict=True))
    assert regimes[50.0] == "diverged" and regimes[0.02] == "slow"
    assert study.best.lr == 0.5
    low, good = study.runs[0], study.runs[1]
    assert good.losses[-1] < low.losses[-1] < low.losses[0]


def test_the_report_has_the_figure_and_the_table(tmp_path, trained):
    from verifier.descent.digits import DigitsStudy

    study = DigitsStudy((trained,))
    tc = digits_numeric_check(samples=20, steps=2, hidden=8)
    fig = digits_figure(study, tc)
    assert [ax.get_yscale() for ax in fig.axes] == ["log", "linear"]
    labels = [line.get_label() for line in fig.axes[0].get_lines()]
    assert labels[0].startswith("lr=0.5:") and "test 9" in labels[0]
    text = digits_markdown(study, tc)
    assert "test_accuracy" in text and "curves coincide" in text
    paths = write_digits(study, tc, tmp_path)
    assert sorted(paths) == ["csv", "markdown", "numeric_csv", "plot"]
    assert paths["plot"].read_bytes()[:4] == b"\x89PNG"


def test_verifier_descend_network_digits(tmp_path, capsys):
    code = main(
        ["descend", "--network", "digits", "--lr", "0.5,50", "--steps", "40", "--batch", "30",
         "--numeric-steps", "2", "--hidden", "16", "--out", str(tmp_path), "--quiet"]
    )  # fmt: skip
    out = capsys.readouterr().out
    assert code == 0, out
    assert "lr=0.5:" in out and "lr=50: diverged" in out and "curves coincide" in out
    assert (tmp_path / "digits.png").exists() and (tmp_path / "digits.md").exists()


def test_bad_digits_options_are_clear_errors(capsys):
    assert main(["descend", "--network", "digits", "--lr", "-1", "--out", "/tmp/x"]) == 2
    assert "learning rate" in capsys.readouterr().err
