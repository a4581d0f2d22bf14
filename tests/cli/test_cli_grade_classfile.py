"""``verifier grade`` on class files as teachers have them: one class in five forms gives one
graded.csv; --encoding, --columns, --sheet; exit 2 with the reason; the >10% errors warning."""

from __future__ import annotations

import zipfile
from pathlib import Path

import openpyxl

from verifier.cli import main
from verifier.homework import workbook

PROBLEMS = """\
[[problem]]
id = "p1"
function = "x^2"

[[problem]]
id = "p2"
function = "x^3 e^x"
points = 2

[[problem]]
id = "p3"
function = "sin(x^2)"
"""

HEADER = ["학번", "이름", "문제", "답"]
# (student id, name, problem, answer, expected verdict); ids and "2" are numbers in the workbook
CLASS = [
    (20240001, "김민준", "p1", "2x", "correct"),
    (20240002, "이서연", "p1", "x^2", "incorrect"),
    (20240003, "박지후", "p1", "2x+", "invalid"),
    (20240004, "최서윤", "p2", "3x^2 e^x + x^3 e^x", "correct"),
    (20240005, "정하준", "p2", "3x^2 e^x", "incorrect"),
    (20240006, "강지우", "p3", "2x cos(x^2)", "correct"),
    (20240007, "조민서", "p3", "cos(x^2)", "incorrect"),
    (20240008, "윤도윤", "p1", "2*x", "correct"),
    (20240009, "장서아", "p2", "e^x(x^3+3x^2)", "correct"),
    (20240010, "임하은", "p3", "2xcos(x^2", "invalid"),
    (20240011, "한예준", "p1", 2, "incorrect"),
    (20240012, "오지민", "p1", "x + x", "correct"),
]


def _grade(capsys, subs: Path, *options: str) -> tuple[int, str, str, Path]:
    probs = subs.parent / "p.toml"
    probs.write_text(PROBLEMS, encoding="utf-8")
    out = subs.parent / f"out-{subs.name}"
    code = main(["grade", str(subs), "--problems", str(probs), "--out", str(out), *options])
    stdout, stderr = capsys.readouterr()
    assert "Traceback" not in stdout + stderr
    return code, stdout, stderr, out / "graded.csv"


def _text(rows, sep: str = ",", end: str = "\n") -> str:
    return "".join(sep.join(str(c) for c in r) + end for r in rows)


def _write_forms(folder: Path, rows) -> dict[str, Path]:
    """The class as a teacher may have it: three CSV encodings, Excel's Unicode text, .xlsx."""
    table = [HEADER, *[r[:4] for r in rows]]
    forms = {
        "utf-8": folder / "utf8.csv",
        "utf-8-bom": folder / "bom.csv",
        "cp949": folder / "cp949.csv",
        "utf-16": folder / "unicode.txt",
        "xlsx": folder / "class.xlsx",
    }
    forms["utf-8"].write_bytes(_text(table).encode("utf-8"))
    forms["utf-8-bom"].write_bytes(_text(table).encode("utf-8-sig"))
    forms["cp949"].write_bytes(_text(table).encode("cp949"))
    # Excel's "Unicode text": UTF-16LE with a BOM, tab separated, CRLF line ends
    forms["utf-16"].write_bytes(b"\xff\xfe" + _text(table, "\t", "\r\n").encode("utf-16-le"))
    book = openpyxl.Workbook()
    for row in table:
        book.active.append(list(row))
    book.save(forms["xlsx"])
    return forms


def test_one_class_in_five_forms_gives_one_graded_csv(capsys, tmp_path):
    forms = _write_forms(tmp_path, CLASS)
    assert forms["cp949"].read_bytes() != forms["utf-8"].read_bytes()
    graded = {}
    for form, path in forms.items():
        code, stdout, stderr, csv_path = _grade(capsys, path)
        assert code == 0, (form, stderr)
        assert stderr == "", form  # 0 of 12 rows are errors: no warning
        graded[form] = csv_path.read_bytes()
    assert len(set(graded.values())) == 1, [f for f in graded if graded[f] != graded["utf-8"]]
    lines = graded["utf-8"].decode("utf-8").splitlines()
    assert lines[0] == "line,학번,이름,문제,답,verdict,score,reason,mistake,read_as"
    verdicts = [line.split(",")[5] for line in lines[1:]]
    assert verdicts == [r[4] for r in CLASS]
    assert lines[1].startswith("2,20240001,김민준,p1,2x,correct,")
    _, stdout, _, _ = _grade(capsys, forms["cp949"])
    assert "read " + str(forms["cp949"]) + " as CP949" in stdout


