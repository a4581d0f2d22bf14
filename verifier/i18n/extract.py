"""Refresh a Korean catalog from the code, and list the messages that have no translation.

``python -m verifier.i18n.extract`` reads every ``_()``, ``N_()`` and ``ngettext()`` message of
the package (Babel's extractor), adds each message that no catalog translates yet to
``verifier.po`` (``--domain`` names another catalog) with an empty translation, drops the
entries of that catalog the code no longer uses, writes it sorted by message without source
locations (so two branches that add messages rarely conflict), and compiles the ``.mo`` files.
``--check`` changes nothing and exits 1 when a message has no Korean translation in any
catalog.  Needs Babel (the ``test`` extra); the package itself reads the committed ``.mo``
files with the standard library.

>>> "correct" in messages()
True
"""

from __future__ import annotations

import argparse
import io
import re
from pathlib import Path

from verifier.i18n import DOMAIN, LOCALE_DIR

#: the marking functions and which arguments are messages (Babel's keyword spec)
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}
PACKAGE = Path(__file__).resolve().parent.parent

_PLACEHOLDER = re.compile(r"(?<!\{)\{[^{}]*\}(?!\})")


def placeholders(text: str) -> list[str]:
    """The ``{...}`` placeholders of ``text``, sorted (``{{`` and ``}}`` are literal braces).

    >>> placeholders("at {point} the derivative is {correct} ({{not one}})")
    ['{correct}', '{point}']
    """
    return sorted(_PLACEHOLDER.findall(text))


def messages(root: Path = PACKAGE) -> dict[str | tuple[str, str], list[str]]:
    """Every message marked in the ``.py`` files under ``root``: msgid -> where it is used
    (an ``ngettext`` message is the pair ``(singular, plural)``)."""
    from babel.messages.extract import extract_from_dir

    found: dict[str | tuple[str, str], list[str]] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        str(root), method_map=[("**.py", "python")], keywords=KEYWORDS
    ):
        key = message if isinstance(message, str) else (message[0], message[1])
        if key:
            found.setdefault(key, []).append(f"{filename}:{lineno}")
    return found


def _read(po: Path):  # noqa: ANN202  babel's Catalog
    from babel.messages.pofile import read_po

    with po.open("rb") as fh:
        return read_po(fh)


def _translated(message) -> bool:  # noqa: ANN001  babel's Message
    strings = message.string if isinstance(message.string, tuple | list) else (message.string,)
    return not message.fuzzy and all(s.strip() for s in strings)


def translations(lang: str = "ko") -> dict[str, tuple[str, ...]]:
    """msgid -> its translation(s), from every catalog of ``lang`` (translated entries only)."""
    out: dict[str, tuple[str, ...]] = {}
    for po in sorted((LOCALE_DIR / lang / "LC_MESSAGES").glob("*.po")):
        for m in _read(po):
            if m.id and _translated(m):
                key = m.id if isinstance(m.id, str) else m.id[0]
                strings = m.string if isinstance(m.string, tuple | list) else (m.string,)
                out.setdefault(key, tuple(strings))
    return out


def untranslated(lang: str = "ko", root: Path = PACKAGE) -> list[str]:
    """The messages of the code that no catalog of ``lang`` translates, sorted."""
    have = translations(lang)
    keys = (k if isinstance(k, str) else k[0] for k in messages(root))
    return sorted(k for k in keys if k not in have)


def update(domain: str = DOMAIN, lang: str = "ko", root: Path = PACKAGE) -> tuple[int, int]:
    """Add the messages no catalog has to ``<domain>.po`` and drop its unused ones; returns
    (added, dropped)."""
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import write_po

    folder = LOCALE_DIR / lang / "LC_MESSAGES"
    target = folder / f"{domain}.po"
    others: set[str] = set()
    for po in folder.glob("*.po"):
        if po != target:
            others |= {m.id if isinstance(m.id, str) else m.id[0] for m in _read(po) if m.id}
    old = _read(target) if target.exists() else Catalog(locale=lang)
    code = messages(root)
    used = {k if isinstance(k, str) else k[0] for k in code}
    new = Catalog(locale=lang, header_comment=old.header_comment, fuzzy=False)
    new.mime_headers = old.mime_headers
    kept = 0
    for m in old:
        if m.id and (m.id if isinstance(m.id, str) else m.id[0]) in used:
            new[m.id] = m
            kept += 1
    added = 0
    for key in code:
        msgid = key if isinstance(key, str) else key[0]
        if msgid in others or new.get(key) is not None:
            continue
        new.add(key, string="" if isinstance(key, str) else ("",))
        added += 1
    dropped = sum(1 for m in old if m.id) - kept
    buf = io.BytesIO()
    write_po(buf, new, sort_output=True, no_location=True, width=100, omit_header=True)
    header = _header(target, domain, lang)
    target.write_bytes(header.encode() + b"\n" + buf.getvalue().lstrip(b"\n"))
    return added, dropped


def _header(po: Path, domain: str, lang: str) -> str:
    """The catalog's header as it is written in the file (kept verbatim: no dates that change)."""
    if po.exists():
        text = po.read_text(encoding="utf-8")
        end = text.find("\n\n", text.find('msgid ""'))
        if end > 0:
            return text[: end + 1]
    return (
        f"# {lang} messages of verifier ({domain}).\n"
        'msgid ""\nmsgstr ""\n'
        '"Project-Id-Version: verifier\\n"\n'
        f'"Language: {lang}\\n"\n'
        '"MIME-Version: 1.0\\n"\n'
        '"Content-Type: text/plain; charset=UTF-8\\n"\n'
        '"Content-Transfer-Encoding: 8bit\\n"\n'
        '"Plural-Forms: nplurals=1; plural=0;\\n"\n'
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m verifier.i18n.extract", description=__doc__)
    parser.add_argument("--domain", default=DOMAIN, help="the catalog to refresh (verifier)")
    parser.add_argument("--lang", default="ko", help="the language of the catalogs (ko)")
    parser.add_argument("--check", action="store_true", help="list untranslated messages")
    args = parser.parse_args(argv)
    if not args.check:
        from verifier.i18n.compile import compile_catalogs

        added, dropped = update(args.domain, args.lang)
        compile_catalogs()
        print(f"{args.domain}.po: {added} new messages to translate, {dropped} unused dropped")
    missing = untranslated(args.lang)
    for msgid in missing:
        print(f"untranslated: {msgid!r}")
    return 1 if args.check and missing else 0


if __name__ == "__main__":
    raise SystemExit(main())
