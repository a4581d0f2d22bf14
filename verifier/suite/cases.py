"""Case files: the TOML schema of ``cases/*.toml`` and its loader, with file:line errors.

A case file is ``schema = 1``, an optional ``[defaults]`` table, then ``[[case]]``
tables.  Every key a case may carry is a row of :data:`KEYS` (one table per kind:
type, default, meaning); validation, defaults and the README's key table all come
from those rows, so adding a key is adding a row.

>>> import tempfile, pathlib
>>> p = pathlib.Path(tempfile.mkdtemp()) / "demo.toml"
>>> _ = p.write_text('''schema = 1
... [[case]]
... id = "square"
... function = "x^2"
... points = [1, 2, 3]
... ''')
>>> [c.id for c in load_cases(p)], load_cases(p)[0].kind, load_cases(p)[0].get("variable")
(['square'], 'derivative', 'x')
>>> _ = p.write_text('schema = 1\\n[[case]]\\nid = "a"\\nfunction = "x"\\npoints = [1]\\ncolour = 3\\n')
>>> load_cases(p)
Traceback (most recent call last):
...
verifier.errors.CaseError: ...demo.toml:6: case 'a': key 'colour': unknown key for a derivative case
hint: known keys: atol, claimed, description, estimates, expect, function, h, h_max, h_min, id, kind, methods, per_decade, points, rtol, rules, variable
"""

from __future__ import annotations

import math
import os
import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from verifier.errors import CaseError, VerifierError

__all__ = [
    "SCHEMA",
    "KINDS",
    "KEYS",
    "METHODS",
    "RULE_NAMES",
    "KeySpec",
    "Case",
    "CaseFile",
    "load_cases",
    "read_cases",
    "key_table",
    "looks_like_case_file",
]

SCHEMA = 1
KINDS = ("derivative", "gradient", "homework", "network")

# The stencil names of the numeric module (contracts.md); checked against
# verifier.numeric.stencils.STENCILS by the tests so the two cannot drift apart.
METHODS = ("forward", "backward", "central", "five_point", "complex_step")
# The rule engine's fixed vocabulary of rule names (contracts.md): a case's
# ``rules = [...]`` must use these words.
RULE_NAMES = (
    "constant",
    "variable",
    "constant_multiple",
    "sum",
    "power",
    "exp",
    "general_exponential",
    "product",
    "quotient",
    "chain",
    "log",
    "trig",
    "inverse_trig",
    "hyperbolic",
    "root",
    "abs",
    "variable_exponent",
    "fallback",
)
GRADCHECK_MODES = ("full", "fast", "nditer")
# Bounds that keep one case's sweep small (a case file is input, not a way to hang the run).
MAX_PER_DECADE = 20
MAX_STEPS = 400
MAX_NETWORK_PARAMS = 1_000_000
MAX_BATCH = 10_000
VERDICTS = ("correct", "incorrect", "invalid")

_ID = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
_NAME = re.compile(r"^[A-Za-z\u0370-\u03ff][A-Za-z0-9_\u0370-\u03ff]*$")
_MODE = re.compile(r"^(full|fast|nditer|sample=[1-9][0-9]*)$")


@dataclass(frozen=True)
class KeySpec:
    """One row of the schema: a key, its type, default and meaning.

    ``type`` is one of: ``str``, ``int``, ``float``, ``bool``, ``list[str]``,
    ``list[int]``, ``list[float]``, ``float|list[float]``, ``table[float]``,
    ``table[str]``, ``list[table[float]]``.  ``required`` keys have no default.
    ``choices`` restricts a ``str`` (or each element of a ``list[str]``).
    """

    key: str
    type: str
    default: Any = None
    meaning: str = ""
    required: bool = False
    choices: tuple[str, ...] = ()


def _common() -> tuple[KeySpec, ...]:
    return (
        KeySpec("id", "str", None, "identifier-like name, unique in the file", required=True),
        KeySpec("kind", "str", "derivative", "what is verified", choices=KINDS),
        KeySpec("description", "str", "", "one line shown in the report"),
        KeySpec(
            "expect",
            "str",
            "pass",
            '"fail": the verifier must reject this case (tests the checker)',
            choices=("pass", "fail"),
        ),
    )


