"""What the JSON API accepts: one pydantic model per request (also its OpenAPI description).

Lengths are bounded here, before any work: an answer is at most
:data:`~verifier.homework.answer.MAX_ANSWER_LENGTH` characters, as on the command line.

>>> CheckRequest(function="x^2", answer="2x").payload()
{'function': 'x^2', 'answer': '2x', 'variable': None, 'variables': None, 'order': 1}
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from verifier.homework.answer import MAX_ANSWER_LENGTH
from verifier.limits import MAX_ORDER

__all__ = [
    "CheckRequest",
    "DiffRequest",
    "ReadRequest",
    "SubmissionRequest",
    "SweepRequest",
]

_FUNCTION = Field(max_length=2000, description='the function, e.g. "x^3 e^x"')
_ANSWER = Field(
    max_length=MAX_ANSWER_LENGTH, description='the answer, plain or LaTeX: "3x^2 e^x + x^3 e^x"'
)
_VARIABLE = Field(default=None, max_length=40, description="the variable (default x)")
_VARIABLES = Field(default=None, max_length=20, description='all variables: ["x", "y"]')
_ORDER = Field(default=1, ge=1, le=MAX_ORDER, description="which derivative: 2 for f''")
_LANG = Field(default=None, max_length=35, description='"en" or "ko" (default: Accept-Language)')


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    lang: str | None = _LANG

    def payload(self) -> dict[str, Any]:
        """The fields the work needs (without the language, which the service adds)."""
        return self.model_dump(exclude={"lang"})


class ReadRequest(_Request):
    """How an answer is read (the live preview)."""

    answer: str = _ANSWER
    variable: str | None = _VARIABLE
    variables: list[str] | None = _VARIABLES


class CheckRequest(_Request):
    """Judge ``answer`` as the derivative of ``function`` (``verifier check``)."""

    function: str = _FUNCTION
    answer: str = _ANSWER
    variable: str | None = _VARIABLE
    variables: list[str] | None = _VARIABLES
    order: int = _ORDER


class DiffRequest(_Request):
    """The derivative of ``function`` with its steps (``verifier diff``)."""

    function: str = _FUNCTION
    variable: str | None = _VARIABLE
    order: int = _ORDER


class SweepRequest(_Request):
    """The finite-difference error against h at ``points`` (``verifier sweep``)."""

    function: str = _FUNCTION
    points: list[float] = Field(min_length=1, max_length=5, description="where: [1.0, 2.0]")
    variable: str | None = _VARIABLE
    methods: list[str] | None = Field(
        default=None, max_length=10, description='e.g. ["central", "forward"] (default: all)'
    )
    order: int = _ORDER


class SubmissionRequest(_Request):
    """A student's answer to one of the service's problems, to be judged and recorded."""

    student: str = Field(min_length=1, max_length=200, description="the student's name or id")
    problem: str = Field(min_length=1, max_length=200, description="the problem's id")
    answer: str = _ANSWER
