"""Class files as teachers have them: encodings, separators, Korean columns, .xlsx, hostile files."""

from __future__ import annotations

import codecs
import datetime
import zipfile
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from verifier.errors import VerifierError
from verifier.homework import workbook
from verifier.homework.classfile import (
    detect_encoding,
    error_summary,
    parse_columns,
    read_submissions,
)
from verifier.homework.classroom import Problem, grade_class
from verifier.i18n import use_language


def _csv(path: Path, rows: list[list[str]], encoding: str, sep: str = ",", end: str = "\n") -> Path:
    text = end.join(sep.join(r) for r in rows) + end
    path.write_bytes(text.encode(encoding))
    return path


@pytest.mark.parametrize(
    ("encoding", "codec"),
    [
        ("utf-8", "utf_8"),
        ("utf-8-sig", "utf_8_sig"),
        ("cp949", "cp949"),
        ("euc-kr", "cp949"),  # EUC-KR is a subset of CP949: read as CP949
        ("utf-16", "utf_16"),  # Python writes a BOM, as Excel does
    ],
)
def test_detect_encoding(tmp_path, encoding, codec):
    rows = [["학번", "이름", "문제", "답"], ["20240001", "김민준", "p1", "2x + 2"]]
    raw = _csv(tmp_path / "c.csv", rows, encoding).read_bytes()
    assert detect_encoding(raw) == codec
    frame = read_submissions(tmp_path / "c.csv")
    assert frame["이름"].tolist() == ["김민준"] and frame["_error"].tolist() == [""]


def test_separators_are_sniffed_from_the_header(tmp_path):
    rows = [["student", "problem", "answer"], ["ann", "p1", "log(x, 2)"]]
    for sep in (",", "\t", ";"):
        body = [rows[0], rows[1][:2] + ['"log(x, 2)"' if sep == "," else "log(x, 2)"]]
        frame = read_submissions(_csv(tmp_path / "s.csv", body, "utf-8", sep))
        assert frame["answer"].tolist() == ["log(x, 2)"], sep


def test_empty_columns_at_the_right_are_ignored(tmp_path):
    """Excel's CSV keeps the empty columns a sheet once used: "a,b,c,,"."""
    path = tmp_path / "c.csv"
    path.write_text("학번,문제,답,,\n1,p1,2x,,\n2,p1,x,,note\n", encoding="utf-8")
    frame = read_submissions(path)
    assert list(frame.columns) == ["_line", "학번", "문제", "답", "_error"]
    assert frame["_error"].tolist() == ["", "row has 5 fields, expected 3"]


def test_undecodable_bytes_stay_errors_of_their_rows(tmp_path):
    """A CP949 class with one damaged row is still read as CP949: only that row is an error."""
    good = "학번,문제,답\n1,p1,2x\n2,p1,x\n".encode("cp949")
    path = tmp_path / "c.csv"
    path.write_bytes(good + b"3,p1,2x\xff\n")
    frame = read_submissions(path)
    assert frame.attrs["encoding"] == "CP949"
    assert frame["_error"].tolist()[:2] == ["", ""]
    assert "not CP949" in frame["_error"].tolist()[2]
    assert any("--encoding" in w for w in frame.attrs["warnings"])


def test_encoding_override(tmp_path):
    """A Latin-1 file is not one of the detected encodings: --encoding reads it."""
    path = tmp_path / "latin.csv"
    path.write_bytes("student,problem,answer\nJosé,p1,2x\n".encode("cp1252"))
    assert "not UTF-8" in read_submissions(path)["_error"][0]
    frame = read_submissions(path, encoding="cp1252")
    assert frame["student"].tolist() == ["José"] and frame["_error"].tolist() == [""]
    # a CP949 file read as UTF-8 on request: every Korean cell is an error, as asked
    kr = _csv(tmp_path / "kr.csv", [["학번", "문제", "답"], ["김", "p1", "2x"]], "cp949")
    with pytest.raises(VerifierError, match="the header has bytes that are not UTF-8"):
        read_submissions(kr, encoding="utf-8")
    with pytest.raises(VerifierError, match="unknown encoding 'klingon'"):
        read_submissions(path, encoding="klingon")


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (["학번", "이름", "문제", "답"], ("학번", "문제", "답")),
        (["이름", "문항", "답안"], ("이름", "문항", "답안")),
        (["학생", "문제 번호", "제출 답안"], ("학생", "문제 번호", "제출 답안")),
        (["Student ID", "Problem", "Answer"], ("Student ID", "Problem", "Answer")),
        (["name", "problem_id", "submission"], ("name", "problem_id", "submission")),
    ],
)
def test_korean_and_english_column_names_are_found(tmp_path, header, expected):
    path = _csv(tmp_path / "c.csv", [header, ["x"] * len(header)], "utf-8")
    cols = read_submissions(path).attrs["columns"]
    assert (cols["student"], cols["problem"], cols["answer"]) == expected


