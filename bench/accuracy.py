"""Accuracy on test stories: train each sample bot and Rasa compat set, then replay its test stories.

For each project the NLU and dialogue models are trained in memory (core/training.py, no archive)
and the test stories evaluated as `botcoach test` does. Printed per project: action accuracy,
conversation accuracy counting actions only (the dialogue policies alone) and counting actions
and end-to-end intents (what `botcoach test` reports), and the intent accuracy on the test stories'
user text. Training is seeded and deterministic, so each project is run once (not a median).

Where a config asks for fewer epochs than botcoach's defaults (Rasa's CI setting `epochs: 1` in
formbot-3x), the defaults are used instead and the line says so: one epoch measures nothing.

Targets: 100% on every sample bot, initial-project-3x and both Rasa formbot sets.
Run: `.venv/bin/python -m bench.accuracy [project-name ...]`.
"""

from __future__ import annotations

import sys
import time
from dataclasses import replace
from pathlib import Path

from bench.common import COMPAT, ROOT
from core.config import NLUConfig, PolicyConfig
from core.evaluation.core_eval import (
    StoryEvaluation,
    evaluate_stories,
    load_test_stories,
)
from core.training import TrainingObserver, load_project, train_core, train_nlu

# (name, project folder, test-story paths inside it)
PROJECTS = [
    ("moodbot", ROOT / "sample_data" / "moodbot", ["tests"]),
    ("concertbot", ROOT / "sample_data" / "concertbot", ["tests"]),
    ("formbot", ROOT / "sample_data" / "formbot", ["tests"]),
    ("initial-project-3x", COMPAT / "initial-project-3x", ["tests"]),
    ("formbot-1x", COMPAT / "formbot-1x", ["test_stories", "tests"]),
    ("formbot-3x", COMPAT / "formbot-3x", ["tests"]),
]


def evaluate_project(folder: Path, tests: list[str]) -> tuple[StoryEvaluation, list[str], float]:
    """(evaluation, notes, training seconds) for one project."""
    project = load_project(folder / "config.yml", folder / "domain.yml", [folder / "data"])
    notes = []
    nlu, policies = project.config.nlu, project.config.policies
    if nlu.epochs < NLUConfig.epochs or policies.ted_epochs < PolicyConfig.ted_epochs:
        notes.append(f"config epochs (NLU {nlu.epochs}, TED {policies.ted_epochs}) raised to the defaults")
        project.config = replace(
            project.config,
            nlu=replace(nlu, epochs=max(nlu.epochs, NLUConfig.epochs)),
            policies=replace(policies, ted_epochs=max(policies.ted_epochs, PolicyConfig.ted_epochs)),
        )
    started = time.perf_counter()
    interpreter = train_nlu(project, TrainingObserver()) if project.data.nlu.examples else None
    ensemble = train_core(project, TrainingObserver())
    seconds = time.perf_counter() - started
    stories = load_test_stories([folder / path for path in tests])
    return evaluate_stories(stories, project.domain, ensemble, interpreter), notes, seconds


def _share(right: int, total: int) -> str:
    return f"{right / total:7.1%}" if total else "    n/a"


def main(argv: list[str] | None = None) -> int:
    wanted = sys.argv[1:] if argv is None else argv
    chosen = [p for p in PROJECTS if not wanted or p[0] in wanted]
    print("test-story accuracy; one run per project (training is seeded and deterministic)")
    print(f"{'project':<20}{'stories':>8}{'actions':>9}{'conv(act)':>10}{'conv(all)':>10}{'intents':>9}{'train s':>9}")
    missed = []
    for name, folder, tests in chosen:
        evaluation, notes, seconds = evaluate_project(folder, tests)
        actions = evaluation.actions
        intents = [pair for story in evaluation.stories for pair in story.intents]
        stories = evaluation.stories
        action_correct = sum(not any(not a.is_correct for a in s.actions) for s in stories)
        print(
            f"{name:<20}{len(stories):>8}{_share(sum(a.is_correct for a in actions), len(actions)):>9}"
            f"{_share(action_correct, len(stories)):>10}"
            f"{_share(len(stories) - len(evaluation.failed), len(stories)):>10}"
            f"{_share(sum(t == p for t, p in intents), len(intents)):>9}{seconds:>9.1f}",
            flush=True,
        )
        for note in notes:
            print(f"    note: {note}")
        for story in evaluation.failed:
            print(f"    failed: {story.name} ({story.source}): {'; '.join(story.mistakes)}")
        if evaluation.failed:
            missed.append(name)
    print("target 100% conversation accuracy: " + ("met" if not missed else f"NOT met for {', '.join(missed)}"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
