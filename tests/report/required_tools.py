"""Tests that need an outside program (pdflatex, chromium): skipped here, failed under CI.

``.ci/run`` installs these programs, so a missing one in CI is a broken set-up, not a reason to
skip the test that shows what it checks.
"""

from __future__ import annotations

import os

import pytest


def require(found: str | None, program: str, package: str) -> None:
    """Fail (in CI) or skip (elsewhere) when ``program`` was not ``found``."""
    if found is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{program} is missing in CI: .ci/run installs Debian's {package}")
        pytest.skip(f"{program} is not installed (Debian: apt-get install {package})")
