"""The package re-exports its public API lazily; every advertised name resolves."""

from __future__ import annotations

import subprocess
import sys

import pytest

import verifier


@pytest.mark.parametrize("name", verifier.__all__)
def test_every_exported_name_resolves(name: str) -> None:
    assert getattr(verifier, name) is not None


def test_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError):
        verifier.no_such_thing  # noqa: B018


def test_import_is_light() -> None:
    # `import verifier` must not pull in pandas or matplotlib: the CLI starts fast.
    code = "import sys, verifier; print('pandas' in sys.modules, 'matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
