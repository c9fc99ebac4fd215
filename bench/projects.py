"""Real Rasa projects, as a new user brings them: validate, train, test, beside Rasa 3.6.

For financial-demo and helpdesk-assistant (../shared/compat/projects), each from an unchanged copy
in a temporary folder, with the real CLI in a fresh process:
- `botcoach data validate`: errors and warnings, the warnings grouped by kind;
- `botcoach train --force` (runs of it: median wall time and peak memory of the process);
- the trained model on the project's test stories, twice: with the story intents given (the
  dialogue model alone) and with the NLU reading the user text (what `botcoach test` reports),
  beside Rasa 3.6.21's figures on the same project (with spaCy and Duckling taken out of its
  config, since they need a language model and a server);
- `botcoach train core --force` of a 100+ story project: financial-demo with its 48 test
  conversations added to its training stories, once as end-to-end stories (intent and text) and
  once with the intents only, as a team adds its test conversations to the training data.

Targets (issue 12): 0 validation errors; 100% of test stories with the story intents given; with
the NLU at least Rasa's figures; `train` < 400 MB peak; `train core` of 100+ stories < 300 MB.
Run: `.venv/bin/python -m bench.projects [runs]` (3 training runs unless given).
"""

from __future__ import annotations

import re
import shutil
import statistics
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from bench.common import ROOT, SHARED, Measured, run_measured
from core.evaluation.core_eval import StoryEvaluation, evaluate_stories, load_test_stories
from core.model import load_model
from core.yamlio import dump_yaml, load_yaml

CLI = ROOT / ".venv" / "bin" / "botcoach"
PROJECTS = SHARED / "compat" / "projects"


@dataclass(frozen=True)
class RasaFigures:
    """Rasa 3.6.21 on the project's test stories, the NLU reading the user text."""

    stories: tuple[int, int]
    actions: tuple[int, int]


RASA = {
    "financial-demo": RasaFigures((34, 48), (307, 317)),
    "helpdesk-assistant": RasaFigures((12, 12), (50, 50)),
}
TRAIN_MB, CORE_MB = 400.0, 300.0


def run_cli(args: list[str], cwd: Path) -> Measured:
    """One `botcoach ...` in a fresh process, measured (its own peak memory)."""
    return run_measured([str(CLI), *args], cwd)


def copy_project(name: str, into: Path) -> Path:
    """An unchanged copy, without anything a previous run left (models, results, databases)."""
    target = into / name
    shutil.copytree(PROJECTS / name, target, ignore=shutil.ignore_patterns("models", "results", "*.db"))
    return target


def validate(folder: Path) -> tuple[int, int, dict[str, int]]:
    """(errors, warnings, warning kinds with their counts) of `botcoach data validate`."""
    run = run_cli(["data", "validate"], folder)
    summary = re.search(r"(\d+) error\(s\), (\d+) warning\(s\)", run.stderr)
    if summary is None:
        raise RuntimeError(f"data validate failed in {folder}:\n{run.stderr}")
    kinds: dict[str, int] = {}
    for line in run.stderr.splitlines():
        if line.startswith("warning "):
            message = line.split(": ", 1)[-1] if re.match(r"warning \S+:\d+", line) else line[len("warning ") :]
            kind = re.sub(r"(?<![A-Za-z])'[^']*'(?![A-Za-z])", "'…'", message)
            kinds[kind] = kinds.get(kind, 0) + 1
    return int(summary[1]), int(summary[2]), kinds


def train(folder: Path, runs: int, *extra: str) -> tuple[float, float]:
    """Median wall seconds and peak MB of `botcoach train [extra] --force` over `runs` runs."""
    measured = []
    for _ in range(runs):
        run = run_cli(["train", *extra, "--force", "--quiet"], folder)
        if run.returncode != 0:
            raise RuntimeError(f"botcoach train {' '.join(extra)} failed in {folder}:\n{run.stderr}")
        measured.append(run)
    return statistics.median(r.wall_s for r in measured), statistics.median(r.peak_mb for r in measured)


