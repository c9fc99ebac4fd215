"""Run `botcoach ...` in a child process under hard memory and CPU limits (`resource.setrlimit`).

Hostile-input tests run this way so that a regression (an alias bomb expanding, a huge example
training) fails the test with a killed child instead of filling the machine. The limits are
structural bounds, far above what the refused input needs and far below what the old code took.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from tests.conftest import ROOT

MEMORY_MB = 1200  # address space: torch alone reserves ~600 MB of it
CPU_SECONDS = 60


def _limits(memory_mb: int, cpu_seconds: int) -> Callable[[], None]:
    def limit() -> None:  # runs in the child, before it starts Python
        memory = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds))

    return limit


def run_botcoach(
    args: list[str], cwd: Path, memory_mb: int = MEMORY_MB, cpu_seconds: int = CPU_SECONDS
) -> subprocess.CompletedProcess[str]:
    """`python -m tui.cli ARGS` in `cwd` under the limits; the child's own exit code comes back
    (a child killed by a limit gets a negative code or a MemoryError: both fail the caller's assert)."""

    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "tui.cli", *args],
        cwd=cwd,
        env=env,
        preexec_fn=_limits(memory_mb, cpu_seconds),
        capture_output=True,
        text=True,
        timeout=cpu_seconds * 4,  # a safety net only: the CPU limit is what the test relies on
    )


def run_python(
    code: str, memory_mb: int = MEMORY_MB, cpu_seconds: int = CPU_SECONDS
) -> subprocess.CompletedProcess[str]:
    """`python -c CODE` from the project root under the same kind of limits."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        preexec_fn=_limits(memory_mb, cpu_seconds),
        capture_output=True,
        text=True,
        timeout=cpu_seconds * 4,
    )
