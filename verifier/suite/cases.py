"""Case files: the loader of ``cases/*.toml``, with file:line errors; it returns typed cases.

A case file is ``schema = 1``, an optional ``[defaults]`` table, then ``[[case]]``
tables.  Every key a case may carry is a row of :data:`~verifier.suite.schema.KEYS`;
each valid case becomes the record of its kind (:data:`~verifier.suite.schema.CASE_TYPES`),
so ``case.points`` and ``case.claimed`` are attributes.

>>> import tempfile, pathlib
>>> p = pathlib.Path(tempfile.mkdtemp()) / "demo.toml"
>>> _ = p.write_text('''schema = 1
... [[case]]
... id = "square"
... function = "x^2"
... points = [1, 2, 3]
... ''')
>>> (case,) = load_cases(p)
>>> type(case).__name__, case.kind, case.variable, case.points
('DerivativeCase', 'derivative', 'x', (1.0, 2.0, 3.0))
>>> _ = p.write_text('schema = 1\\n[[case]]\\nid = "a"\\nfunction = "x"\\npoints = [1]\\ncolour = 3\\n')
>>> load_cases(p)
Traceback (most recent call last):
...
verifier.errors.CaseError: ...demo.toml:6: case 'a': key 'colour': unknown key for a derivative case
hint: known keys: atol, claimed, description, estimates, expect, function, h, h_max, h_min, id, kind, methods, order, per_decade, points, rtol, rules, variable
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from verifier.errors import CaseError
from verifier.i18n import _
from verifier.suite.checks import check_semantics, parse_check
from verifier.suite.schema import (
    CASE_TYPES,
    KEYS,
    KINDS,
    SCHEMA,
    Case,
    coerce,
)

__all__ = [
    "CaseFile",
    "case_files",
    "load_cases",
    "read_cases",
    "looks_like_case_file",
]

_ID = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")


@dataclass(frozen=True)
class CaseFile:
    """A file read leniently: its valid cases and the problems found (one per bad case)."""

    path: str
    cases: tuple[Case, ...]
    problems: tuple[CaseError, ...]


# --------------------------------------------------------------------------- lines
class _Lines:
    """Finds the line of a case's header, id and keys (tomllib gives no line numbers)."""

    _HEADER = re.compile(r"^\s*\[\[\s*case\s*\]\]")
    _TABLE = re.compile(r"^\s*\[")

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()
        self.blocks: list[tuple[int, int]] = []
        starts = [i for i, line in enumerate(self.lines) if self._HEADER.match(line)]
        for n, start in enumerate(starts):
            end = starts[n + 1] if n + 1 < len(starts) else len(self.lines)
            end = next((j for j in range(start + 1, end) if self._TABLE.match(self.lines[j])), end)
            self.blocks.append((start, end))
        self.defaults = next(
            (i for i, line in enumerate(self.lines) if re.match(r"^\s*\[\s*defaults\s*\]", line)),
            None,
        )

    def _find(self, start: int, end: int, key: str) -> int | None:
        k = re.escape(key)
        pattern = re.compile(rf"""^\s*(?:{k}|"{k}"|'{k}')\s*=""")
        return next((j + 1 for j in range(start, end) if pattern.match(self.lines[j])), None)

    def case(self, index: int, key: str | None = None) -> int | None:
        """1-based line of ``key`` in the index-th ``[[case]]`` (its id line, else its header)."""
        if index >= len(self.blocks):
            return None
        start, end = self.blocks[index]
        for k in (key, "id"):
            found = self._find(start + 1, end, k) if k else None
            if found:
                return found
        return start + 1

    def top(self, key: str) -> int | None:
        end = self.blocks[0][0] if self.blocks else len(self.lines)
        return self._find(0, end, key)

    def default(self, key: str) -> int | None:
        if self.defaults is None:
            return None
        end = next(
            (
                j
                for j in range(self.defaults + 1, len(self.lines))
                if self._TABLE.match(self.lines[j])
            ),
            len(self.lines),
        )
        return self._find(self.defaults + 1, end, key) or self.defaults + 1


def looks_like_case_file(path: str | os.PathLike[str]) -> bool:
    """True for ``.toml`` files in a folder named ``cases`` or with ``schema = 1`` and ``[[case]]``.

    Used by the pytest plugin so that ``pyproject.toml`` and other TOML files are left alone.

    >>> looks_like_case_file("cases/00_seed.toml"), looks_like_case_file("pyproject.toml")
    (True, False)
    """
    p = Path(path)
    if p.suffix != ".toml":
        return False
    if p.parent.name == "cases":
        return True
    try:
        text = p.read_text(encoding="utf-8", errors="replace")[:200_000]
    except OSError:
        return False
    return bool(
        re.search(r"^\s*schema\s*=\s*1\s*$", text, re.M)
        and re.search(r"^\s*\[\[\s*case\s*\]\]", text, re.M)
    )


