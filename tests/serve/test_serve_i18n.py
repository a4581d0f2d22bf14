"""Every sentence of the service (code and templates) has its Korean in serve.po."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from verifier.i18n import LOCALE_DIR, use_language
from verifier.i18n import _ as translate

SERVE = Path(__file__).resolve().parents[2] / "verifier" / "serve"
CALL = re.compile(r"""(?<![A-Za-z0-9])N?_\(\s*("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')\s*\)""")
PLURAL = re.compile(r"""ngettext\(\s*("(?:[^"\\]|\\.)*")""")


def _msgids() -> set[str]:
    found = set()
    for path in [*SERVE.glob("*.py"), *SERVE.glob("templates/*.html")]:
        text = path.read_text(encoding="utf-8")
        found |= {ast.literal_eval(m) for m in CALL.findall(text)}
        found |= {ast.literal_eval(m) for m in PLURAL.findall(text)}
    return found


MSGIDS = sorted(_msgids())


def test_the_service_has_sentences_to_translate():
    assert len(MSGIDS) > 60 and "We read your answer as" in MSGIDS


@pytest.mark.parametrize("msgid", MSGIDS)
def test_every_sentence_has_its_korean(msgid):
    from babel.messages.pofile import read_po

    with (LOCALE_DIR / "ko" / "LC_MESSAGES" / "serve.po").open("rb") as fh:
        catalog = read_po(fh)
    message = catalog.get(msgid)
    assert message is not None and message.string, f"no Korean for {msgid!r}"
    if not isinstance(message.string, tuple):  # the compiled catalog answers with it
        with use_language("ko"):
            assert translate(msgid) == message.string
