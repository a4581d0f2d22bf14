"""Every sentence a person reads, in English or Korean: gettext catalogs and the lookup.

English is the source language (the text in the code).  The Korean lives in
``locale/ko/LC_MESSAGES/*.po``, one catalog per part of the package (``verifier.po`` for the
core), each compiled to a ``.mo`` beside it (``python -m verifier.i18n.compile``); the lookup
reads them all.  The language is chosen, in order, by
:func:`use_language` / :func:`set_language` (``--lang``), then ``VERIFIER_LANG``, then the
locale (``LC_ALL``, ``LC_MESSAGES``, ``LANG``, as gettext reads them); English otherwise.

The choice is kept in a :class:`contextvars.ContextVar`, so a web request or a worker thread
can speak another language than its neighbour.

>>> with use_language("en"):
...     _("correct")
'correct'
>>> N_("correct")  # marks a string for the catalog; translated where it is shown
'correct'
"""

from __future__ import annotations

import contextlib
import contextvars
import gettext
import os
from collections.abc import Iterator
from functools import cache
from pathlib import Path

__all__ = [
    "LANGUAGES",
    "N_",
    "_",
    "language",
    "ngettext",
    "resolve_language",
    "set_language",
    "use_language",
]

#: the languages with a catalog; the first is the source language
LANGUAGES = ("en", "ko")
DOMAIN = "verifier"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"

_chosen: contextvars.ContextVar[str | None] = contextvars.ContextVar("verifier_lang", default=None)


def resolve_language(value: str | None) -> str:
    """A supported language code for ``value`` (``ko``, ``ko_KR.UTF-8``, ``en-US``...).

    Unknown or empty values give English.

    >>> resolve_language("ko_KR.UTF-8"), resolve_language("en-US"), resolve_language("fr")
    ('ko', 'en', 'en')
    """
    if not value:
        return "en"
    code = value.strip().replace("-", "_").split(".")[0].split("_")[0].lower()
    return code if code in LANGUAGES else "en"


def _from_environment() -> str:
    env = os.environ  # read on every call (a test or a shell may change it); resolved once
    return _environment_language(
        env.get("VERIFIER_LANG"), env.get("LC_ALL"), env.get("LC_MESSAGES"), env.get("LANG")
    )


@cache
def _environment_language(explicit: str | None, *locale_vars: str | None) -> str:
    if explicit:
        return resolve_language(explicit)
    for value in locale_vars:  # LC_ALL, LC_MESSAGES, LANG: the first one set decides
        if value:
            return resolve_language(value)
    return "en"


def language() -> str:
    """The language messages are given in now (``"en"`` or ``"ko"``).

    >>> with use_language("ko"):
    ...     language()
    'ko'
    """
    return _chosen.get() or _from_environment()


def set_language(value: str | None) -> str:
    """Choose the language for this context from now on (``None``: back to the environment).

    >>> set_language("en")
    'en'
    >>> _ = set_language(None)
    """
    _chosen.set(None if value is None else resolve_language(value))
    return language()


@contextlib.contextmanager
def use_language(value: str | None) -> Iterator[str]:
    """Speak ``value`` inside the block, then go back to what was chosen before.

    >>> with use_language("ko") as lang:
    ...     lang
    'ko'
    """
    token = _chosen.set(None if value is None else resolve_language(value))
    try:
        yield language()
    finally:
        _chosen.reset(token)


@cache
def _translations(lang: str) -> gettext.NullTranslations:
    """Every compiled catalog of ``lang``, chained: the first that knows a message answers."""
    chain: gettext.NullTranslations = gettext.NullTranslations()
    if lang == LANGUAGES[0]:
        return chain
    for path in sorted((LOCALE_DIR / lang / "LC_MESSAGES").glob("*.mo"), reverse=True):
        with path.open("rb") as fh:
            catalog = gettext.GNUTranslations(fh)
        catalog.add_fallback(chain)
        chain = catalog
    return chain


def _(message: str) -> str:
    """``message`` in the current language (itself when the catalog has no translation).

    >>> with use_language("en"):
    ...     _("incorrect")
    'incorrect'
    """
    return _translations(language()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural form for ``n``, in the current language.

    >>> with use_language("en"):
    ...     ngettext("{n} case", "{n} cases", 2).format(n=2)
    '2 cases'
    """
    return _translations(language()).ngettext(singular, plural, n)


def N_(message: str) -> str:  # noqa: N802  the gettext convention for "translate later"
    """Mark ``message`` for the catalog without translating it (tables built at import time).

    >>> N_("first derivative given")
    'first derivative given'
    """
    return message
