from __future__ import annotations

from verifier.errors import (
    CaseError,
    DomainError,
    LimitError,
    ParseError,
    UnsupportedError,
    VerifierError,
)


def test_family() -> None:
    for cls in (ParseError, UnsupportedError, DomainError, LimitError, CaseError):
        assert issubclass(cls, VerifierError)


def test_parse_error_has_caret_under_position() -> None:
    err = ParseError("unexpected ')'", text="(x+1))", position=5, hint="remove it")
    lines = str(err).splitlines()
    assert lines[0] == "unexpected ')' at position 5"
    assert lines[1] == "  (x+1))"
    assert lines[2] == "       ^"
    assert lines[3] == "hint: remove it"


def test_parse_error_caret_line_hides_control_characters_and_long_text() -> None:
    err = ParseError("bad", text="x\n" + "y" * 500, position=1)
    caret = err.caret_line.splitlines()
    assert len(caret) == 2 and caret[0].endswith("...")
    assert "\n" not in caret[0]


def test_case_error_names_file_line_case_and_key() -> None:
    err = CaseError("unknown key", path="cases/a.toml", case_id="c1", key="rtoll", line=7)
    assert str(err) == "cases/a.toml:7: case 'c1': key 'rtoll': unknown key"


def test_hint_is_shown() -> None:
    assert str(VerifierError("bad", hint="do this")) == "bad\nhint: do this"
    assert str(LimitError("too long", limit="length")) == "too long"
    assert DomainError("undefined", point=0.0).point == 0.0