def _numeric(methods: tuple[str, ...]) -> tuple[KeySpec, ...]:
    return (
        KeySpec(
            "methods", "list[str]", list(methods), "finite-difference stencils", choices=METHODS
        ),
        KeySpec("h", "float|list[float]", None, "explicit step(s); replaces the h range"),
        KeySpec("h_min", "float", 1e-15, "smallest step of the sweep"),
        KeySpec("h_max", "float", 1e-1, "largest step of the sweep"),
        KeySpec("per_decade", "int", 2, "steps per decade of the sweep"),
        KeySpec("rtol", "float", 1e-6, "relative tolerance of each method's best estimate"),
        KeySpec("atol", "float", 1e-12, "absolute tolerance (values near zero)"),
        KeySpec(
            "rules",
            "list[str]",
            [],
            "rule names that must appear in the derivation",
            choices=RULE_NAMES,
        ),
    )


KEYS: dict[str, tuple[KeySpec, ...]] = {
    "derivative": _common()
    + (
        KeySpec("function", "str", None, "f, in the parser's notation", required=True),
        KeySpec("variable", "str", "x", "the variable of differentiation"),
        KeySpec("points", "list[float]", None, "points x where f' is verified", required=True),
        KeySpec("claimed", "str", None, "a derivative to verify against the engine"),
        KeySpec(
            "estimates",
            "table[float]",
            None,
            "method -> the estimate it must give at the (single) h, e.g. {central = 32}",
        ),
    )
    + _numeric(METHODS),
    "gradient": _common()
    + (
        KeySpec("function", "str", None, "f of several variables", required=True),
        KeySpec("variables", "list[str]", None, "variable order (default: the point's keys)"),
        KeySpec("point", "table[float]", None, "one point, e.g. {x0 = 1, x1 = 3}"),
        KeySpec("points", "list[table[float]]", None, "several points (instead of point)"),
        KeySpec("claimed", "table[str]", None, "variable -> claimed partial derivative"),
        KeySpec("expected", "table[float]", None, "variable -> expected value of the partial"),
    )
    + _numeric(("central", "five_point", "forward", "backward")),
    "homework": _common()
    + (
        KeySpec("function", "str", None, "f as the problem states it", required=True),
        KeySpec("answer", "str", None, "the student's answer, as typed", required=True),
        KeySpec(
            "verdict",
            "str",
            None,
            "the grade the grader must give",
            required=True,
            choices=VERDICTS,
        ),
        KeySpec("variable", "str", "x", "the variable of differentiation"),
        KeySpec("variables", "list[str]", None, "all variables of f (partial derivatives)"),
        KeySpec("mistake", "str", None, "the mistake the grader must diagnose"),
    ),
    "network": _common()
    + (
        KeySpec("sizes", "list[int]", [784, 50, 10], "layer sizes input, hidden, output"),
        KeySpec("batch", "int", 100, "batch size N of the seeded random data"),
        KeySpec("seed", "int", 0, "seed of weights and data"),
        KeySpec("mode", "str", "full", "gradcheck mode: full, fast, nditer or sample=K"),
        KeySpec("h", "float", 1e-4, "central-difference step"),
        KeySpec("bug", "str", None, "plant a backprop bug (verifier.network.BACKPROP_BUGS)"),
    ),
}


@dataclass(frozen=True)
class Case:
    """One validated case: id, kind, where it was written, and its resolved keys."""

    id: str
    kind: str
    path: str
    line: int | None
    expect: str = "pass"
    description: str = ""
    values: dict[str, Any] = field(default_factory=dict)

    def get(self, key: str, default: Any = None) -> Any:
        """A resolved key (default applied), or ``default`` when it is unset."""
        value = self.values.get(key)
        return default if value is None else value

    @property
    def where(self) -> str:
        """``file:line`` of the case's ``id``."""
        return f"{self.path}:{self.line}" if self.line else self.path

    @property
    def key(self) -> str:
        """A name unique across a run: ``file.toml::id``."""
        return f"{Path(self.path).name}::{self.id}"


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
            for j in range(start + 1, end):
                if self._TABLE.match(self.lines[j]):
                    end = j
                    break
            self.blocks.append((start, end))
        self.defaults = next(
            (i for i, line in enumerate(self.lines) if re.match(r"^\s*\[\s*defaults\s*\]", line)),
            None,
        )

    def _find(self, start: int, end: int, key: str) -> int | None:
        pattern = re.compile(
            rf"""^\s*(?:{re.escape(key)}|"{re.escape(key)}"|'{re.escape(key)}')\s*="""
        )
        for j in range(start, end):
            if pattern.match(self.lines[j]):
                return j + 1
        return None

    def case(self, index: int, key: str | None = None) -> int | None:
        """1-based line of ``key`` in the index-th ``[[case]]`` (its id line, else its header)."""
        if index >= len(self.blocks):
            return None
        start, end = self.blocks[index]
        for k in (key, "id"):
            if k:
                found = self._find(start + 1, end, k)
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


