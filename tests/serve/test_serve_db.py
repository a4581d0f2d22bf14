"""Submissions in a real database: a SQLite file, and a PostgreSQL server started here.

The PostgreSQL test runs a throw-away server (``initdb`` + ``pg_ctl`` in a temporary folder, on
a free loopback port; as the ``postgres`` user when the tests run as root, since PostgreSQL
refuses to run as root) and stops it afterwards.  Where PostgreSQL is not installed it is
skipped, except under ``CI=true``, where ``.ci/run`` installs it: there it must run.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from serve_helpers import client, free_port

from verifier.errors import VerifierError
from verifier.serve.db import Database

ROW = {
    "student": "Kim", "problem": "p1", "answer": "2x", "lang": "ko", "verdict": "correct",
    "mistake": None, "reason": "equals the derivative", "read_as": "2x", "points": 1.0,
    "max_points": 1.0,
}  # fmt: skip


def _roundtrip(url: str) -> None:
    """Migrate (twice: the second is a no-op), store, read back, from a second engine too."""
    db = Database(url)
    try:
        db.migrate()
        db.migrate()
        assert db.revision() == "0001"
        first = db.add(**ROW)
        second = db.add(**{**ROW, "student": "이서연", "verdict": "incorrect", "points": 0.0})
        assert second > first
    finally:
        db.close()
    again = Database(url)  # another process, another day: the rows are there
    try:
        again.migrate()
        rows = again.submissions()
        assert [r["student"] for r in rows[-2:]] == ["Kim", "이서연"]
        assert rows[-1]["verdict"] == "incorrect" and rows[-1]["created_at"] is not None
    finally:
        again.close()


def test_sqlite_file_keeps_submissions(tmp_path):
    _roundtrip(f"sqlite:///{tmp_path / 'sub' / 'class.sqlite'}")
    assert (tmp_path / "sub" / "class.sqlite").stat().st_size > 0


def test_service_on_sqlite_records_through_the_api(tmp_path):
    answer = {"student": "Lee", "problem": "chain", "answer": "cos(x^2)"}
    with client(tmp_path) as c:
        assert c.post("/api/submissions", json=answer).status_code == 201
    with client(tmp_path) as c:  # a restarted service sees it
        rows = c.app.state.service.db.submissions()
        assert [(r["student"], r["mistake"]) for r in rows] == [("Lee", "chain_missing_inner")]


def test_bad_database_url_is_a_clear_error():
    with pytest.raises(VerifierError, match="database URL"):
        Database("not a url at all")


# --- PostgreSQL ------------------------------------------------------------------------------


def _postgres_bin() -> Path | None:
    for d in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if os.path.exists(os.path.join(d, "initdb")):
            return Path(d)
    found = shutil.which("initdb")
    return Path(found).resolve().parent if found else None


def _as_server_user(cmd: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return cmd
    return ["runuser", "-u", "postgres", "--", *cmd]


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    bindir = _postgres_bin()
    if bindir is None:
        if os.environ.get("CI") == "true":
            pytest.fail("PostgreSQL is not installed (Debian: apt-get install postgresql)")
        pytest.skip("PostgreSQL is not installed (Debian: apt-get install postgresql)")
    # a folder of our own outside pytest's (root-only) tmp folders, owned by the server's user
    root = Path(tempfile.mkdtemp(prefix="verifier-pg-"))
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    data, port = root / "data", free_port()
    run = {"check": True, "capture_output": True, "text": True, "timeout": 120}
    try:
        subprocess.run(_as_server_user([str(bindir / "initdb"), "-D", str(data), "-U",
                       "postgres", "-A", "trust", "-E", "UTF8", "--no-sync"]), **run)  # fmt: skip
        options = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off"
        subprocess.run(_as_server_user([str(bindir / "pg_ctl"), "-D", str(data), "-o", options,
                       "-l", str(root / "log"), "-w", "start"]), **run)  # fmt: skip
        try:
            yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
        finally:
            subprocess.run(_as_server_user([str(bindir / "pg_ctl"), "-D", str(data), "-m",
                           "fast", "-w", "stop"]), **run)  # fmt: skip
    finally:
        shutil.rmtree(root, ignore_errors=True)


def test_postgresql_keeps_submissions(postgres_url):
    _roundtrip(postgres_url)


def test_postgresql_several_services_migrate_at_once(postgres_url):
    """Four service processes starting together against one empty database: the advisory
    lock lets one migrate while the others wait, then find it done."""
    db = Database(postgres_url)
    with db.engine.begin() as conn:  # an empty database again
        conn.exec_driver_sql("DROP TABLE IF EXISTS submissions, alembic_version")
    code = "import sys; from verifier.serve.db import Database; Database(sys.argv[1]).migrate()"
    procs = [
        subprocess.Popen([sys.executable, "-c", code, postgres_url], stderr=subprocess.PIPE)
        for _ in range(4)
    ]
    errors = [p.communicate(timeout=120)[1] for p in procs]
    assert [p.returncode for p in procs] == [0] * 4, errors
    assert db.revision() == "0001"
    db.close()


def test_service_on_postgresql_records_through_the_api(postgres_url, tmp_path):
    answer = {"student": "Park", "problem": "product", "answer": "3x^2 e^x", "lang": "ko"}
    with client(tmp_path, database=postgres_url) as c:
        r = c.post("/api/submissions", json=answer)
        assert r.status_code == 201 and r.json()["verdict"] == "incorrect"
        health = c.get("/api/health").json()["database"]
        assert health == {"ok": True, "backend": "postgresql", "revision": "0001"}
        rows = [r for r in c.app.state.service.db.submissions() if r["student"] == "Park"]
        assert [(r["student"], r["mistake"], r["lang"]) for r in rows] == [
            ("Park", "product_as_fprime_g", "ko")
        ]


def test_health_is_503_when_the_database_is_gone(tmp_path):
    with client(tmp_path) as c:
        c.app.state.service.db.engine.dispose()
        (tmp_path / "serve.sqlite").unlink()
        (tmp_path / "serve.sqlite").mkdir()  # the file is now a folder: no database there
        r = c.get("/api/health")
        assert r.status_code == 503 and r.json()["database"]["ok"] is False
