"""What every benchmark prints first, the statistics they share, and where the project and the
shared data are (CI has `../shared` beside the clone)."""

from __future__ import annotations

import os
import platform
import resource
import statistics
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


def own_peak_mb() -> float:
    """This process's peak resident memory in MB. Not `ru_maxrss` alone: Linux carries the parent's
    peak into a child across exec (a child of a 400 MB process reported 413 MB; its own peak was
    14 MB), so a benchmark's parent that holds results would be measured instead of the child."""
    try:
        with open("/proc/self/status") as handle:
            for line in handle:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # not Linux: the best there is


def median(values: list[float]) -> float:
    return statistics.median(values)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]