def _file_problem(
    p: str, text: str
) -> tuple[dict[str, Any] | None, _Lines | None, CaseError | None]:
    """The file's TOML data and line finder, or the one problem of the file as a whole."""
    try:
        data = tomllib.loads(text)
    except RecursionError:
        hint = _("a case file needs no nesting deeper than a table of lists")
        return None, None, CaseError(_("not valid TOML: nested too deeply"), path=p, hint=hint)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"line (\d+)", str(exc))
        line = int(m.group(1)) if m else None
        hint = _("check quotes, brackets and '=' on that line")
        return (
            None,
            None,
            CaseError(_("not valid TOML: {exc}").format(exc=exc), path=p, line=line, hint=hint),
        )
    lines = _Lines(text)

    def whole(message: str, key: str, hint: str | None = None) -> tuple[None, None, CaseError]:
        return None, None, CaseError(message, path=p, key=key, line=lines.top(key), hint=hint)

    if data.get("schema") != SCHEMA:
        got = data.get("schema")
        return whole(
            _("schema must be {SCHEMA}, got {got!r}").format(SCHEMA=SCHEMA, got=got),
            "schema",
            _("start the file with 'schema = 1'"),
        )
    extra = sorted(set(data) - {"schema", "defaults", "case"})
    if extra:
        hint = _did_you_mean(extra[0], ("schema", "defaults", "case"))
        hint += _("; a case file has schema, [defaults] and [[case]] tables only")
        return whole(_("unknown top-level key"), extra[0], hint)
    defaults = data.get("defaults", {})
    if not isinstance(defaults, dict):
        return whole(_("[defaults] must be a table"), "defaults")
    all_keys = {s.key for specs in KEYS.values() for s in specs} - {"id"}
    for key in defaults:
        if key not in all_keys:
            hint = _did_you_mean(key, all_keys)
            err = CaseError(
                _("unknown key in [defaults]"), path=p, key=key, line=lines.default(key), hint=hint
            )
            return None, None, err
    raw_cases = data.get("case", [])
    if not isinstance(raw_cases, list) or not raw_cases:
        return whole(
            _("no [[case]] tables"), "case", _("add at least one [[case]] with an id and a kind")
        )
    if not all(isinstance(c, dict) for c in raw_cases):
        return whole(
            _("'case' must be a list of tables"),
            "case",
            _('write [[case]] then id = "..." below it'),
        )
    return data, lines, None


def _did_you_mean(key: str, known: Any) -> str:
    """``did you mean claimed?`` (the nearest known keys), then the known keys.

    >>> _did_you_mean("claimd", ["claimed", "function"])
    'did you mean claimed? known keys: claimed, function'
    """
    close = difflib.get_close_matches(str(key), sorted(known), n=2, cutoff=0.6)
    guess = _("did you mean {names}? ").format(names=_(" or ").join(close)) if close else ""
    return guess + _("known keys: {keys}").format(keys=", ".join(sorted(known)))


class _Bad(Exception):
    """One problem of one case: message, the key it is about, a hint."""

    def __init__(self, message: str, key: str | None, hint: str | None = None) -> None:
        super().__init__(message)
        self.message, self.key, self.hint = message, key, hint


def _resolve(raw: dict[str, Any], defaults: dict[str, Any], kind: str) -> dict[str, Any]:
    """The case's keys with defaults applied and types checked (raises :class:`_Bad`)."""
    specs = {s.key: s for s in KEYS[kind]}
    unknown = [k for k in raw if k not in specs]
    if unknown:
        raise _Bad(
            _("unknown key for a {kind} case").format(kind=kind),
            unknown[0],
            _did_you_mean(unknown[0], specs),
        )
    values: dict[str, Any] = {}
    for key, spec in specs.items():
        if key in raw or key in defaults:
            origin = "" if key in raw else " (from [defaults])"
            try:
                values[key] = coerce(spec, raw[key] if key in raw else defaults[key])
            except ValueError as exc:
                raise _Bad(f"{exc}{origin}", key, spec.meaning) from None
        elif spec.required:
            raise _Bad(
                _("missing required key for a {kind} case").format(kind=kind), key, spec.meaning
            )
        else:
            values[key] = spec.default
    return values


