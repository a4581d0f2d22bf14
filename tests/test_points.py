"""Points and numbers as people read them."""

from __future__ import annotations

import pytest

from verifier.errors import VerifierError
from verifier.points import format_number, format_point, points_array


def test_points_parsing_and_format():
    assert points_array([{"x0": 1, "x1": 3}, {"x1": 0, "x0": 2}], ["x0", "x1"]).tolist() == [
        [1, 3],
        [2, 0],
    ]
    with pytest.raises(VerifierError):
        points_array([{"x0": 1}], ["x0", "x1"])
    with pytest.raises(VerifierError, match="not finite"):
        points_array([float("nan")], ["x"])
    with pytest.raises(VerifierError, match="one number"):
        points_array(1.0, ["x0", "x1"])
    assert format_point(-1.0) == "x = -1"


def test_format_number_is_the_one_formatter():
    assert format_number(32.0) == "32"
    assert format_number(float("nan")) == "-"
    assert format_number(-float("inf")) == "-inf"
    assert format_number(1.23456e-7, 2) == "1.2e-07"
