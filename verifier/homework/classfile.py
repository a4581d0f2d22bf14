"""Class files as teachers have them: CSV in the encodings spreadsheets write, or a workbook.

:func:`read_submissions` reads a class file into a DataFrame without ever failing on a row:

* **CSV text** in UTF-8 (with or without a BOM), CP949/EUC-KR (Excel's default in Korea) or
  UTF-16 (Excel's "Unicode text": tab separated, little-endian, with a BOM).
  :func:`detect_encoding` asks ``charset-normalizer`` which of these the bytes are; any other
  codec is given with ``encoding=`` (``--encoding``).  The separator (comma, tab, semicolon)
  is the one that splits the header line into the most columns.
* **Excel workbooks** (``.xlsx``) read directly with ``openpyxl`` in read-only mode: the first
  sheet or ``sheet=``, formulas as their cached values, numbers and dates as text the way the
  cell shows them, empty rows skipped.  Sizes are checked before anything is unpacked, and
  rows and cells are capped, so a zip bomb or a huge sheet is a clear error.

The columns for the student, the problem and the answer are found by name (English or Korean,
:data:`COLUMN_NAMES`) or given (``columns=``, ``--columns student=학번,problem=문제,answer=답``).

>>> import tempfile, pathlib
>>> p = pathlib.Path(tempfile.mkdtemp()) / "class.csv"
>>> _ = p.write_bytes("학번,이름,문제,답\\n1,김민준,p1,2x\\n".encode("cp949"))
>>> frame = read_submissions(p)
>>> frame.attrs["encoding"], frame.attrs["columns"]["student"], frame["이름"].tolist()
('CP949', '학번', ['김민준'])
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import re
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from verifier.errors import VerifierError
from verifier.homework.answer import MAX_ANSWER_LENGTH
from verifier.homework.encoding import (
    ENCODINGS,
    UNDECODED,
    decode,
    detect_encoding,
    guess_other,
    label,
)
from verifier.homework.workbook import read_sheet
from verifier.i18n import N_, _

__all__ = [
    "COLUMN_NAMES",
    "DEFAULT_COLUMNS",
    "ClassTable",
    "ENCODINGS",
    "RESERVED_COLUMNS",
    "ErrorSummary",
    "detect_encoding",
    "error_summary",
    "parse_columns",
    "read_class_table",
    "read_submissions",
]

DEFAULT_COLUMNS = {"student": "student", "problem": "problem", "answer": "answer"}
ROLES = tuple(DEFAULT_COLUMNS)
#: the roles as a person reads them (translated where shown)
ROLE_WORDS = {"student": N_("student"), "problem": N_("problem"), "answer": N_("answer")}

#: header names each role is found under, in order of preference (compared without case,
#: spaces, '_' or '-'); the student's id comes before their name
COLUMN_NAMES: dict[str, tuple[str, ...]] = {
    "student": ("student", "학번", "학생", "학생번호", "studentid", "id", "이름", "성명", "name"),
    "problem": ("problem", "문제", "문항", "문제번호", "문항번호", "problemid"),
    "answer": ("answer", "답", "답안", "제출", "제출답안", "응답", "submission"),
}

#: columns graded.csv adds; a submissions column of the same name would be overwritten
RESERVED_COLUMNS = (
    "_line",
    "_error",
    "line",
    "verdict",
    "score",
    "reason",
    "mistake",
    "read_as",
    "seconds",
    "counterexample",
)

MAX_FILE_BYTES = 50 * 1024 * 1024  # a CSV, or a workbook as stored


def parse_columns(text: str | None) -> dict[str, str]:
    """The roles a ``--columns`` value maps: ``student=학번,problem=문제,answer=답``.

    >>> parse_columns("student=학번, answer=답")
    {'student': '학번', 'answer': '답'}
    """
    out: dict[str, str] = {}
    for part in (text or "").split(","):
        if not part.strip():
            continue
        role, eq, name = part.partition("=")
        role = role.strip().lower()
        if not eq or role not in ROLES or not name.strip():
            raise VerifierError(
                _("--columns: cannot read {part!r}").format(part=part.strip()),
                hint=_("write role=column for student, problem, answer, e.g. {example}").format(
                    example="student=학번,problem=문제,answer=답"
                ),
            )
        out[role] = name.strip()
    return out


def _key(name: str) -> str:
    return re.sub(r"[\s_\-]+", "", name).casefold()


def _resolve_columns(path: Path, header: list[str], given: Mapping[str, str]) -> dict[str, str]:
    chosen = {role: name.strip() for role, name in given.items() if name and name.strip()}
    by_key: dict[str, str] = {}
    for name in header:
        by_key.setdefault(_key(name), name)
    missing = []
    for role in ROLES:
        if role in chosen:
            if chosen[role] not in header:
                missing.append(f"{_(ROLE_WORDS[role])} ('{chosen[role]}')")
            continue
        taken = set(chosen.values())
        found = next(
            (
                by_key[k]
                for k in map(_key, COLUMN_NAMES[role])
                if by_key.get(k, "") not in ("", *taken)
            ),
            None,
        )
        if found is None:
            missing.append(f"{_(ROLE_WORDS[role])} ({', '.join(COLUMN_NAMES[role][:4])}...)")
        else:
            chosen[role] = found
    if missing:
        raise VerifierError(
            _("{path}: missing column {missing}; the columns found are: {found}").format(
                path=path, missing=", ".join(missing), found=", ".join(header) or "(none)"
            ),
            hint=_("name them with --columns student=COLUMN,problem=COLUMN,answer=COLUMN"),
        )
    return {role: chosen[role] for role in ROLES}


def _check_header(path: Path, header: list[str]) -> None:
    seen: set[str] = set()
    for name in header:
        if name in seen:
            raise VerifierError(
                _("{path}: column {name!r} appears twice in the header").format(
                    path=path, name=name
                ),
                hint=_("rename one of them"),
            )
        seen.add(name)
        if name in RESERVED_COLUMNS and name != "line":
            raise VerifierError(
                _("{path}: column {name!r} would collide with a column the grades add").format(
                    path=path, name=name
                ),
                hint=_("rename it; graded.csv adds {names}").format(
                    names=", ".join(RESERVED_COLUMNS[2:])
                ),
            )


@dataclass
class _Row:
    line: int
    fields: list[str]
    error: str = ""


def _csv_rows(text: str) -> tuple[list[str], Iterator[_Row], list[tuple[int, int]], str]:
    """Header and rows of CSV text; the separator is the one that splits the header most."""
    first = text.split("\n", 1)[0]
    delimiter = max(",\t;", key=lambda d: len(next(csv.reader([first], delimiter=d), [])))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = next(reader)
    spans: list[tuple[int, int]] = []

    def rows() -> Iterator[_Row]:
        while True:
            line = reader.line_num + 1
            try:
                fields = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                yield _Row(line, [], _("unreadable CSV row: {error}").format(error=exc))
                continue
            row = _Row(line, fields)
            # a quoted field holding whole lines of rows: a stray quote swallowed them
            if any(delimiter in f.partition("\n")[2] for f in fields):
                row.error = _(
                    'row spans lines {first}-{last}: an unclosed quote (") joined them'
                ).format(first=line, last=reader.line_num)
                spans.append((line, reader.line_num))
            yield row

    return header, rows(), spans, delimiter


def _is_workbook(path: Path, head: bytes) -> bool:
    return path.suffix.lower() in (".xlsx", ".xlsm") or head.startswith(b"PK\x03\x04")


@dataclass
class ClassTable:
    """A class file as read, before pandas (:meth:`to_frame` is what :func:`read_submissions`
    returns): one dict per row with content (``_line``, the header's names, ``_error``), the
    header, the columns found per role, the encoding shown and the warnings.

    Grading starts from it, so the work goes out to the workers while pandas is imported.
    """

    records: list[dict[str, Any]]
    header: list[str]
    columns: dict[str, str]
    encoding: str
    warnings: list[str]

    def keys(self) -> list[tuple[str, str, str]]:
        """(error, problem, answer) of each row, as text.

        >>> ClassTable([{"_line": 2, "p": "p1", "a": "2x", "_error": ""}], ["p", "a"],
        ...            {"problem": "p", "answer": "a"}, "UTF-8", []).keys()
        [('', 'p1', '2x')]
        """
        p, a = self.columns["problem"], self.columns["answer"]
        return [(str(r["_error"]), str(r.get(p, "")), str(r.get(a, ""))) for r in self.records]

    def to_frame(self):
        """The rows as a DataFrame of text (``attrs``: columns, encoding, warnings)."""
        import pandas as pd

        frame = pd.DataFrame(self.records, columns=["_line", *self.header, "_error"]).fillna("")
        frame.attrs["warnings"] = list(self.warnings)
        frame.attrs["columns"] = dict(self.columns)
        frame.attrs["encoding"] = self.encoding
        return frame


def read_submissions(
    path: str | os.PathLike[str],
    *,
    columns: Mapping[str, str] | None = None,
    encoding: str | None = None,
    sheet: str | None = None,
):
    """Read a class file (CSV in any common encoding, or .xlsx) into a DataFrame, never failing on a row.

    Columns: the file's own columns (as text) plus ``_line`` (1-based line of the CSV, or row
    of the sheet) and ``_error`` (why the row cannot be graded: wrong field count, missing
    field, bytes the encoding cannot read, a field over 20,000 characters; '' when fine).
    ``columns`` maps the roles student/problem/answer to header names; a role not given is
    found by :data:`COLUMN_NAMES`.  ``attrs``: ``columns`` (the mapping used), ``encoding``
    (``UTF-8``, ``CP949``, ``UTF-16``, ... or ``xlsx``) and ``warnings``.  A missing file,
    header or column is an error.

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "s.csv"
    >>> _ = p.write_text("student,problem,answer\\nann,p1,2x\\nbob,p1\\n")
    >>> read_submissions(p)[["student", "_error"]].values.tolist()
    [['ann', ''], ['bob', 'row has 2 fields, expected 3']]
    """
    return read_class_table(path, columns=columns, encoding=encoding, sheet=sheet).to_frame()


def read_class_table(
    path: str | os.PathLike[str],
    *,
    columns: Mapping[str, str] | None = None,
    encoding: str | None = None,
    sheet: str | None = None,
) -> ClassTable:
    """:func:`read_submissions` without pandas: the rows as a :class:`ClassTable`.

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "s.csv"
    >>> _ = p.write_text("student,problem,answer\\nann,p1,2x\\n")
    >>> read_class_table(p).keys()
    [('', 'p1', '2x')]
    """
    p = Path(path)
    try:
        size = p.stat().st_size
        with p.open("rb") as fh:
            head = fh.read(8)
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        raise VerifierError(
            _("{path}: file not found").format(path=p), hint=_("check the submissions path")
        ) from None
    if size > MAX_FILE_BYTES:
        raise VerifierError(
            _("{path}: the file is {size} MB (limit {limit} MB); it is not read").format(
                path=p, size=size // 2**20, limit=MAX_FILE_BYTES // 2**20
            ),
            hint=_("split the class into several files"),
        )
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise VerifierError(
            _("{path}: an old Excel file (.xls) cannot be read").format(path=p),
            hint=_("save it in Excel as .xlsx, or as CSV"),
        )
    warnings: list[str] = []
    spans: list[tuple[int, int]] = []
    if _is_workbook(p, head):
        if encoding is not None:
            warnings.append(
                _("{path}: a workbook has no encoding; --encoding is ignored").format(path=p)
            )
        header, cells = read_sheet(p, sheet)
        rows = [_Row(line, fields) for line, fields in cells]
        shown = "xlsx"
    else:
        if sheet is not None:
            raise VerifierError(
                _("{path}: --sheet is for Excel workbooks (.xlsx)").format(path=p),
                hint=_("leave --sheet out for a CSV file"),
            )
        raw = p.read_bytes()
        if encoding is not None:
            try:
                codec = codecs.lookup(encoding).name
            except LookupError:
                raise VerifierError(
                    _("--encoding: unknown encoding {name!r}").format(name=encoding),
                    hint=_("for example utf-8, cp949, euc-kr, utf-16"),
                ) from None
        else:
            codec = detect_encoding(raw)
        shown = label(codec)
        text = decode(raw, codec)
        text = text.removeprefix("\ufeff")  # a BOM read by a codec that keeps it
        old_limit = csv.field_size_limit()
        csv.field_size_limit(max(old_limit, MAX_FILE_BYTES))
        try:
            try:
                header, row_iter, spans, _sep = _csv_rows(text)
            except (StopIteration, csv.Error):
                header, row_iter = [], iter(())
            rows = list(row_iter)
        finally:
            csv.field_size_limit(old_limit)
        if UNDECODED.search(text):
            guess = guess_other(raw) if encoding is None else None
            warnings.append(
                _(
                    "{path}: some bytes are not {encoding}; if the file is in another "
                    "encoding, give it with --encoding"
                ).format(path=p, encoding=shown)
                + (_(" (it looks like {guess})").format(guess=guess) if guess else "")
            )
    header = [h.strip() for h in header]
    while header and not header[-1]:  # a spreadsheet's empty columns at the right
        header.pop()
    if not any(header):
        raise VerifierError(
            _("{path}: no header line").format(path=p),
            hint=_("the first line names the columns"),
        )
    if any(UNDECODED.search(h) for h in header):
        raise VerifierError(
            _("{path}: the header has bytes that are not {encoding}").format(
                path=p, encoding=shown
            ),
            hint=_("give the file's encoding with --encoding, e.g. --encoding cp949"),
        )
    _check_header(p, header)
    cols = _resolve_columns(p, header, columns or {})
    damaged = shown if any(UNDECODED.search(f) for r in rows for f in r.fields) else ""
    records = [_validate(row, header, cols, damaged) for row in rows if _has_content(row)]
    swallowed = sum(b - a for a, b in spans)
    if swallowed:
        warnings.append(
            _(
                "{path}: {n} line(s) were read as parts of other rows (first at line "
                '{line}): check for a stray " in the file'
            ).format(path=p, n=swallowed, line=spans[0][0])
        )
    return ClassTable(records, header, dict(cols), shown, warnings)


def _has_content(row: _Row) -> bool:
    return bool(row.error) or not (
        not row.fields or (len(row.fields) == 1 and not row.fields[0].strip())
    )


def _validate(row: _Row, header: list[str], cols: Mapping[str, str], damaged: str) -> dict:
    """The row as a record with its ``_error``; ``damaged``: the encoding, when bytes failed it."""
    record: dict[str, Any] = {"_line": row.line, "_error": row.error}
    if not row.fields:
        return record
    if len(row.fields) > len(header) and not any(f.strip() for f in row.fields[len(header) :]):
        row.fields = row.fields[: len(header)]  # empty cells of the empty columns at the right
    for name, value in zip(header, row.fields, strict=False):
        record[name] = value
    if len(row.fields) != len(header):
        record["_error"] = _("row has {n} fields, expected {m}").format(
            n=len(row.fields), m=len(header)
        )
    for name in header:
        value = record.get(name, "")
        if damaged and UNDECODED.search(value):
            record["_error"] = record["_error"] or _(
                "column '{name}' has bytes that are not {encoding}"
            ).format(name=name, encoding=damaged)
            record[name] = value = UNDECODED.sub("\ufffd", value)
        if len(value) > MAX_ANSWER_LENGTH:
            record["_error"] = record["_error"] or _(
                "column '{name}' is {n} characters long (limit {limit})"
            ).format(name=name, n=len(value), limit=MAX_ANSWER_LENGTH)
            record[name] = value[:200] + "..."
    for role in ROLES:
        if not record["_error"] and not str(record.get(cols[role], "")).strip():
            record["_error"] = _("missing {role} ('{column}')").format(
                role=_(ROLE_WORDS[role]), column=cols[role]
            )
    return record


@dataclass(frozen=True)
class ErrorSummary:
    """How many graded rows are errors, and their commonest cause (with its row count)."""

    rows: int
    errors: int
    cause: str
    count: int

    @property
    def share(self) -> float:
        """Errors as a fraction of the rows (0 for no rows)."""
        return self.errors / self.rows if self.rows else 0.0


def _pattern(reason: str) -> str:
    return re.sub(r"'[^']*'|\"[^\"]*\"|\d+", "…", reason)


def error_summary(graded: Any) -> ErrorSummary:
    """Count the ``error`` rows of a graded frame and name their commonest cause.

    Reasons that differ only in a quoted name or a number are one cause (its first reason
    is shown); rows whose problem id is not in the problems file are one cause, shown with
    the commonest unknown id and the ids the file has.

    >>> import pandas as pd
    >>> from verifier.homework.classroom import Problem, grade_class
    >>> subs = pd.DataFrame({"student": ["a", "b", "c"], "problem": ["p", "q", "q"],
    ...                      "answer": ["2x", "1", "1"]})
    >>> s = error_summary(grade_class(subs, [Problem("p", "x^2")]))
    >>> s.errors, s.count, s.cause
    (2, 2, "unknown problem id 'q' (the problems file has: p)")
    """
    if not len(graded):
        return ErrorSummary(0, 0, _("the file has no rows"), 0)
    cols = graded.attrs.get("columns", DEFAULT_COLUMNS)
    known = set(graded.attrs.get("problems", {}))
    errors = graded[graded["verdict"] == "error"]
    if errors.empty:
        return ErrorSummary(len(graded), 0, "", 0)
    pids = errors[cols["problem"]].astype(str).str.strip()
    unknown = [pid for pid in pids if pid and known and pid not in known]
    groups: Counter[str] = Counter()
    first: dict[str, str] = {}
    for pid, reason in zip(pids, errors["reason"].astype(str), strict=True):
        key = "\0unknown" if (pid and known and pid not in known) else _pattern(reason)
        groups[key] += 1
        first.setdefault(key, reason)
    key, count = groups.most_common(1)[0]
    cause = first[key]
    if key == "\0unknown":
        commonest = Counter(unknown).most_common(1)[0][0]
        cause = _("unknown problem id {pid!r} (the problems file has: {ids})").format(
            pid=commonest, ids=", ".join(sorted(known))
        )
    return ErrorSummary(len(graded), len(errors), cause, count)
