"""A throwaway PostgreSQL cluster under a temp dir, for tests of the PostgreSQL tracker store."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

PASSWORD = "botcoach-test"


@dataclass(frozen=True)
class PostgresServer:
    port: int
    user: str = "rasa"
    password: str = PASSWORD
    db: str = "rasa"


def _binaries() -> Path | None:
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(candidates[-1]).parent if candidates else None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def postgres_server() -> Iterator[PostgresServer | None]:
    """Starts a cluster (as the `postgres` user when run as root) with a password user; None without binaries.

    The cluster lives in its own temp dir directly under the system temp folder: pytest's own are
    private to root, and the server refuses to run as root.
    """
    bin_dir = _binaries()
    if bin_dir is None:
        yield None
        return
    with tempfile.TemporaryDirectory(prefix="botcoach-pg-") as folder, _cluster(bin_dir, Path(folder)) as server:
        yield server


@contextmanager
def _cluster(bin_dir: Path, base: Path) -> Iterator[PostgresServer]:
    run_as: list[str] = []
    if os.geteuid() == 0:
        run_as = ["runuser", "-u", "postgres", "--"]
        shutil.chown(base, "postgres")
    data = base / "data"
    password_file = base / "pw"
    password_file.write_text(PASSWORD)
    if run_as:
        shutil.chown(password_file, "postgres")
    subprocess.run(
        [*run_as, str(bin_dir / "initdb"), "-D", str(data), "-U", "rasa", "--auth=scram-sha-256",
         f"--pwfile={password_file}"],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    port = _free_port()
    options = f"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories={base}"
    subprocess.run(
        [*run_as, str(bin_dir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(base / "log"), "-w", "start"],
        check=True, capture_output=True,
    )  # fmt: skip
    try:
        yield PostgresServer(port=port)
    finally:
        subprocess.run(
            [*run_as, str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"], capture_output=True
        )
