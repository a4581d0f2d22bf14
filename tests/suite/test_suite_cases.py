"""Case files: schema, defaults, file:line errors, the key table and the bundled cases."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from verifier.errors import CaseError
from verifier.numeric.stencils import STENCILS
from verifier.suite.cases import (
    case_files,
    load_cases,
    looks_like_case_file,
    read_cases,
)
from verifier.suite.schema import (
    CASE_TYPES,
    COMMON_KEYS,
    KEYS,
    METHODS,
    RULE_NAMES,
    DerivativeCase,
    GradientCase,
    HomeworkCase,
    NetworkCase,
    key_table,
)

ROOT = Path(__file__).resolve().parents[2]
BUNDLED = ROOT / "cases"


def write(tmp_path: Path, text: str, name: str = "c.toml") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


BASE = 'schema = 1\n[[case]]\nid = "a"\nfunction = "x^2"\npoints = [1, 2]\n'


def test_defaults_and_types_are_applied(tmp_path):
    p = write(
        tmp_path,
        "schema = 1\n[defaults]\nrtol = 1e-5\npoints = [1, 2, 3]\n"
        '[[case]]\nid = "a"\nfunction = "x^2"\n'
        '[[case]]\nid = "b"\nfunction = "x^3"\npoints = [4]\nh = 0.1\n',
    )
    a, b = load_cases(p, check_expressions=False)
    assert (a.id, a.kind, a.line, b.line) == ("a", "derivative", 6, 9)
    assert a.points == (1.0, 2.0, 3.0) and a.rtol == 1e-5  # exact: typed decimals, no arithmetic
    assert b.points == (4.0,) and b.h == (0.1,)  # one float becomes a tuple
    assert a.h is None and a.methods == tuple(m for m in METHODS if STENCILS[m].derivative == 1)
    assert type(a) is DerivativeCase and a.values()["function"] == "x^2"
    assert a.key == "c.toml::a" and a.where.endswith("c.toml:6")


@pytest.mark.parametrize(
    ("extra", "key", "line", "words"),
    [
        ('claimd = "2x"\n', "claimd", 6, "unknown key for a derivative case"),
        ('points = "1, 2"\n', "points", 5, "expected list[float]"),
        ("rtol = true\n", "rtol", 6, "expected float"),
        ('methods = ["centre"]\n', "methods", 6, "'centre' is not one of"),
        ('rules = ["chain_rule"]\n', "rules", 6, "'chain_rule' is not one of"),
        ('kind = "integral"\n', "kind", 6, "unknown kind"),
        ('expect = "maybe"\n', "expect", 6, "is not one of pass, fail"),
        ("h = [0.1, -1]\n", "h", 6, "every step must be > 0"),
        ("per_decade = 1000\n", "per_decade", 6, "need 1 to 20 steps per decade"),
        ("estimates = { central = 2 }\n", "estimates", 6, "exactly one explicit step"),
    ],
)
def test_bad_keys_name_file_line_case_and_key(tmp_path, extra, key, line, words):
    text = BASE.replace("points = [1, 2]\n", "") + extra if key == "points" else BASE + extra
    p = write(tmp_path, text)
    with pytest.raises(CaseError) as err:
        load_cases(p, check_expressions=False)
    e = err.value
    assert (e.path, e.case_id, e.key, e.line) == (str(p), "a", key, line)
    assert words in str(e)
    assert str(e).startswith(f"{p}:{line}: case 'a': key '{key}': ")


def test_duplicate_ids_and_missing_keys(tmp_path):
    p = write(
        tmp_path,
        BASE + '[[case]]\nid = "a"\nfunction = "x"\npoints = [1]\n'
        '[[case]]\nid = "b"\npoints = [1]\n',
    )
    f = read_cases(p, check_expressions=False)
    assert [c.id for c in f.cases] == ["a"]
    dup, missing = f.problems
    assert (dup.case_id, dup.key, dup.line) == ("a", "id", 7)
    assert "first at line 3" in str(dup)
    assert (missing.case_id, missing.key) == ("b", "function")


def test_bad_default_is_reported_at_its_case_and_unknown_default_at_its_line(tmp_path):
    p = write(tmp_path, "schema = 1\n[defaults]\nrtol = 'tight'\n" + BASE.split("\n", 1)[1])
    with pytest.raises(CaseError, match=r"expected float.*from \[defaults\]") as err:
        load_cases(p, check_expressions=False)
    assert err.value.key == "rtol" and err.value.case_id == "a"
    p = write(tmp_path, "schema = 1\n[defaults]\ncolour = 1\n" + BASE.split("\n", 1)[1])
    with pytest.raises(CaseError) as err:
        load_cases(p, check_expressions=False)
    assert (err.value.key, err.value.line) == ("colour", 3)


def test_file_level_problems(tmp_path):
    with pytest.raises(CaseError, match="not valid TOML") as err:
        load_cases(write(tmp_path, 'schema = 1\n[[case]]\nid = "a\n'))
    assert err.value.line == 3
    with pytest.raises(CaseError, match="schema must be 1") as err:
        load_cases(write(tmp_path, 'schema = 2\n[[case]]\nid = "a"\n'))
    assert err.value.key == "schema" and err.value.line == 1
    with pytest.raises(CaseError, match="no \\[\\[case\\]\\] tables"):
        load_cases(write(tmp_path, "schema = 1\n"))
    with pytest.raises(CaseError, match="identifier-like"):
        load_cases(write(tmp_path, 'schema = 1\n[[case]]\nid = "two words"\n'))
    with pytest.raises(CaseError, match="no such file"):
        case_files([tmp_path / "missing"])


def test_gradient_and_network_semantics(tmp_path):
    head = 'schema = 1\n[[case]]\nid = "g"\nkind = "gradient"\nfunction = "x y"\n'
    (g,) = load_cases(write(tmp_path, head + "point = { x = 1, y = 2 }\n"), check_expressions=False)
    assert g.point == {"x": 1.0, "y": 2.0} and g.methods[0] == "central"
    assert type(g) is GradientCase and g.kind == "gradient"
    with pytest.raises(CaseError, match="exactly one of point") as err:
        load_cases(write(tmp_path, head), check_expressions=False)
    assert err.value.key == "point"
    with pytest.raises(CaseError, match="must give exactly the variables"):
        load_cases(
            write(tmp_path, head + "points = [{ x = 1, y = 2 }, { x = 1 }]\n"),
            check_expressions=False,
        )
    net = 'schema = 1\n[[case]]\nid = "n"\nkind = "network"\n'
    (n,) = load_cases(write(tmp_path, net + 'mode = "sample=5"\n'))
    assert n.sizes == (784, 50, 10) and n.mode == "sample=5" and type(n) is NetworkCase
    with pytest.raises(CaseError, match="more than 1,000,000 parameters"):
        load_cases(write(tmp_path, net + "sizes = [100000, 50, 10]\n"))
    with pytest.raises(CaseError, match="three positive layer sizes"):
        load_cases(write(tmp_path, net + "sizes = [3, 4]\n"))
    with pytest.raises(CaseError, match="not full, fast, nditer or sample=K") as err:
        load_cases(write(tmp_path, net + 'mode = "fastest"\n'))
    assert err.value.line == 5


def test_unparseable_function_names_the_key(tmp_path):
    p = write(tmp_path, 'schema = 1\n[[case]]\nid = "a"\nfunction = "x^2 +* 1"\npoints = [1]\n')
    with pytest.raises(CaseError) as err:
        load_cases(p)
    assert (err.value.key, err.value.line, err.value.case_id) == ("function", 4, "a")
    assert "cannot read 'x^2 +* 1'" in str(err.value)


def test_looks_like_case_file(tmp_path):
    assert looks_like_case_file(write(tmp_path, BASE, "anything.toml"))
    assert not looks_like_case_file(write(tmp_path, '[project]\nname = "x"\n', "pyproject.toml"))
    assert not looks_like_case_file(write(tmp_path, BASE, "notes.txt"))
    (tmp_path / "cases").mkdir()
    assert looks_like_case_file(write(tmp_path, "# empty\n", "cases/empty.toml"))


def test_vocabularies_match_the_engine_stencils_and_grader():
    from verifier.homework.judge import VERDICTS as GRADER_VERDICTS
    from verifier.numeric.stencils import STENCILS
    from verifier.symbolic.rules import RULE_NAMES as ENGINE_RULES

    assert set(RULE_NAMES) == set(ENGINE_RULES)
    assert set(METHODS) == set(STENCILS)
    assert set(KEYS["homework"][[s.key for s in KEYS["homework"]].index("verdict")].choices) == set(
        GRADER_VERDICTS
    )


def test_case_records_are_generated_from_the_schema():
    """One frozen record type per kind; its fields are the kind's schema rows."""
    import dataclasses
    import pickle

    assert set(CASE_TYPES) == set(KEYS)
    for kind, record in CASE_TYPES.items():
        names = [f.name for f in dataclasses.fields(record)]
        keys = [s.key for s in KEYS[kind] if s.key not in COMMON_KEYS]
        assert names[-len(keys) :] == keys and record.kind == kind
        required = {s.key for s in KEYS[kind] if s.required}
        defaults = {f.name for f in dataclasses.fields(record) if f.default is dataclasses.MISSING}
        assert defaults == required, kind
    case = HomeworkCase(id="h", function="x^2", answer="2x", verdict="correct")
    with pytest.raises(dataclasses.FrozenInstanceError):
        case.answer = "3x"  # type: ignore[misc]
    assert pickle.loads(pickle.dumps(case)) == case  # cases travel to worker processes
    with pytest.raises(TypeError):
        DerivativeCase(id="d", function="x")  # points is required


