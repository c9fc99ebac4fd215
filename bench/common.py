"""What every benchmark prints first, the statistics they share, and where the project and the
shared data are (CI has `../shared` beside the clone)."""

from __future__ import annotations

import os
import platform
import resource
import statistics
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "sample_data"
SHARED = ROOT.parent / "shared"
COMPAT = SHARED / "compat" / "rasa"


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as handle:
            names = [line.split(":", 1)[1].strip() for line in handle if line.startswith("model name")]
        cpu = names[0] if names else cpu
    except OSError:
        pass
    python = platform.python_version()
    return f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores, {cpu}, Python {python}"


def peak_mb(pid: int | str = "self") -> float | None:
    """A process's peak resident memory in MB (VmHWM), None once it has exited. Not `ru_maxrss`:
    Linux carries the parent's peak into a child across exec (a child of a 400 MB process
    reported 413 MB; its own peak was 14 MB), so a benchmark's parent that holds results would be
    measured instead of the child."""
    try:
        with open(f"/proc/{pid}/status") as handle:
            for line in handle:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def own_peak_mb() -> float:
    """This process's peak resident memory in MB."""
    peak = peak_mb()
    return peak if peak is not None else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # not Linux


@dataclass(frozen=True)
class Measured:
    wall_s: float
    cpu_s: float
    peak_mb: float
    returncode: int
    stderr: str


PEAK_POLL_S = 0.02


def run_measured(command: list[str], cwd: Path | str) -> Measured:
    """Run `command` (stdout discarded) and measure it: wall and CPU seconds (its own, from
    wait4) and its own peak memory, read from /proc every PEAK_POLL_S while it runs (the peak
    only rises, so at most the last poll interval's growth is missed)."""
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = 0.0
    stop = threading.Event()

    def watch() -> None:
        nonlocal peak
        while not stop.wait(PEAK_POLL_S):
            peak = max(peak, peak_mb(process.pid) or 0.0)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    stderr = process.stderr.read() if process.stderr else b""
    stop.set()
    watcher.join()  # before the child is reaped, so its pid cannot name another process yet
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = code = os.waitstatus_to_exitcode(status)  # reaped: Popen must not wait again
    return Measured(
        time.perf_counter() - started,
        usage.ru_utime + usage.ru_stime,
        peak,
        code,
        stderr.decode(errors="replace"),
    )


def median(values: list[float]) -> float:
    return statistics.median(values)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]