def _case(
    raw: dict[str, Any], defaults: dict[str, Any], where: tuple[str, int | None], check: bool
) -> Case:
    """One ``[[case]]`` table as its kind's record (raises :class:`_Bad`)."""
    kind = raw.get("kind", defaults.get("kind", "derivative"))
    if not isinstance(kind, str) or kind not in KEYS:
        raise _Bad(
            _("unknown kind {kind!r}").format(kind=kind),
            "kind",
            _("one of {items}").format(items=", ".join(KINDS)),
        )
    values = _resolve(raw, defaults, kind)
    problem = check_semantics(values, kind)
    if problem is None and check:
        problem = parse_check(values, kind)
    if problem is not None:
        raise _Bad(problem[1], problem[0])
    del values["kind"]
    return CASE_TYPES[kind](path=where[0], line=where[1], **values)


def read_cases(path: str | os.PathLike[str], *, check_expressions: bool = True) -> CaseFile:
    """Read a case file leniently: every valid case, and one :class:`CaseError` per bad one.

    A problem with the file as a whole (unreadable, not TOML, wrong schema) gives no cases
    and one problem.  ``check_expressions`` parses each function now (needs the parser).

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "two.toml"
    >>> _ = p.write_text('schema = 1\\n[[case]]\\nid = "a"\\nfunction = "x"\\npoints = [1]\\n'
    ...                  '[[case]]\\nid = "a"\\nfunction = "x"\\npoints = [2]\\n')
    >>> f = read_cases(p, check_expressions=False)
    >>> len(f.cases), str(f.problems[0]).split(': ', 1)[1]
    (1, "case 'a': key 'id': duplicate id (first at line 3)")
    """
    p = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8-sig")  # a BOM (some editors write it)
    except (OSError, UnicodeDecodeError) as exc:
        return CaseFile(
            p, (), (CaseError(_("cannot read the file: {exc}").format(exc=exc), path=p),)
        )
    data, lines, problem = _file_problem(p, text)
    if data is None or lines is None:
        return CaseFile(p, (), (problem,) if problem else ())
    defaults = data.get("defaults", {})
    cases: list[Case] = []
    problems: list[CaseError] = []
    first_line: dict[str, int | None] = {}
    for index, raw in enumerate(data["case"]):
        case_id = raw.get("id") if isinstance(raw.get("id"), str) else None
        try:
            if case_id is None:
                raise _Bad(_("every case needs an id (a string)"), "id", _('add id = "my_case"'))
            if not _ID.match(case_id):
                raise _Bad(
                    _("{case_id!r} is not identifier-like").format(case_id=case_id),
                    "id",
                    _("use letters, digits, _ and -"),
                )
            if case_id in first_line:
                raise _Bad(
                    _("duplicate id (first at line {first_line})").format(
                        first_line=first_line[case_id]
                    ),
                    "id",
                )
            first_line[case_id] = lines.case(index, "id")
            cases.append(_case(raw, defaults, (p, first_line[case_id]), check_expressions))
        except _Bad as bad:
            line = lines.case(index, bad.key)
            problems.append(
                CaseError(
                    bad.message, path=p, case_id=case_id, key=bad.key, line=line, hint=bad.hint
                )
            )
    return CaseFile(p, tuple(cases), tuple(problems))


def load_cases(path: str | os.PathLike[str], *, check_expressions: bool = True) -> list[Case]:
    """Load a case file strictly: its cases, or the first :class:`CaseError` raised.

    See the module docstring for an example.
    """
    f = read_cases(path, check_expressions=check_expressions)
    if f.problems:
        raise f.problems[0]
    return list(f.cases)


def case_files(paths: Sequence[str | os.PathLike[str]]) -> list[Path]:
    """Expand files and folders (their ``*.toml``, sorted) into a list of case files.

    A path that does not exist raises :class:`CaseError` naming it.

    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> for name in ("b.toml", "a.toml", "notes.txt"):
    ...     _ = (d / name).write_text("")
    >>> [p.name for p in case_files([d])]
    ['a.toml', 'b.toml']
    """
    out: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            out.extend(sorted(q for q in p.glob("*.toml") if q.is_file()))
        elif p.is_file():
            out.append(p)
        else:
            hint = _("give case files or folders of them (default: cases/)")
            raise CaseError(_("no such file or folder"), path=str(p), hint=hint)
    return out