# --------------------------------------------------------------------------- types
def _type_error(spec: KeySpec, value: Any) -> str:
    return f"expected {spec.type}, got {type(value).__name__} {value!r}"


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _coerce(spec: KeySpec, value: Any) -> Any:
    """Check ``value`` against the spec's type; return it normalised (ints -> floats).

    Raises ValueError with the reason (the caller adds file, case and key).
    """
    t = spec.type
    if t == "str":
        if not isinstance(value, str):
            raise ValueError(_type_error(spec, value))
        if spec.choices and value not in spec.choices:
            raise ValueError(f"{value!r} is not one of {', '.join(spec.choices)}")
        return value
    if t == "int":
        if not isinstance(value, int) or isinstance(value, bool):
            raise ValueError(_type_error(spec, value))
        return value
    if t == "bool":
        if not isinstance(value, bool):
            raise ValueError(_type_error(spec, value))
        return value
    if t == "float":
        if not _number(value) or not math.isfinite(value):
            raise ValueError(_type_error(spec, value))
        return float(value)
    if t == "float|list[float]":
        if _number(value):
            value = [value]
        return _coerce(KeySpec(spec.key, "list[float]"), value)
    if t.startswith("list[table"):
        if not isinstance(value, list) or not value:
            raise ValueError(f"expected a non-empty list of tables, got {value!r}")
        return [_coerce(KeySpec(spec.key, "table[float]"), v) for v in value]
    if t.startswith("list["):
        inner = KeySpec(spec.key, t[5:-1], choices=spec.choices)
        if not isinstance(value, list):
            raise ValueError(_type_error(spec, value))
        return [_coerce(inner, v) for v in value]
    if t.startswith("table["):
        inner = KeySpec(spec.key, t[6:-1])
        if not isinstance(value, dict) or not value:
            raise ValueError(f"expected a non-empty table like {{x0 = 1}}, got {value!r}")
        return {str(k): _coerce(inner, v) for k, v in value.items()}
    raise AssertionError(f"unknown schema type {t}")  # a bug in KEYS, not in user input


def _check_semantics(values: dict[str, Any], kind: str) -> tuple[str, str] | None:
    """Cross-key rules a type check cannot see; returns (key, message) or None."""
    if kind in ("derivative", "gradient"):
        var_keys = ["variable"] if kind == "derivative" else ["variables"]
        for vk in var_keys:
            names = values.get(vk)
            for name in [names] if isinstance(names, str) else names or []:
                if not _NAME.match(name):
                    return vk, f"{name!r} is not a variable name (a letter, then letters/digits)"
        if not values.get("methods"):
            return "methods", "at least one method is needed"
        if values["h_min"] <= 0 or values["h_max"] <= values["h_min"]:
            return "h_max", "need 0 < h_min < h_max"
        if not 1 <= values["per_decade"] <= MAX_PER_DECADE:
            return "per_decade", f"need 1 to {MAX_PER_DECADE} steps per decade"
        if values.get("h") is not None and len(values["h"]) > MAX_STEPS:
            return "h", f"at most {MAX_STEPS} explicit steps"
        if values.get("h") is not None and any(h <= 0 for h in values["h"]):
            return "h", "every step must be > 0"
        if values["rtol"] < 0 or values["atol"] < 0:
            return "rtol", "tolerances must be >= 0"
    if kind == "derivative":
        if not values["points"]:
            return "points", "at least one point is needed"
        est = values.get("estimates")
        if est and (values.get("h") is None or len(values["h"]) != 1):
            return "estimates", "estimates need exactly one explicit step, e.g. h = 0.1"
        if est:
            bad = [m for m in est if m not in values["methods"]]
            if bad:
                return "estimates", f"{bad[0]!r} is not one of this case's methods"
    if kind == "gradient":
        if (values.get("point") is None) == (values.get("points") is None):
            return "point", "give exactly one of point = {...} or points = [{...}, ...]"
        pts = values.get("points") or [values["point"]]
        names = values.get("variables") or list(pts[0])
        for p in pts:
            if sorted(p) != sorted(names):
                return "point", f"point {p} must give exactly the variables {names}"
        for k in ("claimed", "expected"):
            extra = sorted(set(values.get(k) or {}) - set(names))
            if extra:
                return k, f"{extra[0]!r} is not one of the variables {names}"
    if kind == "network":
        sizes = values["sizes"]
        if len(sizes) != 3 or min(sizes) < 1:
            return "sizes", "expected three positive layer sizes [input, hidden, output]"
        d, hidden, c = sizes
        if d * hidden + hidden + hidden * c + c > MAX_NETWORK_PARAMS:
            return "sizes", f"more than {MAX_NETWORK_PARAMS:,} parameters"
        if not 1 <= values["batch"] <= MAX_BATCH:
            return "batch", f"the batch needs 1 to {MAX_BATCH:,} examples"
        if not _MODE.match(values["mode"]):
            return "mode", f"{values['mode']!r} is not full, fast, nditer or sample=K"
        if values["h"] <= 0:
            return "h", "the step must be > 0"
        if values.get("bug") is not None:
            from verifier.network import BACKPROP_BUGS

            if values["bug"] not in BACKPROP_BUGS:
                return "bug", f"{values['bug']!r} is not one of {', '.join(BACKPROP_BUGS)}"
    return None


