"""botcoach's dialogue policies beside Rasa 3.6's default policies on stories neither has seen.

On a bot's own test stories both systems reach 100%, which says nothing, so each bot is also
tested leaving one story out: train on the other stories, all rules and the domain, predict the
held-out story, for every story in turn. Then the bot's test stories (when it has them), trained
on everything. Both systems get the same files: stories, rules and domain go through botcoach's
own YAML writers (Rasa 3.6 cannot read the 1.x Markdown moodbot, and loading what we write in
Rasa is a test of the writers too), and both read the same config: the policies of `rasa init`
written out (Memoization, Rule, UnexpecTEDIntent and TED, 100 epochs, seeded).

Scoring is Rasa's `rasa test core`: before each action of a story the model predicts the next
action on the gold history, the prediction is compared with the story's action, and the story's
action is applied. Rasa writes only aggregates (`results/story_report.json`: per-action support
and recall, `conversation_accuracy`), so our side writes the same report through
`core_eval`'s `StoryEvaluation.report()` and one scorer (`score`) reads both. An
`action_unlikely_intent` of UnexpecTEDIntentPolicy is, as in Rasa's report, a warning and not a
mistake: Rasa predicts again and scores that second prediction (botcoach never predicts it).

Needs Rasa 3.6 in its chroot (`sudo bash bench/rasa_chroot.sh`, see bench/rasa_side.py). Rasa's
reports are cached by input, so a rerun only retrains Rasa where the data changed. Run:
`.venv/bin/python -m bench.versus_rasa_core [bot-name-prefix ...]`.
"""

from __future__ import annotations

import json
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from bench import rasa_side
from bench.common import COMPAT, SAMPLES, machine
from core.config import read_config
from core.domain import Domain, load_domain
from core.domain.writer import write_domain
from core.evaluation.core_eval import evaluate_stories, load_test_stories
from core.training import Project, TrainingObserver, train_core
from core.training_data.loader import TrainingData, load_training_data
from core.training_data.stories_yaml import write_stories_yaml
from core.training_data.story_model import Story

INSIDE = Path("/tmp/botcoach-versus-rasa-core")  # the work folder as the chroot sees it
BOT_FOLDERS = [COMPAT / name for name in ("formbot-3x", "moodbot-3x", "concertbot-3x", "initial-project-3x")] + [
    SAMPLES / name for name in ("formbot", "concertbot", "moodbot")
]
CONFIG = """recipe: default.v1
assistant_id: botcoach-versus-rasa-core
language: en
pipeline: []
policies:
  - name: MemoizationPolicy
  - name: RulePolicy
  - name: UnexpecTEDIntentPolicy
    max_history: 5
    epochs: 100
    random_seed: 0
  - name: TEDPolicy
    max_history: 5
    epochs: 100
    constrain_similarities: true
    random_seed: 0
"""
AVERAGES = {"accuracy", "macro avg", "weighted avg", "micro avg", "conversation_accuracy"}


@dataclass
class Split:
    name: str  # the Rasa work folder's name, unique per bot, kind and fold
    training: list[Story]  # stories and rules
    tests: list[Story]


@dataclass
class Score:
    """Counts, so that splits pool by adding them."""

    stories: int = 0
    correct_stories: int = 0
    actions: int = 0
    correct_actions: int = 0

    def __add__(self, other: Score) -> Score:
        return Score(
            self.stories + other.stories,
            self.correct_stories + other.correct_stories,
            self.actions + other.actions,
            self.correct_actions + other.correct_actions,
        )

    @property
    def action_accuracy(self) -> float:
        return 100 * self.correct_actions / self.actions if self.actions else 0.0

    @property
    def conversation_accuracy(self) -> float:
        return 100 * self.correct_stories / self.stories if self.stories else 0.0


def score(report: dict) -> Score:
    """The counts in a `story_report.json`: an action label's correct predictions are its
    recall times its support; labels that were only predicted have no support and add nothing."""
    rows = [row for label, row in report.items() if label not in AVERAGES]
    conversations = report["conversation_accuracy"]
    return Score(
        conversations["total"],
        conversations["correct"],
        sum(row["support"] for row in rows),
        sum(round(row["recall"] * row["support"]) for row in rows),
    )


def leave_one_out(stories: list[Story]) -> list[tuple[list[Story], Story]]:
    """(training, held-out story) for each story in turn; rules always stay in training."""
    rules = [s for s in stories if s.is_rule]
    plain = [s for s in stories if not s.is_rule]
    return [(plain[:i] + plain[i + 1 :] + rules, held_out) for i, held_out in enumerate(plain)]


