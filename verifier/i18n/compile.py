"""Compile the Korean catalogs (``*.po`` -> ``*.mo``), or check that they are compiled.

``python -m verifier.i18n.compile`` writes every ``.mo`` beside its ``.po``;
``python -m verifier.i18n.compile --check`` exits 1 when a ``.mo`` does not hold exactly what
its ``.po`` says (the tests run this).  Needs Babel (the ``test`` extra).

>>> stale_catalogs() == []
True
"""

from __future__ import annotations

import argparse
import gettext
import io
from pathlib import Path

from verifier.i18n import LOCALE_DIR


def _read(po: Path):  # noqa: ANN202  babel's Catalog
    from babel.messages.pofile import read_po

    with po.open("rb") as fh:
        return read_po(fh)


def _compiled(po: Path) -> bytes:
    from babel.messages.mofile import write_mo

    buf = io.BytesIO()
    write_mo(buf, _read(po), use_fuzzy=False)
    return buf.getvalue()


def _messages(mo: bytes) -> dict:
    """The translations a ``.mo`` holds; the header entry ("") is left out: Babel stamps the
    compile time into it, which says nothing about the messages."""
    catalog = dict(gettext.GNUTranslations(io.BytesIO(mo))._catalog)  # type: ignore[attr-defined]
    catalog.pop("", None)
    return catalog


def catalogs(root: Path = LOCALE_DIR) -> list[Path]:
    """Every ``.po`` file under ``root``.

    >>> all(p.suffix == ".po" for p in catalogs())
    True
    """
    return sorted(root.glob("*/LC_MESSAGES/*.po"))


def stale_catalogs(root: Path = LOCALE_DIR) -> list[Path]:
    """The ``.po`` files whose ``.mo`` is missing or holds other messages."""
    stale = []
    for po in catalogs(root):
        mo = po.with_suffix(".mo")
        if not mo.exists() or _messages(mo.read_bytes()) != _messages(_compiled(po)):
            stale.append(po)
    return stale


def compile_catalogs(root: Path = LOCALE_DIR) -> list[Path]:
    """Write each ``.mo`` from its ``.po``; returns the ``.mo`` files written."""
    written = []
    for po in catalogs(root):
        mo = po.with_suffix(".mo")
        mo.write_bytes(_compiled(po))
        written.append(mo)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m verifier.i18n.compile", description=__doc__)
    parser.add_argument("--check", action="store_true", help="exit 1 if a .mo is out of date")
    args = parser.parse_args(argv)
    if args.check:
        stale = stale_catalogs()
        for po in stale:
            print(f"{po}: its .mo is out of date; run python -m verifier.i18n.compile")
        return 1 if stale else 0
    for mo in compile_catalogs():
        print(f"wrote {mo}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
