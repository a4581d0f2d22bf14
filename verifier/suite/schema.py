"""The case-file schema: one table of keys per case kind, and the typed case records it makes.

Every key a ``[[case]]`` table may carry is a :class:`KeySpec` row of :data:`KEYS` (type,
default, meaning).  Validation, defaults, the README's key table (:func:`key_table`) *and* the
record types come from those rows: :data:`CASE_TYPES` holds one frozen dataclass per kind,
generated from its rows, so adding a key is adding a row.

>>> case = DerivativeCase(id="square", function="x^2", points=(1.0, 2.0))
>>> case.kind, case.variable, case.methods[:2], case.claimed is None
('derivative', 'x', ('forward', 'backward'), True)
>>> NetworkCase(id="net").sizes
(784, 50, 10)
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from verifier.i18n import _
from verifier.numeric.stencils import STENCILS, stencils_for
from verifier.symbolic.rules import RULE_INFO

__all__ = [
    "SCHEMA",
    "KINDS",
    "KEYS",
    "METHODS",
    "RULE_NAMES",
    "GRADES",
    "KeySpec",
    "Case",
    "DerivativeCase",
    "GradientCase",
    "HomeworkCase",
    "NetworkCase",
    "HessianCase",
    "CASE_TYPES",
    "COMMON_KEYS",
    "coerce",
    "key_table",
]

SCHEMA = 1
KINDS = ("derivative", "gradient", "homework", "network", "hessian")
#: the finite-difference stencils, by name (the rows of verifier.numeric.stencils.STENCILS)
METHODS: tuple[str, ...] = tuple(STENCILS)
#: the rule engine's rule names (the rows of verifier.symbolic.rules.RULE_INFO)
RULE_NAMES: tuple[str, ...] = tuple(RULE_INFO)
#: the grades of verifier.homework.judge.Grade.verdict
GRADES = ("correct", "incorrect", "invalid")
GRADCHECK_MODES = ("full", "fast", "nditer")
# Bounds that keep one case small (a case file is input, not a way to hang the run).
MAX_PER_DECADE = 20
MAX_STEPS = 400
MAX_NETWORK_PARAMS = 1_000_000
MAX_BATCH = 10_000
MAX_POINTS = 50
#: parameters x batch x estimated parameters (the seed's full 784-50-10 check at batch 100 is
#: 1.6e11); the seed's nditer loop counts ten times (one Python step per parameter)
MAX_NETWORK_WORK = 2e11


@dataclass(frozen=True)
class KeySpec:
    """One row of the schema: a key, its type, default and meaning.

    ``type`` is one of: ``str``, ``int``, ``float``, ``bool``, ``list[str]``,
    ``list[int]``, ``list[float]``, ``float|list[float]``, ``table[float]``,
    ``table[str]``, ``list[table[float]]``.  ``required`` keys have no default.
    ``choices`` restricts a ``str`` (or each element of a ``list[str]``).  Lists become
    tuples in the case records.
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
        KeySpec("methods", "list[str]", methods, "finite-difference stencils", choices=METHODS),
        KeySpec("h", "float|list[float]", None, "explicit step(s); replaces the h range"),
        KeySpec("h_min", "float", 1e-15, "smallest step of the sweep"),
        KeySpec("h_max", "float", 1e-1, "largest step of the sweep"),
        KeySpec("per_decade", "int", 2, "steps per decade of the sweep"),
        KeySpec("rtol", "float", 1e-6, "relative tolerance of each method's best estimate"),
        KeySpec("atol", "float", 1e-12, "absolute tolerance (values near zero)"),
        KeySpec(
            "rules",
            "list[str]",
            (),
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
        KeySpec(
            "order",
            "int",
            1,
            "which derivative: 2 verifies f'' (claimed is f'', methods default to the second "
            "differences), 3 the third",
        ),
    )
    + _numeric(stencils_for(1)),
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
            "verdict", "str", None, "the grade the grader must give", required=True, choices=GRADES
        ),
        KeySpec("variable", "str", "x", "the variable of differentiation"),
        KeySpec("variables", "list[str]", None, "all variables of f (partial derivatives)"),
        KeySpec("mistake", "str", None, "the mistake the grader must diagnose"),
        KeySpec("order", "int", 1, "which derivative the answer is (2: f'')"),
    ),
    "network": _common()
    + (
        KeySpec("sizes", "list[int]", (784, 50, 10), "layer sizes input, hidden, output"),
        KeySpec("batch", "int", 100, "batch size N of the seeded random data"),
        KeySpec("seed", "int", 0, "seed of weights and data"),
        KeySpec("mode", "str", "full", "gradcheck mode: full, fast, nditer or sample=K"),
        KeySpec("h", "float", 1e-4, "central-difference step"),
        KeySpec("bug", "str", None, "plant a backprop bug (verifier.network.BACKPROP_BUGS)"),
    ),
    "hessian": _common()
    + (
        KeySpec("function", "str", None, "f of several variables", required=True),
        KeySpec("variables", "list[str]", None, "variable order (default: the point's keys)"),
        KeySpec("point", "table[float]", None, "one point, e.g. {x = 1, y = 2}"),
        KeySpec("points", "list[table[float]]", None, "several points (instead of point)"),
        KeySpec(
            "claimed",
            "table[str]",
            None,
            'entries of the Hessian, e.g. {"x,y" = "2x"} for d^2f/dx dy (judged exactly)',
        ),
        KeySpec(
            "h", "float", None, "step of the numeric Hessian (default eps^(1/4) max(1, abs(x)))"
        ),
    ),
}
#: keys every kind has; they are the fields of :class:`Case` itself
COMMON_KEYS = tuple(s.key for s in _common())


