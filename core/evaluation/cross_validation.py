"""`botcoach test nlu --cross-validation --folds N`: train and test the NLU model on stratified folds.

As Rasa does: each fold trains a fresh model on the other folds, scores it on its own training
part and on the held-out fold; the figures are reported as mean (standard deviation) over folds,
and the held-out predictions of all folds together make the usual report files.

Folds are stratified by intent: each intent's examples are shuffled (seeded) and dealt out in
turn, continuing where the previous intent stopped, so every fold gets its share of each intent
and the folds differ in size by at most one example.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from core.config import BotcoachConfig
from core.errors import DataError
from core.evaluation.entity_eval import EntityResult
from core.evaluation.metrics import mean_std
from core.evaluation.nlu_eval import IntentResult, NLUEvaluation, predict, summarise
from core.nlu.interpreter import Interpreter
from core.training import nlu_model_config
from core.training_data.nlu_model import Example, NLUData

METRICS = ("Accuracy", "F1-score", "Precision")
FoldCallback = Callable[[int, int], None]  # (fold number from 1, number of folds)


@dataclass
class FoldScores:
    """Per metric, one value per fold."""

    values: dict[str, list[float]] = field(default_factory=lambda: {m: [] for m in METRICS})

    def add(self, scores: tuple[float, float, float]) -> None:
        precision, f1, accuracy = scores
        for name, value in zip(METRICS, (accuracy, f1, precision)):
            self.values[name].append(value)

    def summary(self) -> dict[str, tuple[float, float]]:
        return {name: mean_std(values) for name, values in self.values.items()}


@dataclass
class CrossValidation:
    folds: int
    intent_train: FoldScores = field(default_factory=FoldScores)
    intent_test: FoldScores = field(default_factory=FoldScores)
    entity_train: FoldScores = field(default_factory=FoldScores)
    entity_test: FoldScores = field(default_factory=FoldScores)
    evaluation: NLUEvaluation = field(default_factory=NLUEvaluation)  # all held-out folds together
    has_entities: bool = False

    def as_dict(self) -> dict:
        """Mean and std per metric, Rasa's log lines as data (for the CLI and `--json` users)."""
        result = {
            "folds": self.folds,
            "intent_evaluation": {"train": self.intent_train.summary(), "test": self.intent_test.summary()},
        }
        if self.has_entities:
            result["entity_evaluation"] = {"train": self.entity_train.summary(), "test": self.entity_test.summary()}
        return result


def stratified_folds(examples: list[Example], folds: int, seed: int = 42) -> list[list[int]]:
    """Indices of the held-out examples of each fold."""
    if folds < 2:
        raise DataError(f"cross-validation needs at least 2 folds, not {folds}", hint="pass --folds 2 or more")
    if len(examples) < folds:
        raise DataError(
            f"{len(examples)} NLU examples cannot be split into {folds} folds",
            hint="add examples or pass a smaller --folds",
        )
    by_intent: dict[str, list[int]] = {}
    for index, example in enumerate(examples):
        by_intent.setdefault(example.intent or "", []).append(index)
    rng = random.Random(seed)
    result: list[list[int]] = [[] for _ in range(folds)]
    turn = 0
    for intent in sorted(by_intent):
        indices = by_intent[intent]
        rng.shuffle(indices)
        for index in indices:
            result[turn % folds].append(index)
            turn += 1
    return [sorted(fold) for fold in result]


def cross_validate(
    data: NLUData, config: BotcoachConfig, folds: int = 5, on_fold: FoldCallback | None = None
) -> CrossValidation:
    """Train `folds` models and score each; nothing is written (see nlu_eval.write)."""
    examples = [e for e in data.examples if e.text.strip()]
    split = stratified_folds(examples, folds, config.nlu.seed)
    result = CrossValidation(folds)
    held_out_intents: list[IntentResult] = []
    held_out_entities: list[EntityResult] = []
    for number, test_indices in enumerate(split, start=1):
        if on_fold is not None:
            on_fold(number, folds)
        held = set(test_indices)
        train_examples = [e for i, e in enumerate(examples) if i not in held]
        test_examples = [examples[i] for i in test_indices]
        interpreter = Interpreter.train(replace(data, examples=train_examples), nlu_model_config(config.nlu))
        train_eval = summarise(*predict(interpreter, train_examples))
        intents, entities = predict(interpreter, test_examples)
        test_eval = summarise(intents, entities)
        held_out_intents += intents
        held_out_entities += entities
        result.intent_train.add(train_eval.intent_scores)
        result.intent_test.add(test_eval.intent_scores)
        result.entity_train.add(train_eval.entity_scores)
        result.entity_test.add(test_eval.entity_scores)
    result.evaluation = summarise(held_out_intents, held_out_entities)
    result.has_entities = result.evaluation.entity_report is not None
    return result
