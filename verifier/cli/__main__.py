"""``python -m verifier.cli``: the same as the ``verifier`` command."""

from verifier.cli import console

if __name__ == "__main__":
    console()