def test_key_table_covers_every_key():
    table = key_table()
    assert list(table.columns) == ["key", "kinds", "type", "default", "meaning"]
    for kind, specs in KEYS.items():
        rows = table[
            table.kinds.str.split(", ").map(lambda ks, k=kind: k in ks) | (table.kinds == "all")
        ]
        assert set(rows.key) == {s.key for s in specs}, kind
        one = key_table(kind)
        assert one.key.tolist() == [s.key for s in specs] and set(one.kinds) == {kind}
    assert (table.meaning.str.len() > 0).all()
    function = table[table.key == "function"]
    assert function.default.tolist() == ["required"] * len(function)
    assert table.set_index("key").loc["bug", "kinds"] == "network"
    md = table.to_markdown(index=False)
    assert all(line.count("|") == 6 for line in md.splitlines())  # no stray pipes in cells


# --------------------------------------------------------------------------- bundled cases
def bundled():
    out = []
    for path in case_files([BUNDLED]):
        out.extend(load_cases(path))
    return out


def test_bundled_cases_load_and_seed_comes_first():
    files = case_files([BUNDLED])
    assert files[0].name == "00_seed.toml"
    seed = load_cases(files[0])
    # exact compares below: values typed in the file, read by tomllib, no arithmetic
    assert seed[0].function == "x^2 + 2x + 1" and seed[0].points == (15.0,)
    assert seed[0].h == (0.1,)
    assert seed[0].estimates == {"forward": 32.1, "backward": 31.9, "central": 32.0}
    partials = next(c for c in seed if c.kind == "gradient")
    assert partials.point == {"x0": 1.0, "x1": 3.0}
    assert partials.expected == {"x0": 2.0, "x1": 6.0}
    for path in files:  # every bundled file is valid TOML with schema 1
        assert tomllib.loads(path.read_text())["schema"] == 1


def test_bundled_cases_cover_the_rules_points_and_failures():
    cases = bundled()
    ids = [c.id for c in cases]
    assert len(ids) == len(set(ids)), "case ids are unique across the bundled files"
    textbook = [
        c
        for c in cases
        if c.kind in ("derivative", "gradient")
        and c.expect == "pass"
        and not c.path.endswith("00_seed.toml")
    ]
    assert len(textbook) >= 60
    for c in textbook:
        n = len(c.points)
        assert n >= 3, f"{c.id} has {n} points"
    assert sum(c.expect == "fail" for c in cases) >= 10
    used = {r for c in textbook for r in c.rules}
    assert set(RULE_NAMES) - {"fallback"} <= used, set(RULE_NAMES) - used
    kinds = {c.kind for c in cases}
    assert kinds == {"derivative", "gradient", "homework", "network", "hessian"}


def test_readme_key_table_is_the_schema():
    # The README's case-key table is generated from the schema; regenerate it when this fails.

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert key_table().to_markdown(index=False) in readme
