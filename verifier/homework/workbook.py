"""Excel workbooks (.xlsx) as a teacher sees them, read within limits.

:func:`read_sheet` reads one sheet with ``openpyxl`` in read-only mode: formulas as their
cached values (what Excel last showed), numbers and dates as text the way the cell shows them
(``20240001``, not ``20240001.0``; a ``0000`` format keeps its leading zeros), empty rows
skipped.  A workbook is a zip of XML parts: its parts and their unpacked sizes are checked
before anything is unpacked (a zip bomb is refused there), the sheet's declared dimensions are
ignored, and rows and cells are capped while reading, so a hostile file is a clear
:class:`~verifier.errors.VerifierError`, never a traceback or a full memory.  Each sheet's XML is
first streamed past a counter (rows, cells, cells per row; no entity declarations) that stops
at the limits, since openpyxl holds a whole row in memory before it yields it.
"""

from __future__ import annotations

import datetime
import math
import os
import re
import zipfile
from pathlib import Path
from typing import Any
from xml.parsers import expat

from verifier.errors import VerifierError
from verifier.i18n import _

__all__ = ["MAX_CELLS", "MAX_COLUMNS", "MAX_PARTS", "MAX_ROWS", "MAX_UNPACKED_BYTES", "read_sheet"]

MAX_UNPACKED_BYTES = 100 * 1024 * 1024  # a workbook's parts, unpacked (a zip bomb's tell)
MAX_PARTS = 2_000  # files inside a workbook
MAX_ROWS = 200_000  # rows of a sheet, empty ones included
MAX_CELLS = 2_000_000  # cells of a sheet (rows x the header's columns)
MAX_COLUMNS = 1_000


def _cell_text(cell: Any) -> str:
    """A cell as the sheet shows it: whole numbers without '.0', dates as dates."""
    value = getattr(cell, "value", None)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime.datetime):
        if value.time() == datetime.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, int | float):
        fmt = str(getattr(cell, "number_format", "General") or "General")
        fixed = re.fullmatch(r"(0+)(?:\.(0+))?(%?)", fmt)
        if fixed and math.isfinite(value):
            ints, decimals, percent = fixed.groups()
            shown = value * 100 if percent else value
            places = len(decimals or "")
            width = len(ints) + (places + 1 if places else 0)
            return f"{shown:0{width}.{places}f}{percent}"
        if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return f"{value:.15g}" if isinstance(value, float) else str(value)
    return str(value)


def _unreadable(path: Path, error: str) -> VerifierError:
    return VerifierError(
        _("{path}: not a readable Excel workbook (.xlsx): {error}").format(path=path, error=error),
        hint=_("open it in Excel and save it again as .xlsx, or as CSV"),
    )


def _check_workbook(path: Path) -> None:
    """Refuse a workbook before it is unpacked: not a zip, too many parts, too big unpacked."""
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise _unreadable(path, str(exc)) from None
    unpacked = sum(info.file_size for info in infos)
    if len(infos) > MAX_PARTS or unpacked > MAX_UNPACKED_BYTES:
        raise VerifierError(
            _(
                "{path}: the workbook unpacks to {size} MB in {parts} parts "
                "(limit {limit} MB in {max_parts}); it is not read"
            ).format(
                path=path,
                size=unpacked // 2**20,
                parts=len(infos),
                limit=MAX_UNPACKED_BYTES // 2**20,
                max_parts=MAX_PARTS,
            ),
            hint=_("save the class list alone as .xlsx or CSV"),
        )
    try:
        with zipfile.ZipFile(path) as zf:
            for info in infos:
                if info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml"):
                    with zf.open(info) as fh:
                        _scan_sheet(path, fh)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise _unreadable(path, str(exc)) from None


class _Refused(Exception):
    """Raised from inside the XML scan to stop it."""


