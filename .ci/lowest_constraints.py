"""Print pip constraints that pin every direct dependency to its lowest allowed version.

Usage: ``python3 .ci/lowest_constraints.py pyproject.toml > constraints.txt`` then
``pip install -c constraints.txt -e '.[test]'``: the runtime and test dependencies are
installed at exactly their ``>=`` bounds (like uv's ``--resolution lowest-direct``), so the
tests show that the bounds pyproject.toml declares really work.  Every requirement must have
a ``>=`` bound; one without is an error, since its lowest version would be untested.
"""

from __future__ import annotations

import re
import sys
import tomllib


def lowest_pins(pyproject: dict) -> list[str]:
    """``name==version`` for every ``name>=version`` among dependencies and the test extra."""
    project = pyproject["project"]
    reqs = list(project["dependencies"]) + list(project["optional-dependencies"]["test"])
    pins = []
    for req in reqs:
        m = re.fullmatch(r"\s*([A-Za-z0-9_.\-]+)(\[[^\]]*\])?\s*>=\s*([0-9][^,;\s]*)\s*", req)
        if not m:
            raise SystemExit(f"cannot read a lower bound from {req!r}: write it as name>=version")
        pins.append(f"{m.group(1)}=={m.group(3)}")
    return pins


if __name__ == "__main__":
    with open(sys.argv[1] if len(sys.argv) > 1 else "pyproject.toml", "rb") as fh:
        print("\n".join(lowest_pins(tomllib.load(fh))))
