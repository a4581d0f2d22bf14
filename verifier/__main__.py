"""``python -m verifier``: the same command line as the ``verifier`` script."""

from verifier.cli import console

if __name__ == "__main__":
    console()