def splits(folder: Path) -> list[tuple[str, list[Split]]]:
    """(kind, splits): every story held out once, then the test stories when the bot has some."""
    stories = load_training_data([folder / "data"]).stories
    chosen = [
        (
            "held-out",
            [
                Split(f"{folder.name}-held-out-{i}", training, [held_out])
                for i, (training, held_out) in enumerate(leave_one_out(stories))
            ],
        )
    ]
    if (folder / "tests").is_dir():
        chosen.append(("test stories", [Split(f"{folder.name}-tests", stories, load_test_stories([folder / "tests"]))]))
    return chosen


def run_rasa(split: Split, domain: Domain) -> tuple[dict, float, list[str]]:
    """Rasa's story report, its `rasa train core` wall time and its failed steps.

    Cached by input: a folder whose config, domain and stories are unchanged keeps its report
    (the config names an `assistant_id`: without one, Rasa writes a random one into the file).
    """
    inside = INSIDE / split.name
    folder = rasa_side.host_path(inside)
    files = {
        "config.yml": CONFIG,
        "domain.yml": write_domain(domain),
        "data/stories.yml": write_stories_yaml(split.training),
        "held_out.yml": write_stories_yaml(split.tests),
    }
    report_file = folder / "results" / "story_report.json"
    if not rasa_side.cached(folder, files, "results/story_report.json"):
        for stale in ("models", ".rasa"):  # or Rasa restores the model, or its parts, from a cache
            shutil.rmtree(folder / stale, ignore_errors=True)
        started = time.perf_counter()
        rasa_side.run(
            inside,
            "rasa train core --domain domain.yml --stories data --config config.yml --out models --fixed-model-name m",
            "train.log",
        )
        (folder / "train_seconds").write_text(f"{time.perf_counter() - started}")
        rasa_side.run(inside, "rasa test core --model models/m.tar.gz --stories held_out.yml --out results", "test.log")
    failed = (folder / "results" / "failed_test_stories.yml").read_text()
    return (json.loads(report_file.read_text()), float((folder / "train_seconds").read_text()), rasa_mistakes(failed))


def rasa_mistakes(failed_stories: str) -> list[str]:
    """`story: step  # predicted: ...` for every wrong step in Rasa's failed_test_stories.yml."""
    mistakes, story = [], ""
    for line in failed_stories.splitlines():
        if line.lstrip().startswith("- story:"):
            story = line.split(":", 1)[1].strip()
        elif "# predicted:" in line:
            mistakes.append(f"{story}: {line.strip().removeprefix('- ')}")
    return mistakes


def run_ours(split: Split, domain: Domain) -> tuple[dict, float, list[str]]:
    """Our story report, training time and failed steps: the training of `botcoach train core`."""
    project = Project(read_config(CONFIG), TrainingData(stories=split.training), domain)
    started = time.perf_counter()
    ensemble = train_core(project, TrainingObserver())
    seconds = time.perf_counter() - started
    evaluation = evaluate_stories(split.tests, domain, ensemble)
    return evaluation.report(), seconds, [f"{s.name}: {line}" for s in evaluation.failed for line in s.mistakes]


def main(argv: list[str] | None = None) -> None:
    """Every bot, or those whose folder names start with one of the arguments."""
    prefixes = sys.argv[1:] if argv is None else argv
    if not rasa_side.ready():
        return
    print(machine())
    print("Dialogue policies on the same stories: Rasa 3.6.21 default policies vs botcoach; one run each (seeded)")
    print(
        f"{'bot':20s} {'split':13s} {'system':9s} {'stories':>7s} {'actions':>7s} {'action acc':>10s} "
        f"{'conv acc':>8s} {'train s':>8s}"
    )
    all_mistakes = []
    pooled: dict[tuple[str, str], Score] = {}
    for folder in BOT_FOLDERS:
        if prefixes and not folder.name.startswith(tuple(prefixes)):
            continue
        domain = load_domain(folder / "domain.yml")
        for kind, chosen in splits(folder):
            for system, run in (("Rasa", run_rasa), ("botcoach", run_ours)):
                total, seconds = Score(), []
                for split in chosen:
                    report, split_seconds, mistakes = run(split, domain)
                    total += score(report)
                    seconds.append(split_seconds)
                    all_mistakes += [f"{folder.name} {kind} {system}: {m}" for m in mistakes]
                pooled[kind, system] = pooled.get((kind, system), Score()) + total
                _print_row(folder.name, kind, system, total, f"{sum(seconds) / len(seconds):8.1f}")
    for (kind, system), total in pooled.items():
        _print_row("all bots", kind, system, total, "")
    print("\nWrong actions (gold history; each system's own wording):")
    print("\n".join(all_mistakes) or "none")


def _print_row(bot: str, kind: str, system: str, total: Score, seconds: str) -> None:
    print(
        f"{bot:20s} {kind:13s} {system:9s} {total.stories:7d} {total.actions:7d} "
        f"{total.action_accuracy:9.2f}% {total.conversation_accuracy:7.2f}% {seconds}",
        flush=True,
    )


if __name__ == "__main__":
    main()
