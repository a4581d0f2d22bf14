"""Every message of the package has a Korean translation, and the catalogs are compiled.

The messages are read from the code with Babel's extractor (every ``_()``, ``N_()`` and
``ngettext()`` of the whole ``verifier`` package); the translations are the union of every
Korean catalog (one ``.po`` per part of the package), so a message added anywhere without its
translation fails here.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

babel_extract = pytest.importorskip("babel.messages.extract")
from babel.messages.pofile import read_po  # noqa: E402

import verifier  # noqa: E402
from verifier.i18n import LOCALE_DIR, _, use_language  # noqa: E402
from verifier.i18n import compile as i18n_compile  # noqa: E402
from verifier.i18n import extract as i18n_extract  # noqa: E402

PACKAGE = Path(verifier.__file__).resolve().parent
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}
PLACEHOLDER = re.compile(r"(?<!\{)\{[^{}]*\}(?!\})")
HANGUL = re.compile(r"[\uac00-\ud7a3]")


def _code_messages() -> dict[str, str]:
    """msgid -> where it is first used, for every message marked in the package."""
    found: dict[str, str] = {}
    for filename, lineno, message, _c, _ctx in babel_extract.extract_from_dir(
        str(PACKAGE), method_map=[("**.py", "python")], keywords=KEYWORDS
    ):
        for msgid in (message,) if isinstance(message, str) else message:
            if msgid:
                found.setdefault(msgid, f"{filename}:{lineno}")
    return found


def _korean() -> dict[str, list[str]]:
    """msgid -> its translations, from every Korean catalog (non-fuzzy, non-empty only)."""
    out: dict[str, list[str]] = {}
    for po in sorted((LOCALE_DIR / "ko" / "LC_MESSAGES").glob("*.po")):
        with po.open("rb") as fh:
            for m in read_po(fh):
                if not m.id or m.fuzzy:
                    continue
                ids = [m.id] if isinstance(m.id, str) else list(m.id)
                strings = [m.string] if isinstance(m.string, str) else list(m.string)
                if all(s and s.strip() for s in strings):
                    for msgid in ids:
                        out.setdefault(msgid, strings)
    return out


CODE = _code_messages()
KOREAN = _korean()


def test_the_extractor_sees_the_package():
    # a broken extraction (no files, wrong keywords) would make the next test pass vacuously
    assert len(CODE) > 300
    assert "over budget: {what} took longer than {seconds} s" in CODE
    assert "product rule" in CODE  # marked with N_ in the rule table


def test_every_message_has_a_korean_translation():
    missing = sorted(f"{where}: {msgid!r}" for msgid, where in CODE.items() if msgid not in KOREAN)
    assert not missing, "messages without a Korean translation:\n" + "\n".join(missing)


@pytest.mark.parametrize("msgid", sorted(CODE))
def test_placeholders_are_kept(msgid):
    for text in KOREAN.get(msgid, []):
        assert sorted(PLACEHOLDER.findall(text)) == sorted(PLACEHOLDER.findall(msgid)), text


def test_translations_are_korean():
    # a translation that only copies the English is not a translation; a few messages are
    # pure notation (a TOML line, a command) and stay as they are
    words = [m for m in CODE if m in KOREAN and len(re.findall(r"[a-z]{3,}", m)) >= 3]
    copied = [m for m in words if not any(HANGUL.search(t) for t in KOREAN[m])]
    notation = {m for m in copied if "=" in m or m.startswith(("pip ", "verifier "))}
    assert set(copied) == notation, sorted(set(copied) - notation)


def test_compiled_catalogs_are_in_sync():
    assert i18n_compile.stale_catalogs() == []
    assert i18n_compile.main(["--check"]) == 0


def test_extract_check_agrees(capsys):
    assert i18n_extract.main(["--check"]) == 0
    assert i18n_extract.untranslated() == []


def test_extract_adds_new_messages_sorted(tmp_path, monkeypatch):
    """The maintainer command adds a new message (empty), keeps translations, drops unused."""
    code = tmp_path / "pkg"
    code.mkdir()
    (code / "m.py").write_text(
        'from verifier.i18n import _, N_\nA = N_("zeta {x}")\nB = _("correct")\nC = _("alpha")\n'
    )
    folder = tmp_path / "ko" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    (folder / "verifier.po").write_text(
        '# header kept\nmsgid ""\nmsgstr ""\n"Language: ko\\n"\n\n'
        'msgid "correct"\nmsgstr "정답"\n\nmsgid "unused"\nmsgstr "안 씀"\n',
        encoding="utf-8",
    )
    (folder / "other.po").write_text(
        'msgid ""\nmsgstr ""\n"Language: ko\\n"\n\nmsgid "alpha"\nmsgstr "알파"\n',
        encoding="utf-8",
    )
    monkeypatch.setattr(i18n_extract, "LOCALE_DIR", tmp_path)
    added, dropped = i18n_extract.update("verifier", "ko", code)
    assert (added, dropped) == (1, 1)  # "alpha" belongs to the other catalog
    text = (folder / "verifier.po").read_text(encoding="utf-8")
    assert text.startswith("# header kept\n")
    assert text.index('msgid "correct"') < text.index('msgid "zeta {x}"')
    assert 'msgstr "정답"' in text and "unused" not in text
    assert i18n_extract.untranslated("ko", code) == ["zeta {x}"]


def _functions_shadowing_underscore(path: Path) -> list[str]:
    """Functions that bind ``_`` (``a, _ = ...``) and also call ``_()``: the call would not
    translate (UnboundLocalError, or a call of whatever ``_`` holds)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    bad = []
    scopes = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)
    nested = (*scopes, ast.ClassDef, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
    for fn in ast.walk(tree):
        if not isinstance(fn, scopes):
            continue
        stack, binds, calls = list(ast.iter_child_nodes(fn)), False, False
        while stack:
            node = stack.pop()
            if isinstance(node, ast.Name) and node.id == "_" and isinstance(node.ctx, ast.Store):
                binds = True
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "_":
                calls = True
            if not isinstance(node, nested):
                stack.extend(ast.iter_child_nodes(node))
        if binds and calls:
            bad.append(f"{path.relative_to(PACKAGE)}:{fn.lineno}")
    return bad


def test_no_function_hides_the_translation_function():
    bad = [b for p in sorted(PACKAGE.rglob("*.py")) for b in _functions_shadowing_underscore(p)]
    assert not bad


def test_lookup_follows_the_chosen_language():
    with use_language("ko"):
        assert _("hint: {hint}") == "힌트: {hint}"
    with use_language("en"):
        assert _("hint: {hint}") == "hint: {hint}"


def _marked_inside_fstrings(path: Path) -> list[str]:
    """``_("...")`` written inside an f-string: the extractor does not see it there, so the
    message would never reach a catalog (and never be translated)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    bad = []
    for fstring in ast.walk(tree):
        if not isinstance(fstring, ast.JoinedStr):
            continue
        for node in ast.walk(fstring):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", None) in KEYWORDS
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                bad.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    return bad


def test_no_message_is_marked_inside_an_fstring():
    bad = [b for p in sorted(PACKAGE.rglob("*.py")) for b in _marked_inside_fstrings(p)]
    assert not bad