# --------------------------------------------------------------------------- loading
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


def _parse_check(case: dict[str, Any], kind: str) -> tuple[str, str] | None:
    """Parse the case's expressions now, so a typo is reported with file, case and key."""
    if kind not in ("derivative", "gradient"):
        return None  # homework answers may be invalid on purpose; the grader judges them
    from verifier.expr import parse

    if kind == "derivative":
        variables: list[str] = [case["variable"]]
    else:
        pts = case.get("points") or [case["point"]]
        variables = list(case.get("variables") or pts[0])
    texts: list[tuple[str, str]] = [("function", case["function"])]
    if kind == "derivative" and case.get("claimed") is not None:
        texts.append(("claimed", case["claimed"]))
    if kind == "gradient":
        texts += [("claimed", t) for t in (case.get("claimed") or {}).values()]
    for key, text in texts:
        try:
            parse(text, variables)
        except VerifierError as exc:
            return key, f"cannot read {text!r}: {exc}"
        except Exception as exc:  # a parser bug must not stop the other files
            return key, f"cannot read {text!r}: the parser failed ({type(exc).__name__}: {exc})"
    return None


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
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return CaseFile(p, (), (CaseError(f"cannot read the file: {exc}", path=p),))
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"line (\d+)", str(exc))
        return CaseFile(
            p,
            (),
            (
                CaseError(
                    f"not valid TOML: {exc}",
                    path=p,
                    line=int(m.group(1)) if m else None,
                    hint="check quotes, brackets and '=' on that line",
                ),
            ),
        )
    lines = _Lines(text)

    def whole_file(message: str, key: str, hint: str | None = None) -> CaseFile:
        err = CaseError(message, path=p, key=key, line=lines.top(key), hint=hint)
        return CaseFile(p, (), (err,))

    if data.get("schema") != SCHEMA:
        return whole_file(
            f"schema must be {SCHEMA}, got {data.get('schema')!r}",
            "schema",
            hint="start the file with 'schema = 1'",
        )
    extra = sorted(set(data) - {"schema", "defaults", "case"})
    if extra:
        return whole_file(
            "unknown top-level key",
            extra[0],
            hint="a case file has schema, [defaults] and [[case]] tables only",
        )
    defaults = data.get("defaults", {})
    if not isinstance(defaults, dict):
        return whole_file("[defaults] must be a table", "defaults")
    all_keys = {s.key for specs in KEYS.values() for s in specs}
    for key in defaults:
        if key not in all_keys or key == "id":
            err = CaseError(
                "unknown key in [defaults]",
                path=p,
                key=key,
                line=lines.default(key),
                hint=f"known keys: {', '.join(sorted(all_keys - {'id'}))}",
            )
            return CaseFile(p, (), (err,))
    raw_cases = data.get("case", [])
    if not isinstance(raw_cases, list) or not raw_cases:
        return whole_file(
            "no [[case]] tables", "case", hint="add at least one [[case]] with an id and a kind"
        )

    cases: list[Case] = []
    problems: list[CaseError] = []
    first_line: dict[str, int | None] = {}
    for index, raw in enumerate(raw_cases):
        case_id = raw.get("id") if isinstance(raw.get("id"), str) else None

        def fail(message: str, key: str | None, hint: str | None = None, *, _i=index, _id=case_id):
            problems.append(
                CaseError(
                    message, path=p, case_id=_id, key=key, line=lines.case(_i, key), hint=hint
                )
            )

        if case_id is None:
            fail("every case needs an id (a string)", "id", hint='add id = "my_case"')
            continue
        if not _ID.match(case_id):
            fail(f"{case_id!r} is not identifier-like", "id", hint="use letters, digits, _ and -")
            continue
        if case_id in first_line:
            fail(f"duplicate id (first at line {first_line[case_id]})", "id")
            continue
        first_line[case_id] = lines.case(index, "id")
        kind = raw.get("kind", defaults.get("kind", "derivative"))
        if kind not in KEYS:
            fail(f"unknown kind {kind!r}", "kind", hint=f"one of {', '.join(KINDS)}")
            continue
        specs = {s.key: s for s in KEYS[kind]}
        unknown = [k for k in raw if k not in specs]
        if unknown:
            fail(
                f"unknown key for a {kind} case",
                unknown[0],
                hint=f"known keys: {', '.join(sorted(specs))}",
            )
            continue
        values: dict[str, Any] = {}
        bad = False
        for key, spec in specs.items():
            if key in raw:
                value, origin = raw[key], "case"
            elif key in defaults:
                value, origin = defaults[key], "defaults"
            else:
                if spec.required:
                    fail(f"missing required key for a {kind} case", key, hint=spec.meaning)
                    bad = True
                    break
                values[key] = spec.default
                continue
            try:
                values[key] = _coerce(spec, value)
            except ValueError as exc:
                where = "" if origin == "case" else " (from [defaults])"
                fail(f"{exc}{where}", key, hint=spec.meaning)
                bad = True
                break
        if bad:
            continue
        problem = _check_semantics(values, kind)
        if problem is None and check_expressions:
            problem = _parse_check(values, kind)
        if problem is not None:
            fail(problem[1], problem[0])
            continue
        common = {"id", "kind", "expect", "description"}
        cases.append(
            Case(
                id=case_id,
                kind=kind,
                path=p,
                line=lines.case(index, "id"),
                expect=values["expect"],
                description=values["description"],
                values={k: v for k, v in values.items() if k not in common},
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
    """
    out: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            out.extend(sorted(q for q in p.glob("*.toml") if q.is_file()))
        elif p.is_file():
            out.append(p)
        else:
            raise CaseError(
                "no such file or folder",
                path=str(p),
                hint="give case files or folders of them (default: cases/)",
            )
    return out


def _fmt_default(spec: KeySpec) -> str:
    if spec.required:
        return "required"
    if spec.default is None:
        return "unset"
    if isinstance(spec.default, str):
        return f'"{spec.default}"' if spec.default else '""'
    if isinstance(spec.default, list):
        return (
            "["
            + ", ".join(f'"{v}"' if isinstance(v, str) else f"{v:g}" for v in spec.default)
            + "]"
        )
    if isinstance(spec.default, float):
        return f"{spec.default:g}"
    return str(spec.default)


def key_table(kind: str | None = None) -> Any:
    """Every case key as a DataFrame (key, kinds, type, default, meaning): the README's table.

    Keys that mean the same for several kinds are one row whose ``kinds`` lists them
    (``all`` for every kind); ``kind`` restricts the table to one kind.  Cells contain no
    ``|``, so ``key_table().to_markdown(index=False)`` is a valid Markdown table.

    >>> t = key_table("network")
    >>> t[t.key == "sizes"][["type", "default"]].values.tolist()
    [['list[int]', '[784, 50, 10]']]
    >>> key_table().set_index("key").loc["expect", "kinds"]
    'all'
    """
    import pandas as pd

    merged: dict[tuple[str, str, str, str], list[str]] = {}
    for k, specs in KEYS.items():
        if kind is not None and k != kind:
            continue
        for s in specs:
            meaning = s.meaning
            if s.choices and s.key != "rules":
                meaning += f" (one of {', '.join(s.choices)})"
            row = (s.key, s.type.replace("|", " or "), _fmt_default(s), meaning)
            merged.setdefault(row, []).append(k)
    rows = [
        {
            "key": key,
            "kinds": "all" if kind is None and len(kinds) == len(KEYS) else ", ".join(kinds),
            "type": type_,
            "default": default,
            "meaning": meaning,
        }
        for (key, type_, default, meaning), kinds in merged.items()
    ]
    return pd.DataFrame(rows, columns=["key", "kinds", "type", "default", "meaning"])
