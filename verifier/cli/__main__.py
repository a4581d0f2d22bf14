"""``python -m verifier.cli``: the same as the ``verifier`` command."""

import sys

from verifier.cli import main

if __name__ == "__main__":
    sys.exit(main())
