"""The class of the ``verifier`` package object: ``verifier.sweep`` names a function and a module.

The import system binds a submodule to its package's attribute when it first loads it, so
``from verifier.sweep import ErrorTable`` anywhere would replace the function
``verifier.sweep`` (:func:`verifier.sweep_api.sweep`) with the module, depending on what
was imported first.  The module stays in ``sys.modules["verifier.sweep"]``, where ``import``
and ``from ... import`` find it.

>>> import verifier
>>> from verifier.sweep import ErrorTable
>>> callable(verifier.sweep)
True
"""

from __future__ import annotations

import types
from typing import Any

__all__ = ["Package"]


class Package(types.ModuleType):
    """A module whose ``sweep`` attribute is never replaced by the submodule of that name."""

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "sweep" and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)