def test_encoding_override_and_unknown_encoding(capsys, tmp_path):
    subs = tmp_path / "latin.csv"
    subs.write_bytes("student,problem,answer\nJosé,p1,2x\nZoë,p1,x\n".encode("cp1252"))
    code, _, stderr, graded = _grade(capsys, subs)
    assert code == 2 and "not UTF-8" in stderr and "--encoding" in stderr
    code, stdout, _, graded = _grade(capsys, subs, "--encoding", "cp1252")
    assert code == 0 and "1 correct, 1 incorrect" in stdout
    assert "José" in graded.read_text(encoding="utf-8")
    code, _, stderr, _ = _grade(capsys, subs, "--encoding", "klingon")
    assert code == 2 and "unknown encoding 'klingon'" in stderr


def test_columns_option_and_unknown_columns(capsys, tmp_path):
    subs = tmp_path / "c.csv"
    subs.write_text("번호,과제,풀이\n1,p1,2x\n", encoding="utf-8")
    code, _, stderr, _ = _grade(capsys, subs)
    assert code == 2 and "the columns found are: 번호, 과제, 풀이" in stderr
    assert "--columns" in stderr
    code, stdout, _, _ = _grade(capsys, subs, "--columns", "student=번호,problem=과제,answer=풀이")
    assert code == 0 and "1 correct" in stdout
    code, _, stderr, _ = _grade(capsys, subs, "--columns", "번호")
    assert code == 2 and "--columns: cannot read '번호'" in stderr


def test_sheet_option(capsys, tmp_path):
    path = tmp_path / "c.xlsx"
    book = openpyxl.Workbook()
    book.active.append(["안내: 제출 시트를 보세요"])
    sheet = book.create_sheet("제출")
    for row in [HEADER, *[r[:4] for r in CLASS[:2]]]:
        sheet.append(list(row))
    book.save(path)
    code, _, stderr, _ = _grade(capsys, path)  # the first sheet has no class on it
    assert code == 2 and "missing column" in stderr
    code, stdout, _, _ = _grade(capsys, path, "--sheet", "제출")
    assert code == 0 and "1 correct, 1 incorrect" in stdout
    code, _, stderr, _ = _grade(capsys, tmp_path / "nothing.csv", "--sheet", "제출")
    assert code == 2 and "not found" in stderr


def test_no_gradable_row_is_exit_2_with_the_reason(capsys, tmp_path):
    rows = [(r[0], r[1], "문제1", r[3], "") for r in CLASS]
    subs = _write_forms(tmp_path, rows)["cp949"]
    code, _, stderr, graded = _grade(capsys, subs)
    assert code == 2
    assert "no submission could be graded: unknown problem id '문제1'" in stderr
    assert "(the problems file has: p1, p2, p3) (12 of 12 rows" in stderr
    assert graded.exists()  # the teacher can still read every row's reason
    empty = tmp_path / "empty.csv"
    empty.write_text("학번,문제,답\n\n", encoding="utf-8")
    code, _, stderr, _ = _grade(capsys, empty)
    assert code == 2 and "the file has no rows" in stderr


def test_more_than_a_tenth_of_errors_is_a_warning_naming_the_commonest_cause(capsys, tmp_path):
    rows = list(CLASS)
    rows[0] = (*rows[0][:2], "p9", *rows[0][3:])
    code, _, stderr, _ = _grade(capsys, _write_forms(tmp_path, rows)["utf-8"])
    assert code == 0 and stderr == ""  # 1 of 12 (8%): no warning
    rows[1] = (*rows[1][:2], "p9", *rows[1][3:])
    rows[2] = (*rows[2][:3], "")  # a missing answer: another cause, once
    code, _, stderr, _ = _grade(capsys, _write_forms(tmp_path, rows)["xlsx"])
    assert code == 0
    assert "warning: 3 of 12 rows (25%) could not be graded" in stderr
    assert "the commonest cause (2 rows): unknown problem id 'p9'" in stderr


def test_hostile_workbooks_are_clear_errors(capsys, tmp_path, monkeypatch):
    # the real limit's zip bomb is in tests/homework/test_classfile.py; here a lower limit
    monkeypatch.setattr(workbook, "MAX_UNPACKED_BYTES", 2**20)
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/worksheets/sheet1.xml", b"\0" * 2**21)
    code, _, stderr, _ = _grade(capsys, bomb)
    assert code == 2 and "the workbook unpacks to" in stderr and "it is not read" in stderr
    junk = tmp_path / "junk.xlsx"
    junk.write_bytes(b"PK\x03\x04" + bytes(range(256)) * 8)
    code, _, stderr, _ = _grade(capsys, junk)
    assert code == 2 and "not a readable Excel workbook" in stderr


def test_messages_in_korean(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("VERIFIER_LANG", "ko")
    rows = [(r[0], r[1], "문제1", r[3], "") for r in CLASS]
    code, _, stderr, _ = _grade(capsys, _write_forms(tmp_path, rows)["utf-16"])
    assert code == 2 and "채점할 수 있는 제출이 하나도 없어요" in stderr
    assert "문제 파일에 없는 문제 번호 '문제1'" in stderr
