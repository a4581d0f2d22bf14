"""Tables for files: a DataFrame as CSV, JSON, Markdown, HTML or LaTeX text, safe where it goes.

Every function returns text; the report adapters write it (whole, through
:func:`verifier.files.write_atomic`).  What "safe" means for each target:

* CSV: a text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
  would be read as a formula by a spreadsheet; it gets a leading ``'`` (numbers stay numbers).
* JSON: NaN and infinities become ``null`` (strict JSON has no such numbers); numpy scalars
  become plain numbers.
* Markdown: ``|`` and line breaks in a cell would break the table, ``<``/``>`` would be HTML,
  control characters (an ESC sequence) are shown as ``\\x1b``.
* HTML: every cell and header is escaped.
* LaTeX: special characters (``_ ^ & % $ # { } ~ \\``) are escaped.

>>> import pandas as pd
>>> df = pd.DataFrame({"f": ["=1+2", "x^2"], "err": [float("nan"), 0.5]})
>>> print(to_csv(df), end="")
f,err
'=1+2,
x^2,0.5
>>> to_json(records(df))
'[{"f": "=1+2", "err": null}, {"f": "x^2", "err": 0.5}]'
"""

from __future__ import annotations

import html
import json
import math
import re
from typing import Any

import numpy as np
import pandas as pd

from verifier.symbolic.steps import latex_text

__all__ = [
    "escape_html",
    "json_clean",
    "markdown_cell",
    "markdown_code",
    "records",
    "safe_csv_cell",
    "to_csv",
    "to_html",
    "to_json",
    "to_latex",
    "to_markdown",
    "latex_text",
]

_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")

