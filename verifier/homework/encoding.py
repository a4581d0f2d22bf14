"""The bytes of a class file as text: which encoding, and which bytes it could not read.

:func:`detect_encoding` recognises the encodings teachers' spreadsheets write (:data:`ENCODINGS`:
UTF-8 with or without a BOM, CP949/EUC-KR, UTF-16 and UTF-32 with a BOM) with
``charset-normalizer``; :func:`decode` keeps each byte the encoding cannot read as a marker, so
a damaged row becomes an error of its own instead of changing how the whole file is read.
"""

from __future__ import annotations

import codecs
import re

__all__ = ["ENCODINGS", "UNDECODED", "decode", "detect_encoding", "guess_other", "label"]

#: the encodings recognised without ``--encoding`` (charset-normalizer chooses among them)
ENCODINGS = ("utf_8", "cp949", "utf_16", "utf_32")
_LABELS = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8", "cp949": "CP949", "euc_kr": "EUC-KR"}
SAMPLE_BYTES = 256 * 1024  # what charset-normalizer reads of a long file

# bytes the encoding could not read, kept by _mark as lone surrogates (one per byte)
UNDECODED = re.compile("[\udc00-\udcff]")


def _mark(exc: UnicodeError) -> tuple[str, int]:
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    bad = exc.object[exc.start : exc.end]
    return "".join(chr(0xDC00 + b) for b in bad), exc.end


codecs.register_error("verifier.classfile", _mark)


def decode(raw: bytes, codec: str) -> str:
    """``raw`` as text; each byte ``codec`` cannot read becomes one lone surrogate (:data:`UNDECODED`).

    >>> UNDECODED.findall(decode(b"2x\\xff", "utf-8")) == ["\\udcff"]
    True
    """
    return raw.decode(codec, "verifier.classfile")


def label(codec: str) -> str:
    """The name a person knows ``codec`` by.

    >>> label("utf_8_sig"), label("cp949"), label("utf_16")
    ('UTF-8', 'CP949', 'UTF-16')
    """
    name = codecs.lookup(codec).name
    return _LABELS.get(name, name.upper().replace("_", "-"))


def detect_encoding(raw: bytes) -> str:
    """The codec ``raw`` is written in, among :data:`ENCODINGS` (a BOM says it outright).

    charset-normalizer picks the one that reads every byte; when none does, the one that
    leaves the fewest bytes unread (UTF-8 on a tie), so a few damaged rows stay errors of
    their own instead of changing how the whole file is read.

    >>> detect_encoding("이름".encode("cp949")), detect_encoding("이름".encode("utf-8"))
    ('cp949', 'utf_8')
    >>> detect_encoding("\\ufeff이름\\t답".encode("utf-16-le")), detect_encoding(b"a,b\\xff")
    ('utf_16', 'utf_8')
    """
    for bom, codec in (
        (codecs.BOM_UTF8, "utf_8_sig"),
        (codecs.BOM_UTF32_LE, "utf_32"),
        (codecs.BOM_UTF32_BE, "utf_32"),
        (codecs.BOM_UTF16_LE, "utf_16"),
        (codecs.BOM_UTF16_BE, "utf_16"),
    ):
        if raw.startswith(bom):
            return codec
    try:
        raw.decode("utf-8")
        return "utf_8"  # Korean in CP949 is never valid UTF-8: no guess needed
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    # CSV text in UTF-16/32 always holds NUL bytes (its commas and line ends are ASCII)
    wide = b"\0" in raw[:SAMPLE_BYTES]
    sample = raw[:SAMPLE_BYTES]
    if len(raw) > SAMPLE_BYTES:  # whole lines (or whole code units) of a long file
        sample = sample[: sample.rfind(b"\n") + 1 or None] if not wide else sample[: -4 or None]
    candidates = list(ENCODINGS) if wide else ["utf_8", "cp949"]
    # a lenient threshold: short cells of Hangul glued to digits look "messy" to it
    best = from_bytes(sample, cp_isolation=candidates, threshold=0.5).best()
    ranked = [] if best is None else ["cp949" if best.encoding == "euc_kr" else best.encoding]
    for codec in [*ranked, *candidates]:
        if _reads(raw, codec):
            return codec
    return min(("utf_8", "cp949"), key=lambda codec: raw.decode(codec, "replace").count("\ufffd"))


def _reads(raw: bytes, codec: str) -> bool:
    try:
        raw.decode(codec)
    except UnicodeDecodeError:
        return False
    return True


def guess_other(raw: bytes) -> str | None:
    """charset-normalizer's guess at an encoding outside :data:`ENCODINGS` (for a hint), or None.

    >>> guess_other("Zoë, José, François, Müller, Ångström".encode("cp1252")) is not None
    True
    """
    from charset_normalizer import from_bytes

    best = from_bytes(raw[:SAMPLE_BYTES]).best()
    return None if best is None or best.encoding in ENCODINGS else label(best.encoding)
