"""What every benchmark prints first, the statistics they share, and the cache that spares
rerunning Rasa in the side-by-side benchmarks."""

from __future__ import annotations

import os
import platform
import statistics
from pathlib import Path


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as handle:
            names = [line.split(":", 1)[1].strip() for line in handle if line.startswith("model name")]
        cpu = names[0] if names else cpu
    except OSError:
        pass
    return f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores, {cpu}, Python {platform.python_version()}"


def median(values: list[float]) -> float:
    return statistics.median(values)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def cached(folder: Path, inputs: dict[str, str], output: str) -> bool:
    """Whether `output` in `folder` still belongs to `inputs` (file name -> text); if not, write
    the inputs and drop the output, for the caller to make again."""
    if (folder / output).exists() and all(
            (folder / f).exists() and (folder / f).read_text() == text for f, text in inputs.items()):
        return True
    (folder / output).unlink(missing_ok=True)
    for file, text in inputs.items():
        (folder / file).parent.mkdir(parents=True, exist_ok=True)
        (folder / file).write_text(text)
    return False