#: first characters that make a spreadsheet read a cell as a formula (OWASP's list)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_csv_cell(value: Any) -> Any:
    """A text cell a spreadsheet shows as text: a leading formula character gets a ``'``.

    >>> safe_csv_cell("=HYPERLINK(1)"), safe_csv_cell("-x^2"), safe_csv_cell(-2.5)
    ("'=HYPERLINK(1)", "'-x^2", -2.5)
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _text_columns(frame: Any) -> list[Any]:
    # object columns (mixed labels) and string dtypes ("str" in pandas 3); numbers never
    api = pd.api.types
    return [
        c
        for c in frame.columns
        if not (api.is_numeric_dtype(frame[c]) or api.is_bool_dtype(frame[c]))
    ]


def to_csv(frame: Any) -> str:
    """``frame`` as CSV text (no index), text cells neutralised by :func:`safe_csv_cell`.

    >>> import pandas as pd
    >>> to_csv(pd.DataFrame({"a": ["@SUM(A1)"], "b": [-1.0]})).splitlines()
    ['a,b', "'@SUM(A1),-1.0"]
    """
    out = frame.copy()
    for c in _text_columns(out):
        out[c] = out[c].map(safe_csv_cell)
    out.columns = [safe_csv_cell(str(c)) for c in out.columns]
    # CRLF line ends make the csv writer quote every cell holding a bare \r (a spreadsheet
    # would split the row there); the rows then end in \n again
    return out.to_csv(index=False, lineterminator="\r\n").replace("\r\n", "\n")


def json_clean(value: Any) -> Any:
    """``value`` with numpy scalars made plain and non-finite floats made ``None`` (deeply).

    >>> json_clean({"a": [np.float64("inf"), np.int64(3), np.bool_(True)], "b": (1.5,)})
    {'a': [None, 3, True], 'b': [1.5]}
    """
    if isinstance(value, dict):
        return {str(k): json_clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_clean(v) for v in value]
    if isinstance(value, np.ndarray):
        return [json_clean(v) for v in value.tolist()]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        v = float(value)
        return v if math.isfinite(v) else None
    if value is None or isinstance(value, str):
        return value
    if value is pd.NA or value is pd.NaT:
        return None
    return str(value)


def records(frame: Any) -> list[dict[str, Any]]:
    """``frame``'s rows as JSON-able dicts (see :func:`json_clean`).

    >>> import pandas as pd
    >>> records(pd.DataFrame({"h": [0.1, float("nan")], "ok": [True, False]}))
    [{'h': 0.1, 'ok': True}, {'h': None, 'ok': False}]
    """
    return [json_clean(r) for r in frame.to_dict(orient="records")]


def to_json(data: Any, *, indent: int | None = None) -> str:
    """Strict JSON text of ``data`` (a frame becomes its :func:`records`).

    >>> to_json({"x": float("nan"), "y": [1, 2]})
    '{"x": null, "y": [1, 2]}'
    """
    if hasattr(data, "to_dict") and hasattr(data, "columns"):
        data = records(data)
    return json.dumps(json_clean(data), indent=indent, allow_nan=False, ensure_ascii=False)


def markdown_cell(value: Any) -> Any:
    """A Markdown table cell: ``|`` escaped, line breaks joined, ``<``/``>`` as entities.

    >>> markdown_cell("a|b\\n<c>")
    'a\\\\|b &lt;c&gt;'
    """
    if not isinstance(value, str):
        return value
    text = " ".join(value.replace("\r", "\n").split("\n"))
    text = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)  # ESC shown, not obeyed
    return text.replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")


def markdown_code(text: Any) -> str:
    """``text`` as inline Markdown code, fenced with more backticks than it contains.

    >>> markdown_code("x^2"), markdown_code("a`b")
    ('`x^2`', '`` a`b ``')
    """
    s = " ".join(str(text).splitlines())
    run = longest = 0
    for ch in s:
        run = run + 1 if ch == "`" else 0
        longest = max(longest, run)
    fence = "`" * (longest + 1)
    return f"{fence}{s}{fence}" if longest == 0 else f"{fence} {s} {fence}"


def to_markdown(frame: Any, **kwargs: Any) -> str:
    """``frame`` as a Markdown (pipe) table, every text cell made safe by :func:`markdown_cell`.

    >>> import pandas as pd
    >>> print(to_markdown(pd.DataFrame({"f": ["a|b"], "v": [1]})))
    | f    |   v |
    |:-----|----:|
    | a\\|b |   1 |
    """
    out = frame.copy()
    for c in _text_columns(out):
        out[c] = out[c].map(markdown_cell)
    out.columns = [markdown_cell(str(c)) for c in out.columns]
    return out.to_markdown(index=False, **kwargs)


def escape_html(text: Any) -> str:
    """``text`` escaped for HTML text and attribute values.

    >>> escape_html("<b>'x'</b>")
    '&lt;b&gt;&#x27;x&#x27;&lt;/b&gt;'
    """
    return html.escape(str(text), quote=True)


def to_html(frame: Any, *, na_rep: str = "") -> str:
    """``frame`` as an HTML ``<table>`` (no index); cells and headers escaped.

    >>> import pandas as pd
    >>> "&lt;script&gt;" in to_html(pd.DataFrame({"f": ["<script>"]}))
    True
    """
    return frame.to_html(index=False, escape=True, na_rep=na_rep)


def to_latex(frame: Any) -> str:
    """``frame`` as a LaTeX ``tabular`` (no index); special characters escaped.

    >>> import pandas as pd
    >>> "x\\\\_1" in to_latex(pd.DataFrame({"f": ["x_1"]}))
    True
    """
    out = frame.copy()
    for c in _text_columns(out):
        out[c] = out[c].map(lambda v: latex_text(v) if isinstance(v, str) else v)
    out.columns = [latex_text(str(c)) for c in out.columns]
    text = out.to_latex(index=False, escape=False)
    # plain rules: the tabular compiles without the booktabs package
    for rule in ("\\toprule", "\\midrule", "\\bottomrule"):
        text = text.replace(rule, "\\hline")
    return text
