"""Figures in Korean need a font with Hangul: :func:`speaks` draws with one, or in English.

matplotlib's own font (DejaVu Sans) has no Hangul: a Korean title drawn with it is a row of
empty boxes and a warning per glyph.  A figure builder wrapped in :func:`speaks` is drawn,
when the language is Korean, with the first installed font of :data:`HANGUL_FONTS`
(Debian: ``apt-get install fonts-noto-cjk`` or ``fonts-nanum``); without one its text stays
English, still readable, while the Markdown and HTML pages around it are Korean.

>>> from verifier.i18n import use_language
>>> @speaks
... def title() -> str:
...     from verifier.i18n import _
...     return _("step h")
>>> with use_language("en"):
...     title()
'step h'
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from verifier.i18n import language, use_language

__all__ = ["HANGUL_FONTS", "hangul_font", "speaks"]

#: fonts with Hangul, best first (Linux, Windows, macOS, older Linux)
HANGUL_FONTS = (
    "Noto Sans CJK KR",
    "Noto Sans KR",
    "NanumGothic",
    "Malgun Gothic",
    "Apple SD Gothic Neo",
    "UnDotum",
    "Baekmuk Gulim",
)

F = TypeVar("F", bound=Callable[..., Any])


@functools.cache
def hangul_font() -> str | None:
    """The first installed font of :data:`HANGUL_FONTS`, or None (looked up once).

    >>> hangul_font() is None or hangul_font() in HANGUL_FONTS
    True
    """
    from matplotlib import font_manager

    names = {f.name for f in font_manager.fontManager.ttflist}
    return next((name for name in HANGUL_FONTS if name in names), None)


def speaks(build: F) -> F:
    """Wrap a figure builder: in Korean it draws with a Hangul font, or in English without one.

    The font is set while the figure is built (matplotlib fixes a text's font when the text
    is made); tick labels, made when it is drawn, are numbers, which every font has.
    """

    @functools.wraps(build)
    def figure(*args: Any, **kwargs: Any) -> Any:
        if language() != "ko":
            return build(*args, **kwargs)
        font = hangul_font()
        if font is None:
            with use_language("en"):
                return build(*args, **kwargs)
        import matplotlib

        with matplotlib.rc_context({"font.family": [font, "DejaVu Sans"]}):
            return build(*args, **kwargs)

    return figure  # type: ignore[return-value]
