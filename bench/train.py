"""Wall time and peak memory of the whole `botcoach train` command, per project.

Each run is the real CLI (`.venv/bin/botcoach train --force ...`) in a fresh process, with the
model written to a temporary folder, so imports, data loading, training and archive writing all
count. Peak memory is that process's own (bench.common.run_measured). Figures are medians over
the runs (3 unless given: `.venv/bin/python -m bench.train [runs] [project-name ...]`). Target,
to compare with Rasa: initial-project-3x under 5 s wall and 400 MB peak.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
from pathlib import Path

from bench.common import COMPAT, ROOT, run_measured

CLI = ROOT / ".venv" / "bin" / "botcoach"
SAMPLES = ["moodbot", "concertbot", "formbot"]
COMPAT_SETS = [
    "moodbot-1x",
    "moodbot-3x",
    "concertbot-1x",
    "concertbot-3x",
    "formbot-1x",
    "formbot-3x",
    "initial-project-3x",
]
TARGET = ("initial-project-3x", 5.0, 400.0)  # project, seconds, MB


def projects() -> list[tuple[str, Path]]:
    return [(name, ROOT / "sample_data" / name) for name in SAMPLES] + [(name, COMPAT / name) for name in COMPAT_SETS]


def run_once(project: Path) -> tuple[float, float, float, float, str]:
    """(wall s, CPU s, peak MB, archive MB, error text or "") of one `botcoach train --force`.

    CPU time (user + system) is printed beside wall time because it suffers less when other
    work shares the machine."""
    with tempfile.TemporaryDirectory(prefix="bench-train-") as out:
        command = [
            str(CLI),
            "train",
            "--force",
            "--quiet",
            "--out",
            out,
            "-c",
            str(project / "config.yml"),
            "-d",
            str(project / "domain.yml"),
            "--data",
            str(project / "data"),
        ]
        run = run_measured(command, out)
        archives = list(Path(out).glob("*.tar.gz"))
        size = sum(a.stat().st_size for a in archives) / 2**20
        error = "" if run.returncode == 0 else run.stderr.strip().splitlines()[-1:]
        return run.wall_s, run.cpu_s, run.peak_mb, size, " ".join(error) if error else ""


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    runs = int(args[0]) if args and args[0].isdigit() else 3
    wanted = [a for a in args if not a.isdigit()]
    chosen = [(n, p) for n, p in projects() if not wanted or n in wanted]
    print(f"botcoach train --force, {runs} run(s) each, median (min-max); peak RSS of the process")
    print(f"{'project':<20}{'wall s':>8}{'(min-max)':>14}{'cpu s':>8}{'peak MB':>9}{'model MB':>10}")
    results: dict[str, tuple[float, float]] = {}
    for name, path in chosen:
        measured = [run_once(path) for _ in range(runs)]
        errors = [m[4] for m in measured if m[4]]
        if errors:
            print(f"{name:<20} failed: {errors[0]}")
            continue
        walls = [m[0] for m in measured]
        wall, cpu = statistics.median(walls), statistics.median(m[1] for m in measured)
        peak, size = statistics.median(m[2] for m in measured), statistics.median(m[3] for m in measured)
        results[name] = (wall, peak)
        spread = f"({min(walls):.2f}-{max(walls):.2f})"
        print(f"{name:<20}{wall:>8.2f}{spread:>14}{cpu:>8.2f}{peak:>9.0f}{size:>10.1f}", flush=True)
    project, seconds, megabytes = TARGET
    if project in results:
        wall, peak = results[project]
        verdict = "met" if wall < seconds and peak < megabytes else "NOT met"
        print(
            f"target {project}: < {seconds:.0f} s and < {megabytes:.0f} MB: {verdict} "
            f"({wall:.2f} s = {wall / seconds:.0%} of budget, {peak:.0f} MB = {peak / megabytes:.0%})"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
