"""The error family of verifier.

Every error the library raises on purpose is a :class:`VerifierError`, with a
message a student can act on: what went wrong, where, and a hint.  The CLI
prints ``str(error)`` on stderr and exits 2; it never shows a traceback.

>>> from verifier.errors import ParseError
>>> err = ParseError("unknown function 'sinn'", text="sinn(x)", position=0, hint="did you mean sin?")
>>> print(err)
unknown function 'sinn' at position 0
  sinn(x)
  ^
hint: did you mean sin?
"""

from __future__ import annotations

from verifier.i18n import _

__all__ = [
    "VerifierError",
    "ParseError",
    "UnsupportedError",
    "DomainError",
    "LimitError",
    "CaseError",
]


class VerifierError(Exception):
    """Base class: a problem with the user's input or request, reported plainly."""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        text = self.message
        if self.hint:
            text += "\n" + _("hint: {hint}").format(hint=self.hint)
        return text


class ParseError(VerifierError):
    """Text that is not a valid expression; carries the position and a caret line."""

    def __init__(
        self,
        message: str,
        *,
        text: str = "",
        position: int | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.text = text
        self.position = position

    @property
    def caret_line(self) -> str:
        """The input with a ``^`` under the offending character ('' when unknown)."""
        if self.position is None or not self.text:
            return ""
        shown = self.text if len(self.text) <= 120 else self.text[:120] + "..."
        shown = shown.replace("\n", " ").replace("\t", " ").replace("\r", " ")
        pos = min(self.position, len(shown))
        return f"  {shown}\n  {' ' * pos}^"

    def __str__(self) -> str:
        text = self.message
        if self.position is not None:
            text += _(" at position {position}").format(position=self.position)
        caret = self.caret_line
        if caret:
            text += "\n" + caret
        if self.hint:
            text += "\n" + _("hint: {hint}").format(hint=self.hint)
        return text


class UnsupportedError(VerifierError):
    """A construct the rule engine (or a method) has no rule for; names the construct."""


class DomainError(VerifierError):
    """A point where the function or its derivative is undefined or not finite."""

    def __init__(self, message: str, *, point: object = None, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.point = point


class LimitError(VerifierError):
    """Input or work that exceeds a limit: too long, too deep, too large, too slow."""

    def __init__(self, message: str, *, limit: str = "", hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.limit = limit


class CaseError(VerifierError):
    """An invalid case or problem file; names the file, the case id and the key."""

    def __init__(
        self,
        message: str,
        *,
        path: str = "",
        case_id: str | None = None,
        key: str | None = None,
        line: int | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.path = path
        self.case_id = case_id
        self.key = key
        self.line = line

    def __str__(self) -> str:
        where = self.path or _("<case file>")
        if self.line is not None:
            where += f":{self.line}"
        if self.case_id:
            where += _(": case '{case}'").format(case=self.case_id)
        if self.key:
            where += _(": key '{key}'").format(key=self.key)
        text = f"{where}: {self.message}"
        if self.hint:
            text += "\n" + _("hint: {hint}").format(hint=self.hint)
        return text