def test_stories(folder: Path) -> tuple[StoryEvaluation, StoryEvaluation]:
    """The newest model on the test stories: (story intents given, NLU on the user text)."""
    model = load_model(folder / "models")
    assert model.domain is not None and model.ensemble is not None
    stories = load_test_stories([folder / "tests"])
    given = evaluate_stories(stories, model.domain, model.ensemble)
    read = evaluate_stories(stories, model.domain, model.ensemble, model.interpreter)
    return given, read


def counts(evaluation: StoryEvaluation) -> tuple[tuple[int, int], tuple[int, int]]:
    stories = evaluation.stories
    actions = evaluation.actions
    return (len(stories) - len(evaluation.failed), len(stories)), (sum(a.is_correct for a in actions), len(actions))


def with_test_conversations_as_stories(folder: Path) -> int:
    """Add the project's test stories to its training data, end to end and intents only; the
    number of training stories it then has."""
    tests = load_yaml((folder / "tests" / "test_stories.yml").read_text())
    end_to_end = [dict(story, story=f"{story['story']} (e2e)") for story in tests["stories"]]
    intents_only = [
        dict(story, story=f"{story['story']} (intents)", steps=[_without_text(s) for s in story["steps"]])
        for story in tests["stories"]
    ]
    extra = folder / "data" / "stories" / "stories_from_tests.yml"
    extra.write_text(dump_yaml({"version": "3.1", "stories": end_to_end + intents_only}))
    return sum(len((load_yaml(f.read_text()) or {}).get("stories") or []) for f in (folder / "data").rglob("*.yml"))


def _without_text(step: dict) -> dict:
    return {k: v for k, v in step.items() if k != "user"} if "intent" in step else step


def _pair(right: tuple[int, int]) -> str:
    return f"{right[0]}/{right[1]}"


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    runs = int(args[0]) if args and args[0].isdigit() else 3
    print(f"real Rasa projects from unchanged copies; training: median of {runs} run(s), peak RSS of the process")
    missed: list[str] = []
    with tempfile.TemporaryDirectory(prefix="bench-projects-") as scratch:
        for name, rasa in RASA.items():
            folder = copy_project(name, Path(scratch))
            errors, warnings, kinds = validate(folder)
            print(f"\n{name}: data validate: {errors} error(s), {warnings} warning(s)")
            for kind, number in sorted(kinds.items(), key=lambda item: -item[1]):
                print(f"    {number:>3} x {kind}")
            seconds, peak = train(folder, runs)
            print(f"  train: {seconds:.1f} s, {peak:.0f} MB peak (target < {TRAIN_MB:.0f} MB)")
            given, read = test_stories(folder)
            (g_stories, g_actions), (r_stories, r_actions) = counts(given), counts(read)
            print(f"  test stories, story intents given: {_pair(g_stories)} stories, {_pair(g_actions)} actions")
            print(
                f"  test stories, NLU on the user text: {_pair(r_stories)} stories, {_pair(r_actions)} actions "
                f"(Rasa 3.6: {_pair(rasa.stories)}, {_pair(rasa.actions)})"
            )
            for story in read.failed:
                print(f"    failed: {story.name}: {'; '.join(story.mistakes)}")
            if errors:
                missed.append(f"{name} validate")
            if peak >= TRAIN_MB:
                missed.append(f"{name} train memory")
            if g_stories[0] < g_stories[1]:
                missed.append(f"{name} stories with intents given")
            if r_stories[0] < rasa.stories[0] or r_actions[0] < rasa.actions[0]:
                missed.append(f"{name} NLU on text vs Rasa")
        big = copy_project("financial-demo", Path(scratch) / "large")
        stories = with_test_conversations_as_stories(big)
        seconds, peak = train(big, runs, "core")
        print(
            f"\nfinancial-demo + its test conversations ({stories} stories): train core: {seconds:.1f} s, "
            f"{peak:.0f} MB peak (target < {CORE_MB:.0f} MB)"
        )
        if peak >= CORE_MB:
            missed.append("train core memory")
    print("\ntargets: " + ("all met" if not missed else "NOT met: " + ", ".join(missed)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
