"""Writing files whole: a temporary file in the same folder, then an atomic rename.

A report is either all there or not there at all; a crash halfway never leaves
half a CSV behind.

>>> import tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> write_atomic(d / "a.txt", "hello")
>>> (d / "a.txt").read_text()
'hello'
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

from verifier.errors import VerifierError
from verifier.i18n import _

__all__ = ["write_atomic", "atomic_path", "check_out_dir", "file_mode"]

_umask_lock = threading.Lock()


def file_mode() -> int:
    """The mode a new file gets under the user's umask (``0o666 & ~umask``).

    >>> 0 <= file_mode() <= 0o666
    True
    """
    with _umask_lock:  # reading the umask means setting it: keep other threads out
        mask = os.umask(0o022)
        os.umask(mask)
    return 0o666 & ~mask


def check_out_dir(path: str | os.PathLike[str], option: str = "--out") -> Path:
    """Make sure reports can be written to the folder ``path`` BEFORE any work starts.

    Creates it (and its parents) and writes a small probe file; a path that is a file, a
    folder that cannot be created or written, or a full disk is a :class:`VerifierError`.

    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> check_out_dir(d / "new").is_dir()
    True
    >>> _ = (d / "f").write_text("x")
    >>> check_out_dir(d / "f")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    verifier.errors.VerifierError: --out ...f is a file, not a folder
    hint: choose a folder for the report
    """
    target = Path(path)
    if target.exists() and not target.is_dir():
        raise VerifierError(
            _("{option} {target} is a file, not a folder").format(option=option, target=target),
            hint=_("choose a folder for the report"),
        )
    try:
        target.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".probe.", dir=target)
        try:
            os.write(fd, b"\0" * 4096)
            os.fsync(fd)
        finally:
            os.close(fd)
            os.unlink(probe)
    except OSError as exc:
        raise VerifierError(
            _("{option} {target} cannot be written: {value}").format(
                option=option, target=target, value=exc.strerror or exc
            ),
            hint=_("choose a folder you can write to, on a disk with free space"),
        ) from None
    return target


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success rename it over ``path``.

    Use it for writers that want a file name (matplotlib's ``savefig``)::

        with atomic_path("plot.png") as tmp:
            fig.savefig(tmp, format="png")
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        os.chmod(tmp, file_mode())  # mkstemp made it 0600: give it what the umask allows
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise


def write_atomic(path: str | os.PathLike[str], data: str | bytes, encoding: str = "utf-8") -> None:
    """Write ``data`` to ``path`` whole (temp file + rename)."""
    with atomic_path(path) as tmp:
        if isinstance(data, bytes):
            tmp.write_bytes(data)
        else:
            tmp.write_text(data, encoding=encoding)
