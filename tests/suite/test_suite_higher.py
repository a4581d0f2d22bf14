"""Case files with order = 2 and the hessian kind: passes, wrong entries fail, bad keys."""

from __future__ import annotations

from pathlib import Path

import pytest

from verifier.errors import CaseError
from verifier.suite.cases import load_cases
from verifier.suite.run import run_suite
from verifier.suite.schema import HessianCase

ROOT = Path(__file__).resolve().parent.parent.parent
BUNDLED = ROOT / "cases" / "85_higher_derivatives.toml"


def _write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "cases" / "h.toml"
    path.parent.mkdir(exist_ok=True)
    path.write_text("schema = 1\n\n" + body)
    return path


def test_bundled_higher_derivative_cases_pass_and_catch_their_failures():
    r = run_suite([BUNDLED])
    verdicts = {o.case.id: o.verdict for o in r.outcomes}
    assert verdicts["wrong_second_derivative_claim"] == "xfail-caught"
    assert verdicts["wrong_hessian_entry"] == "xfail-caught"
    assert {v for k, v in verdicts.items() if not k.startswith("wrong_")} == {"pass"}
    assert r.exit_code == 0
    kinds = {o.case.kind for o in r.outcomes}
    assert {"derivative", "hessian", "homework"} <= kinds


def test_second_derivative_case_defaults_to_second_differences(tmp_path):
    (case,) = load_cases(_write(tmp_path, '[[case]]\nid = "a"\nfunction = "x^4"\norder = 2\n'
                                          'points = [1.0, 2.0]\n'))  # fmt: skip
    assert case.order == 2
    assert case.methods == ("second_central", "second_five_point", "second_forward",
                            "second_backward")  # fmt: skip


def test_hessian_case_passes_and_a_wrong_entry_fails(tmp_path):
    body = (
        '[[case]]\nid = "h"\nkind = "hessian"\nfunction = "x^3 y + e^(x y)"\n'
        'point = {{ x = 0.5, y = -1.0 }}\nclaimed = {{ "x,y" = "{xy}" }}\n'
    )
    good = run_suite([_write(tmp_path, body.format(xy="3x^2 + e^(x y) (1 + x y)"))])
    assert good.exit_code == 0 and good.outcomes[0].verdict == "pass"
    assert isinstance(good.outcomes[0].case, HessianCase)
    assert "d^2/dy dx" in good.outcomes[0].steps
    bad = run_suite([_write(tmp_path, body.format(xy="3x^2 + e^(x y)"))])
    assert bad.exit_code == 1 and bad.outcomes[0].verdict == "fail"
    reason = bad.results["reason"].iloc[0]
    assert reason.startswith("d^2f/dx dy: claimed ") and "but the derivative is" in reason


@pytest.mark.parametrize(
    ("body", "key"),
    [
        ('kind = "hessian"\nfunction = "x y"\npoint = { x = 1, y = 2 }\n'
         'claimed = { "x,z" = "1" }\n', "claimed"),
        ('kind = "hessian"\nfunction = "x y"\n', "point"),
        ('function = "x^3"\norder = 5\npoints = [1.0]\n', "order"),
        ('function = "x^3"\norder = 0\npoints = [1.0]\n', "order"),
        ('function = "x^3"\norder = 2\nmethods = ["central"]\npoints = [1.0]\n', "methods"),
    ],
)  # fmt: skip
def test_bad_higher_order_cases_name_the_key(tmp_path, body, key):
    with pytest.raises(CaseError) as info:
        load_cases(_write(tmp_path, '[[case]]\nid = "bad"\n' + body))
    assert info.value.key == key, str(info.value)
