"""Must-show 3 of the budgets issue: no case-file TOML and no class CSV, however broken its
structure, gives a traceback or an exit code other than 0, 1 or 2 (through ``main()``)."""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from verifier.cli import main

KEYS = [
    "id", "kind", "function", "points", "point", "variable", "variables", "claimed", "h",
    "h_min", "h_max", "per_decade", "methods", "rules", "answer", "verdict", "mistake",
    "sizes", "batch", "mode", "expect", "estimates", "rtol", "atol", "claimd", "colour",
]  # fmt: skip
SCALARS = st.one_of(
    st.integers(-(10**6), 10**6).map(str),
    st.sampled_from(["1e308", "-0.0", "5e-324", "nan", "inf", "-inf", "1e-300"]),
    st.sampled_from(
        ['"x^2"', '"derivative"', '"homework"', '"network"', '"gradient"', '"central"', '""']
    ),
    st.sampled_from(['"correct"', '"full"', '"nditer"', '"sample=3"', "true", '"=1+2"']),
    st.text(alphabet="x^2()+-*/|√ e\\\"'\x1b\r", max_size=12).map(lambda t: '"' + t.replace("\\", "\\\\").replace('"', '\\"').replace("\r", "\\r").replace("\x1b", "\\u001b") + '"'),
)  # fmt: skip


def _value(depth: int = 0):
    if depth > 1:
        return SCALARS
    return st.one_of(
        SCALARS,
        st.lists(_value(depth + 1), max_size=4).map(lambda v: "[" + ", ".join(v) + "]"),
        st.dictionaries(st.sampled_from(["x", "x0", "a", "central"]), _value(depth + 1), max_size=2).map(
            lambda d: "{" + ", ".join(f"{k} = {v}" for k, v in d.items()) + "}"
        ),
    )  # fmt: skip


TABLE = st.dictionaries(st.sampled_from(KEYS), _value(), max_size=7)


@st.composite
def case_files(draw) -> str:
    lines = []
    if draw(st.booleans()):
        lines.append("schema = " + draw(st.sampled_from(["1", "2", '"1"'])))
    if draw(st.booleans()):
        lines.append("[defaults]")
        lines += [f"{k} = {v}" for k, v in draw(TABLE).items()]
    for _ in range(draw(st.integers(0, 3))):
        lines.append(draw(st.sampled_from(["[[case]]", "[case]", "case = [1]", "[[cases]]"])))
        lines += [f"{k} = {v}" for k, v in draw(TABLE).items()]
    return "\n".join(lines) + "\n"


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=case_files(), bom=st.booleans())
def test_any_case_file_gives_a_clean_exit(capsys, text, bom):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "fuzz.toml"
        path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
        code = main(
            [
                "run", str(path), "--out", str(Path(tmp) / "r"), "--quiet",
                "--format", "csv,junit", "--time-limit", "20",
            ]
        )  # fmt: skip
    out, err = capsys.readouterr()
    assert code in (0, 1, 2), (code, text)
    assert "Traceback" not in out + err


CELL = st.one_of(
    st.sampled_from(["student", "problem", "answer", "p1", "2x", "x^2", "", '"', "_error"]),
    st.text(alphabet='x2^+=-@"\r\n,;\t\x1b|<>', max_size=8),
)


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    header=st.lists(CELL, min_size=0, max_size=5),
    rows=st.lists(st.lists(CELL, max_size=5), max_size=6),
    raw=st.booleans(),
)
def test_any_class_csv_gives_a_clean_exit(capsys, header, rows, raw):
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        (d / "p.toml").write_text('[[problem]]\nid = "p1"\nfunction = "x^2"\n', encoding="utf-8")
        if raw:  # structure as typed: stray quotes, ragged rows
            text = "\n".join(",".join(r) for r in [header, *rows])
        else:
            buf = io.StringIO()
            csv.writer(buf).writerows([header, *rows])
            text = buf.getvalue()
        (d / "s.csv").write_text(text, encoding="utf-8", newline="")
        code = main(
            [
                "grade",
                str(d / "s.csv"),
                "--problems",
                str(d / "p.toml"),
                "--out",
                str(d / "o"),
                "-q",
            ]
        )
    out, err = capsys.readouterr()
    assert code in (0, 1, 2), (code, header, rows)
    assert "Traceback" not in out + err