def _scan_sheet(path: Path, fh: Any) -> None:
    """Count a sheet's rows and cells as its XML streams past, before openpyxl builds them.

    openpyxl gathers a whole row before it yields it, so one row of millions of cells would fill
    the memory: a row may have at most Excel's 16,384 cells, a sheet :data:`MAX_CELLS` cells and
    :data:`MAX_ROWS` rows; entity declarations (which no spreadsheet writes) are refused.
    """
    counts = {"row": 0, "c": 0, "in_row": 0}

    def start(name: str, _attrs: Any) -> None:
        local = name.rpartition(":")[2]
        if local == "row":
            counts["row"] += 1
            counts["in_row"] = 0
        elif local == "c":
            counts["c"] += 1
            counts["in_row"] += 1
        if counts["row"] > MAX_ROWS or counts["c"] > MAX_CELLS or counts["in_row"] > 16_384:
            raise _Refused(_too_big(path))

    def entity(*_args: Any) -> None:
        raise _Refused(_unreadable(path, _("the sheet declares XML entities")))

    parser = expat.ParserCreate()
    parser.StartElementHandler = start
    parser.EntityDeclHandler = entity
    try:
        while chunk := fh.read(1 << 16):
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except _Refused as exc:
        raise exc.args[0] from None
    except expat.ExpatError as exc:
        raise _unreadable(path, str(exc)) from None


def read_sheet(
    path: str | os.PathLike[str], sheet: str | None = None
) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The header and the non-empty rows ``(row number, cells as text)`` of a workbook's sheet.

    The first sheet unless ``sheet`` names one; the header is the first non-empty row and
    each row has as many cells as the header.

    >>> import tempfile, pathlib, openpyxl
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "class.xlsx"
    >>> book = openpyxl.Workbook()
    >>> book.active.append(["학번", "문제", "답"]); book.active.append([]); book.active.append([7, "p1", 2])
    >>> book.save(p)
    >>> read_sheet(p)
    (['학번', '문제', '답'], [(3, ['7', 'p1', '2'])])
    """
    path = Path(path)
    _check_workbook(path)
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on a broken file
        raise _unreadable(path, f"{type(exc).__name__}: {str(exc)[:200]}") from None
    try:
        names = book.sheetnames
        if sheet is not None and sheet not in names:
            raise VerifierError(
                _("{path}: no sheet {sheet!r}; the sheets are: {names}").format(
                    path=path, sheet=sheet, names=", ".join(names)
                ),
                hint=_("give one of them with --sheet"),
            )
        ws = book[sheet if sheet is not None else names[0]]
        ws.reset_dimensions()  # a file's declared size is not trusted: rows are as wide as read
        return _sheet_rows(path, ws)
    except VerifierError:
        raise
    except Exception as exc:  # malformed XML inside the workbook
        raise _unreadable(path, f"{type(exc).__name__}: {str(exc)[:200]}") from None
    finally:
        book.close()


def _too_big(path: Path) -> VerifierError:
    return VerifierError(
        _("{path}: the sheet has more than {rows} rows or {cells} cells; it is not read").format(
            path=path, rows=MAX_ROWS, cells=MAX_CELLS
        ),
        hint=_("split the class into several files"),
    )


def _sheet_rows(path: Path, ws: Any) -> tuple[list[str], list[tuple[int, list[str]]]]:
    header: list[str] = []
    start = 0
    for number, cells in enumerate(ws.iter_rows(min_row=1, max_col=MAX_COLUMNS + 1), start=1):
        if number > MAX_ROWS:
            raise _too_big(path)
        texts = [_cell_text(c).strip() for c in cells]
        if any(texts):
            if texts[-1]:
                raise VerifierError(
                    _("{path}: the header has more than {n} columns").format(
                        path=path, n=MAX_COLUMNS
                    ),
                    hint=_("keep the class list alone on the first sheet, or give --sheet"),
                )
            while not texts[-1]:
                texts.pop()
            header, start = texts, number
            break
    rows: list[tuple[int, list[str]]] = []
    if not header:
        return header, rows
    width = len(header)
    for number, cells in enumerate(ws.iter_rows(min_row=start + 1, max_col=width), start + 1):
        if number > MAX_ROWS or number * width > MAX_CELLS:
            raise _too_big(path)
        fields = [_cell_text(c) for c in cells]
        if any(f.strip() for f in fields):
            rows.append((number, fields + [""] * (width - len(fields))))
    return header, rows