def test_columns_given_and_unknown_columns(tmp_path):
    path = _csv(tmp_path / "c.csv", [["번호", "과제", "풀이"], ["1", "p1", "2x"]], "utf-8")
    with pytest.raises(VerifierError) as info:
        read_submissions(path)
    text = str(info.value)
    assert "the columns found are: 번호, 과제, 풀이" in text and "--columns" in text
    frame = read_submissions(path, columns=parse_columns("student=번호,problem=과제,answer=풀이"))
    assert frame.attrs["columns"] == {"student": "번호", "problem": "과제", "answer": "풀이"}
    with pytest.raises(VerifierError, match="answer \\('답변'\\); the columns found"):
        read_submissions(path, columns={"answer": "답변"})
    with pytest.raises(VerifierError, match="cannot read 'teacher=번호'"):
        parse_columns("teacher=번호")
    with use_language("ko"), pytest.raises(VerifierError, match="열을 찾지 못했어요"):
        read_submissions(path)


def _formula_workbook(path: Path) -> Path:
    """A workbook whose C2 is a formula with a cached value, as Excel saves it."""
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["학번", "문제", "답"])
    ws.append([1, "p1", "=1+1"])
    book.save(path)
    with zipfile.ZipFile(path) as zf:
        parts = {name: zf.read(name) for name in zf.namelist()}
    sheet = parts["xl/worksheets/sheet1.xml"].decode()
    start = sheet.index('<c r="C2"')
    end = sheet.index("</c>", start) + len("</c>")
    parts["xl/worksheets/sheet1.xml"] = (
        sheet[:start] + '<c r="C2" t="str"><f>"2"&amp;"x"</f><v>2x</v></c>' + sheet[end:]
    ).encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    return path


def test_xlsx_cells_read_as_the_teacher_sees_them(tmp_path):
    path = tmp_path / "c.xlsx"
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "표지"
    ws.append(["이 시트는 표지예요"])
    data = book.create_sheet("제출")
    data.append(["학번", "이름", "문제", "답", "제출일", "점수"])
    data.append([20240001, "김민준", "p1", 0, datetime.date(2024, 3, 1), 0.5])
    data.append([])  # an empty row is skipped, the line numbers stay the sheet's
    data.append([7, "이서연", "p1", 2.0, datetime.datetime(2024, 3, 1, 9, 30), 1.25])
    data["A4"].number_format = "0000"
    data["F4"].number_format = "0.00"
    book.save(path)
    frame = read_submissions(path, sheet="제출")
    assert frame.attrs["encoding"] == "xlsx"
    assert frame["_line"].tolist() == [2, 4]
    assert frame["학번"].tolist() == ["20240001", "0007"]
    assert frame["답"].tolist() == ["0", "2"]
    assert frame["제출일"].tolist() == ["2024-03-01", "2024-03-01 09:30:00"]
    assert frame["점수"].tolist() == ["0.5", "1.25"]
    with pytest.raises(VerifierError, match="no sheet 'Sheet9'; the sheets are: 표지, 제출"):
        read_submissions(path, sheet="Sheet9")
    cached = read_submissions(_formula_workbook(tmp_path / "f.xlsx"))
    assert cached["답"].tolist() == ["2x"]  # the formula's cached value, not its text


def _with_sheet_xml(path: Path, sheet_xml: bytes) -> Path:
    """A workbook whose first sheet's XML is ``sheet_xml``."""
    openpyxl.Workbook().save(path)
    with zipfile.ZipFile(path) as zf:
        parts = {name: zf.read(name) for name in zf.namelist()}
    parts["xl/worksheets/sheet1.xml"] = sheet_xml
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    return path