# --------------------------------------------------------------------------- types
def _type_error(spec: KeySpec, value: Any) -> str:
    return f"expected {spec.type}, got {type(value).__name__} {value!r}"


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def coerce(spec: KeySpec, value: Any) -> Any:
    """``value`` checked against the spec's type and normalised (ints -> floats, lists -> tuples).

    Raises ValueError with the reason (the loader adds file, line, case and key).

    >>> coerce(KeySpec("h", "float|list[float]"), 1)
    (1.0,)
    >>> coerce(KeySpec("rtol", "float"), "tight")
    Traceback (most recent call last):
    ...
    ValueError: expected float, got str 'tight'
    """
    t = spec.type
    if t == "str":
        if not isinstance(value, str):
            raise ValueError(_type_error(spec, value))
        if spec.choices and value not in spec.choices:
            raise ValueError(
                _("{value!r} is not one of {items}").format(
                    value=value, items=", ".join(spec.choices)
                )
            )
        return value
    if t in ("int", "bool"):
        if not isinstance(value, int) or isinstance(value, bool) != (t == "bool"):
            raise ValueError(_type_error(spec, value))
        return value
    if t == "float":
        if not _number(value) or not math.isfinite(value):
            raise ValueError(_type_error(spec, value))
        return float(value)
    if t == "float|list[float]":
        return coerce(KeySpec(spec.key, "list[float]"), [value] if _number(value) else value)
    if t.startswith("list[table"):
        if not isinstance(value, list) or not value:
            raise ValueError(
                _("expected a non-empty list of tables, got {value!r}").format(value=value)
            )
        return tuple(coerce(KeySpec(spec.key, "table[float]"), v) for v in value)
    if t.startswith("list["):
        if not isinstance(value, list):
            raise ValueError(_type_error(spec, value))
        inner = KeySpec(spec.key, t[5:-1], choices=spec.choices)
        return tuple(coerce(inner, v) for v in value)
    if t.startswith("table["):
        if not isinstance(value, dict) or not value:
            raise ValueError(
                _("expected a non-empty table like {{x0 = 1}}, got {value!r}").format(value=value)
            )
        inner = KeySpec(spec.key, t[6:-1])
        return {str(k): coerce(inner, v) for k, v in value.items()}
    raise AssertionError(
        _("unknown schema type {t}").format(t=t)
    )  # a bug in KEYS, not in user input


_ANNOTATIONS = {
    "str": "str",
    "int": "int",
    "float": "float",
    "bool": "bool",
    "list[str]": "tuple[str, ...]",
    "list[int]": "tuple[int, ...]",
    "list[float]": "tuple[float, ...]",
    "float|list[float]": "tuple[float, ...]",
    "table[float]": "dict[str, float]",
    "table[str]": "dict[str, str]",
    "list[table[float]]": "tuple[dict[str, float], ...]",
}


# --------------------------------------------------------------------------- records
@dataclass(frozen=True, kw_only=True)
class Case:
    """What every case has: id, where it was written, what is expected; ``kind`` per subclass.

    The subclasses (:data:`CASE_TYPES`) add one field per :data:`KEYS` row of their kind.
    """

    kind: ClassVar[str] = ""
    id: str
    path: str = ""
    line: int | None = None
    expect: str = "pass"
    description: str = ""

    @property
    def where(self) -> str:
        """``file:line`` of the case's ``id``."""
        return f"{self.path}:{self.line}" if self.line else self.path

    @property
    def key(self) -> str:
        """A name unique across a run: ``file.toml::id``."""
        return f"{Path(self.path).name}::{self.id}"

    def values(self) -> dict[str, Any]:
        """The kind's keys and their resolved values (the common keys left out)."""
        common = {f.name for f in dataclasses.fields(Case)}
        return {
            f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name not in common
        }


def _record(kind: str) -> type[Case]:
    """The frozen dataclass of one kind, one field per schema row (defaults from the rows)."""
    fields = []
    lines = []
    for s in KEYS[kind]:
        if s.key in COMMON_KEYS:
            continue
        annotation = _ANNOTATIONS[s.type]
        if s.required:
            fields.append((s.key, annotation))
        else:
            annotation += "" if s.default is not None else " | None"
            fields.append((s.key, annotation, dataclasses.field(default=s.default)))
        lines.append(f"* ``{s.key}`` ({s.type}): {s.meaning}")
    name = f"{kind.capitalize()}Case"
    doc = f"A ``{kind}`` case: one ``[[case]]`` table, its keys resolved.\n\n" + "\n".join(lines)
    return dataclasses.make_dataclass(
        name,
        fields,
        bases=(Case,),
        frozen=True,
        kw_only=True,
        namespace={"kind": kind, "__doc__": doc, "__module__": __name__},
    )


DerivativeCase = _record("derivative")
GradientCase = _record("gradient")
HomeworkCase = _record("homework")
NetworkCase = _record("network")
HessianCase = _record("hessian")
#: kind -> its record type
CASE_TYPES: dict[str, type[Case]] = {
    "derivative": DerivativeCase,
    "gradient": GradientCase,
    "homework": HomeworkCase,
    "network": NetworkCase,
    "hessian": HessianCase,
}


# --------------------------------------------------------------------------- README table
def _fmt_default(spec: KeySpec) -> str:
    if spec.required:
        return "required"
    if spec.default is None:
        return "unset"
    if isinstance(spec.default, str):
        return f'"{spec.default}"' if spec.default else '""'
    if isinstance(spec.default, list | tuple):
        items = (f'"{v}"' if isinstance(v, str) else f"{v:g}" for v in spec.default)
        return "[" + ", ".join(items) + "]"
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
