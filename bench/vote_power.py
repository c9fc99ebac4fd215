"""How sharp a small bot's intent vote should be: the power its members' probabilities are raised
to before they vote (core/nlu/small_bot_vote.py), chosen by cross-validated log-loss.

The NLU training data of eight bots under 1,000 examples: the three sample bots, Rasa's
formbot-3x, moodbot-3x and concertbot-3x, and the reference projects of bench.projects
(financial-demo, helpdesk-assistant; their NLU examples only, never their test conversations).
5-fold stratified cross-validation with fold seeds 1-3 (bench.versus_rasa reports seed 0). Each
fold trains the interpreter once, with the bot's own config, on the other folds; the members'
probabilities of each held-out example are kept, and every power is scored on them.

Printed per power: each bot's log-loss of the right intent (its mean over its held-out
examples), the mean over the six small bots and over all eight (the choice: the lowest mean
over all eight, each bot weighing the same), the accuracy, and at a FallbackClassifier
threshold of 0.7 (helpdesk-assistant's; Rasa's default is 0.3) the share of held-out messages read right and confidently
and wrong but confidently (the cost of sharpening: a wrong answer no fallback catches).
Run: `.venv/bin/python -m bench.vote_power [bot ...]`.
"""

from __future__ import annotations

import math
import statistics
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path

import torch

from bench.common import COMPAT, SAMPLES, SHARED
from core.config import load_config
from core.evaluation.cross_validation import stratified_folds
from core.nlu.interpreter import Interpreter
from core.nlu.small_bot_vote import VOTE_POWER, vote
from core.training import nlu_model_config
from core.training_data.loader import load_nlu

BOTS = {
    "moodbot": (SAMPLES / "moodbot", "data/nlu.md"),
    "concertbot": (SAMPLES / "concertbot", "data/nlu.yml"),
    "formbot": (SAMPLES / "formbot", "data/nlu.yml"),
    "formbot-3x": (COMPAT / "formbot-3x", "data/nlu.yml"),
    "moodbot-3x": (COMPAT / "moodbot-3x", "data/nlu.yml"),
    "concertbot-3x": (COMPAT / "concertbot-3x", "data/nlu.yml"),
    "financial-demo": (SHARED / "compat" / "projects" / "financial-demo", "data/nlu/nlu.yml"),
    "helpdesk-assistant": (SHARED / "compat" / "projects" / "helpdesk-assistant", "data/nlu.yml"),
}
SIX_SMALL = list(BOTS)[:6]
POWERS = (1.0, 1.125, 1.25, 1.375, 1.5, 1.625, 1.75, 2.0)
FOLDS = 5
FOLD_SEEDS = (1, 2, 3)
THRESHOLD = 0.7  # helpdesk-assistant's FallbackClassifier threshold, where the vote's confidence mattered


@dataclass
class HeldOut:
    """One held-out message: its members' probabilities and the index of its intent."""

    classifier: torch.Tensor
    nearest: torch.Tensor
    intent: int


def held_out(folder: Path, nlu_file: str) -> list[HeldOut]:
    """Every example of the bot, once per fold seed, predicted by a model trained without it.
    Entities are left out of training: a small bot's intents do not read them, and the joint
    model that tags them would only cost time."""
    data = load_nlu(folder / nlu_file)
    examples = [replace(e, entities=[]) for e in data.examples if e.intent and e.text.strip()]
    config = nlu_model_config(load_config(folder / "config.yml").nlu)
    found = []
    for seed in FOLD_SEEDS:
        for fold in stratified_folds(examples, FOLDS, seed=seed):
            out = set(fold)
            interpreter = Interpreter.train(
                replace(data, examples=[e for i, e in enumerate(examples) if i not in out]), config
            )
            found += predicted(interpreter, [examples[index] for index in fold])
    return found


@torch.inference_mode()
def predicted(interpreter: Interpreter, examples: list) -> list[HeldOut]:
    found = []
    for example in examples:
        if example.intent not in interpreter.intents:  # all its examples in this fold
            continue
        vector = interpreter.sentence.vector(interpreter.featurizer.encode(example.text).norm)
        classifier, nearest = interpreter.small_bot_members(vector)
        found.append(HeldOut(classifier[0], nearest[0], interpreter.intents.index(example.intent)))
    return found


@dataclass
class Scores:
    log_loss: float
    accuracy: float
    kept: float  # right and at or above THRESHOLD
    confidently_wrong: float


def scores(messages: list[HeldOut], power: float) -> Scores:
    losses, right, kept, wrong = [], 0, 0, 0
    for message in messages:
        probabilities = vote(message.classifier, message.nearest, power)
        best = int(probabilities.argmax())
        losses.append(-math.log(max(float(probabilities[message.intent]), 1e-12)))
        confident = float(probabilities[best]) >= THRESHOLD
        right += best == message.intent
        kept += best == message.intent and confident
        wrong += best != message.intent and confident
    n = max(1, len(messages))
    return Scores(statistics.fmean(losses), right / n, kept / n, wrong / n)


def main(argv: list[str] | None = None) -> int:
    wanted = sys.argv[1:] if argv is None else argv
    bots = {name: where for name, where in BOTS.items() if not wanted or name in wanted}
    print(f"small-bot vote power: {FOLDS}-fold cross-validation, fold seeds {FOLD_SEEDS}, log-loss of the right intent")
    sys.stdout.flush()
    started = time.perf_counter()
    by_bot = {name: held_out(*where) for name, where in bots.items()}
    print(f"({sum(len(m) for m in by_bot.values())} held-out predictions, {time.perf_counter() - started:.0f} s)\n")
    print(f"{'bot':<19}" + "".join(f"{power:>7}" for power in POWERS))
    table = {name: [scores(messages, power) for power in POWERS] for name, messages in by_bot.items()}
    for name, row in table.items():
        print(f"{name:<19}" + "".join(f"{s.log_loss:>7.3f}" for s in row))

    def mean(metric: str, names: list[str]) -> list[float]:
        return [statistics.fmean(getattr(table[name][i], metric) for name in names) for i in range(len(POWERS))]

    six = [name for name in SIX_SMALL if name in table]
    if six and len(six) < len(table):
        print(f"{'mean, six small':<19}" + "".join(f"{v:>7.3f}" for v in mean("log_loss", six)))
    chosen_by = mean("log_loss", list(table))
    print(f"{'mean, all':<19}" + "".join(f"{v:>7.3f}" for v in chosen_by))
    print(f"{'accuracy, all':<19}" + "".join(f"{v:>7.1%}" for v in mean("accuracy", list(table))))
    print(f"{'right, >= 0.7':<19}" + "".join(f"{v:>7.1%}" for v in mean("kept", list(table))))
    print(f"{'wrong, >= 0.7':<19}" + "".join(f"{v:>7.1%}" for v in mean("confidently_wrong", list(table))))
    best = POWERS[min(range(len(POWERS)), key=lambda i: chosen_by[i])]
    verdict = "the one in use" if best == VOTE_POWER else f"NOT the one in use ({VOTE_POWER})"
    print(f"\nlowest mean log-loss over all: power {best}, {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