def _zip_bomb(path: Path, size: int) -> Path:
    block = b"\0" * 2**20
    with (
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf,
        zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as fh,
    ):
        for _ in range(size // len(block)):
            fh.write(block)
    return path


def test_hostile_workbooks_are_refused_before_they_are_unpacked(tmp_path):
    bomb = _zip_bomb(tmp_path / "bomb.xlsx", workbook.MAX_UNPACKED_BYTES + 2**20)
    assert bomb.stat().st_size < 2**20  # a small file that unpacks past the limit
    with pytest.raises(
        VerifierError, match=f"unpacks to {workbook.MAX_UNPACKED_BYTES // 2**20 + 1} MB"
    ):
        read_submissions(bomb)
    (tmp_path / "junk.xlsx").write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(VerifierError, match="not a readable Excel workbook"):
        read_submissions(tmp_path / "junk.xlsx")
    (tmp_path / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100)
    with pytest.raises(VerifierError, match=r"old Excel file \(.xls\)"):
        read_submissions(tmp_path / "old.xls")


def test_huge_sheets_are_refused(tmp_path, monkeypatch):
    far = tmp_path / "far.xlsx"
    book = openpyxl.Workbook()
    book.active.append(["student", "problem", "answer"])
    book.active.cell(row=1_048_576, column=1, value="x")  # the last row Excel has
    book.save(far)
    with pytest.raises(VerifierError, match="more than 200000 rows"):
        read_submissions(far)
    wide = tmp_path / "wide.xlsx"
    book = openpyxl.Workbook()
    book.active.append(["student", "problem", "answer"])
    book.active.cell(row=1, column=workbook.MAX_COLUMNS + 1, value="x")
    book.save(wide)
    with pytest.raises(VerifierError, match="more than 1000 columns"):
        read_submissions(wide)
    long_row = tmp_path / "row.xlsx"  # more cells in one row than Excel allows, in 300 KB
    _with_sheet_xml(
        long_row,
        b"<worksheet><sheetData><row r='1'>" + b"<c><v>1</v></c>" * 20_000 + b"</row>"
        b"</sheetData></worksheet>",
    )
    with pytest.raises(VerifierError, match="more than .* cells"):
        read_submissions(long_row)
    monkeypatch.setattr(workbook, "MAX_CELLS", 30)  # 3 columns: rows past the 10th are over
    many = tmp_path / "many.xlsx"
    book = openpyxl.Workbook()
    for i in range(20):
        book.active.append(["student", "problem", "answer"] if i == 0 else [f"s{i}", "p", "1"])
    book.save(many)
    with pytest.raises(VerifierError, match="more than .* cells"):
        read_submissions(many)


@pytest.mark.parametrize(
    "sheet_xml",
    [
        b"<worksheet><sheetData><row r='1'><c r='A1' t='inlineStr'><is><t>student",  # cut
        (
            '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol0 "lol">'
            + "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10))
            + "]><worksheet><sheetData><row r='1'><c r='A1' t='inlineStr'><is><t>&lol9;</t></is>"
        ).encode()
        + b"</c></row></sheetData></worksheet>",  # a billion laughs
    ],
)
def test_malformed_sheet_xml_is_a_clear_error(tmp_path, sheet_xml):
    path = _with_sheet_xml(tmp_path / "bad.xlsx", sheet_xml)
    with pytest.raises(VerifierError, match="not a readable Excel workbook"):
        read_submissions(path)


def test_error_summary_names_the_commonest_cause():
    import pandas as pd

    subs = pd.DataFrame(
        {
            "student": list("abcdefghij"),
            "problem": ["p"] * 7 + ["q", "q", "r"],
            "answer": ["2x"] * 10,
        }
    )
    s = error_summary(grade_class(subs, [Problem("p", "x^2")]))
    assert (s.rows, s.errors, s.count) == (10, 3, 3)
    # the fraction 3/10 as a float: within one rounding of 0.3
    assert abs(s.share - 0.3) < 1e-12
    assert s.cause == "unknown problem id 'q' (the problems file has: p)"


_TEXT = st.text(
    alphabet=st.one_of(
        st.characters(min_codepoint=0xAC00, max_codepoint=0xD7A3),  # every Hangul syllable
        st.sampled_from("abcxyzABC0123456789 ()+-*/^._"),
    ),
    min_size=1,
    max_size=40,
).filter(lambda t: t.strip() == t and t)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    name=_TEXT,
    answer=_TEXT,
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp949", "utf-16", "utf-16-be"]),
)
def test_any_text_round_trips_in_every_supported_encoding(tmp_path, name, answer, encoding):
    path = tmp_path / "c.csv"
    text = f"학번,이름,문제,답\n1,{name},p1,{answer}\n"
    raw = text.encode(encoding)
    if encoding == "utf-16-be":  # Excel's BOM, big-endian this time
        raw = codecs.BOM_UTF16_BE + raw
    path.write_bytes(raw)
    frame = read_submissions(path)
    assert frame["이름"].tolist() == [name] and frame["답"].tolist() == [answer]
    assert frame["_error"].tolist() == [""]


def test_a_class_table_grades_as_its_dataframe_does(tmp_path):
    # grade_class reads a path without pandas (a ClassTable) and makes the frame while the
    # work is out: the same rows, columns and verdicts as from read_submissions' DataFrame
    from verifier.homework.classfile import read_class_table

    rows = [
        ["학번", "문제", "답"],
        ["1", "p", "2x"],
        ["2", "p", "x^2"],
        ["3", "q", "1"],
        ["4", "p"],
    ]
    path = _csv(tmp_path / "class.csv", rows, "cp949")
    problems = [Problem("p", "x^2")]
    table = read_class_table(path)
    assert table.encoding == "CP949" and table.columns["answer"] == "답"
    assert table.keys()[0] == ("", "p", "2x") and table.keys()[3][0]  # the short row's error
    from_path = grade_class(path, problems)
    from_frame = grade_class(read_submissions(path), problems, columns=table.columns)
    assert from_path.columns.tolist() == from_frame.columns.tolist()
    assert from_path.drop(columns="seconds").equals(from_frame.drop(columns="seconds"))
    assert from_path["verdict"].tolist() == ["correct", "incorrect", "error", "error"]
