"""Case files: schema, defaults, file:line errors, the key table and the bundled cases."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from verifier.suite.cases import (
    KEYS,
    METHODS,
    RULE_NAMES,
    CaseError,
    case_files,
    key_table,
    load_cases,
    looks_like_case_file,
    read_cases,
)

ROOT = Path(__file__).resolve().parents[1]
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
    assert a.get("points") == [1.0, 2.0, 3.0] and a.get("rtol") == 1e-5
    assert b.get("points") == [4.0] and b.get("h") == [0.1]  # one float becomes a list
    assert a.get("h") is None and a.get("methods") == list(METHODS)
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
    assert g.get("point") == {"x": 1.0, "y": 2.0} and g.get("methods")[0] == "central"
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
    assert n.get("sizes") == [784, 50, 10] and n.get("mode") == "sample=5"
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


def test_vocabularies_match_the_engine_and_stencils():
    from verifier.symbolic.rules import RULE_NAMES as ENGINE_RULES
    from verifier.numeric.stencils import STENCILS

    assert set(RULE_NAMES) == set(ENGINE_RULES)
    assert set(METHODS) == set(STENCILS)


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
    assert seed[0].get("function") == "x^2 + 2x + 1" and seed[0].get("points") == [15.0]
    assert seed[0].get("h") == [0.1]
    assert seed[0].get("estimates") == {"forward": 32.1, "backward": 31.9, "central": 32.0}
    partials = next(c for c in seed if c.kind == "gradient")
    assert partials.get("point") == {"x0": 1.0, "x1": 3.0}
    assert partials.get("expected") == {"x0": 2.0, "x1": 6.0}
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
        n = len(c.get("points"))
        assert n >= 3, f"{c.id} has {n} points"
    assert sum(c.expect == "fail" for c in cases) >= 10
    used = {r for c in textbook for r in c.get("rules", [])}
    assert set(RULE_NAMES) - {"fallback"} <= used, set(RULE_NAMES) - used
    kinds = {c.kind for c in cases}
    assert kinds == {"derivative", "gradient", "homework", "network"}


def test_readme_key_table_is_the_schema():
    # The README's case-key table is generated from the schema; regenerate it when this fails.
    from pathlib import Path

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    assert key_table().to_markdown(index=False) in readme
