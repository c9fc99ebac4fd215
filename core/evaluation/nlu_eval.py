"""NLU evaluation (`botcoach test nlu`): intent and entity reports with Rasa's file names and shapes.

Files written to the output folder, as Rasa writes them so that tools made for Rasa read ours:

- `intent_report.json`: {intent: {precision, recall, f1-score, support, confused_with},
  "accuracy", "macro avg", "weighted avg"}
- `intent_errors.json` / `intent_successes.json`: [{text, intent, intent_prediction: {name, confidence}}]
- `intent_confusion_matrix.png` (plus `.svg` with labels and `.txt`)
- `botcoach_entity_report.json` / `botcoach_entity_errors.json`, and the same two files under
  Rasa's name for the entity extractor the config lists (`DIETClassifier_report.json`...), since
  our model stands in for it.

Only examples with an intent count for intents (Rasa: "only considering those examples that have a
defined intent"); retrieval intents are compared by their base name, as the parse reports them.
`intent_report.json` lists the intents with the lowest recall first (the ones to work on), then
intents only ever predicted, then the averages.

Out-of-scope messages: test examples labelled with the out-of-scope intent (`nlu_fallback` unless
the bot has an intent of its own for them, e.g. `out_of_scope`) are caught when the parse answers
that intent or `nlu_fallback` (the FallbackClassifier); `NLUEvaluation.out_of_scope` gives the
recall and precision of that answer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from core.config import BotcoachConfig
from core.domain.items import NLU_FALLBACK_INTENT
from core.evaluation.entity_eval import EntityResult, entity_errors, entity_report
from core.evaluation.metrics import (
    add_confused_with,
    classification_report,
    confusion_matrix,
    unique_labels,
    weighted_scores,
)
from core.evaluation.reports import write_confusion, write_json
from core.nlu.parse import Parse
from core.training_data.loader import load_training_data
from core.training_data.nlu_model import Example, NLUData

OUR_EXTRACTOR = "botcoach"
# Rasa's trainable entity extractors: our model replaces the first of them a pipeline lists.
RASA_EXTRACTORS = ("DIETClassifier", "CRFEntityExtractor", "EntityExtractor", "MitieEntityExtractor")
# The pipeline templates of Rasa 1.x, with the extractor each one runs.
TEMPLATE_EXTRACTORS = {
    "supervised_embeddings": "CRFEntityExtractor",
    "pretrained_embeddings_spacy": "CRFEntityExtractor",
    "pretrained_embeddings_convert": "CRFEntityExtractor",
}


class Parser(Protocol):
    def parse(self, text: str) -> Parse: ...


@dataclass
class IntentResult:
    text: str
    target: str
    prediction: str | None
    confidence: float

    def as_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "intent": self.target,
            "intent_prediction": {"name": self.prediction, "confidence": self.confidence},
        }


@dataclass(frozen=True)
class OutOfScopeScores:
    """How well out-of-scope test messages were caught (answered with `intent` or `nlu_fallback`)."""

    intent: str
    recall: float  # out-of-scope messages caught / out-of-scope messages
    precision: float  # out-of-scope answers that were right / out-of-scope answers
    support: int  # out-of-scope messages
    caught: int  # out-of-scope messages answered out of scope
    answered: int  # out-of-scope answers


@dataclass
class NLUEvaluation:
    """What `evaluate` found; `write` puts it on disk."""

    intents: list[IntentResult] = field(default_factory=list)
    entities: list[EntityResult] = field(default_factory=list)
    intent_report: dict | None = None
    entity_report: dict | None = None

    @property
    def intent_scores(self) -> tuple[float, float, float]:
        """(precision, F1, accuracy), weighted as Rasa logs them."""
        return weighted_scores(self.intent_report) if self.intent_report else (0.0, 0.0, 0.0)

    @property
    def entity_scores(self) -> tuple[float, float, float]:
        return weighted_scores(self.entity_report) if self.entity_report else (0.0, 0.0, 0.0)

    @property
    def intent_errors(self) -> list[IntentResult]:
        return [r for r in self.intents if r.target != r.prediction]

    @property
    def entity_errors(self) -> list[dict]:
        return entity_errors(self.entities)

    def out_of_scope(self, intent: str = NLU_FALLBACK_INTENT) -> OutOfScopeScores | None:
        """Recall and precision of out-of-scope answers; None when no test example has `intent`."""
        support = sum(r.target == intent for r in self.intents)
        if not support:
            return None
        answers = [r for r in self.intents if r.prediction in (intent, NLU_FALLBACK_INTENT)]
        caught = sum(r.target == intent for r in answers)
        precision = caught / len(answers) if answers else 0.0
        return OutOfScopeScores(intent, caught / support, precision, support, caught, len(answers))

    def lowest_recall(self, count: int) -> list[tuple[str, dict]]:
        """The `count` tested intents with the lowest recall, lowest first, with their report rows."""
        rows = [(name, row) for name, row in (self.intent_report or {}).items() if _tested(row)]
        return rows[:count]  # the report is in that order already (see intent_report)


def load_test_nlu(paths: list[str | Path]) -> NLUData:
    """Every NLU example under `paths`, from training and test files alike (`rasa test nlu` reads
    the whole folder it is given)."""
    return load_training_data(list(paths)).nlu.merge(load_training_data(list(paths), tests=True).nlu)


def base_intent(name: str | None) -> str | None:
    return name.split("/", 1)[0] if name else name


def predict(parser: Parser, examples: list[Example]) -> tuple[list[IntentResult], list[EntityResult]]:
    """Parse every example once: intent results (examples with an intent) and entity results (all)."""
    intents: list[IntentResult] = []
    entities: list[EntityResult] = []
    for example in examples:
        if not example.text.strip():
            continue
        parse = parser.parse(example.text)
        intent = parse.get("intent")
        if example.intent:
            intents.append(
                IntentResult(
                    example.text,
                    base_intent(example.intent) or "",
                    intent["name"] if intent else None,
                    float(intent["confidence"]) if intent else 0.0,
                )
            )
        entities.append(
            EntityResult(example.text, list(example.entities), [dict(e) for e in parse.get("entities", [])])
        )
    return intents, entities


def intent_report(results: list[IntentResult]) -> dict | None:
    """scikit-learn's report dict with Rasa's `confused_with`, intents in order of recall."""
    if not results:
        return None
    targets = [r.target for r in results]
    predictions = [str(r.prediction) for r in results]
    report = classification_report(targets, predictions)
    labels = unique_labels(targets, predictions)
    add_confused_with(report, confusion_matrix(targets, predictions, labels), labels)
    rows = sorted(
        ((name, row) for name, row in report.items() if name in labels and isinstance(row, dict)),
        key=lambda item: (not _tested(item[1]), item[1]["recall"], item[0]),
    )
    return {**dict(rows), **{name: row for name, row in report.items() if name not in dict(rows)}}


def _tested(row: object) -> bool:
    """A per-intent row of an intent the test data has (not one only ever predicted, not an average)."""
    return isinstance(row, dict) and "confused_with" in row and bool(row.get("support"))


def summarise(intents: list[IntentResult], entities: list[EntityResult]) -> NLUEvaluation:
    return NLUEvaluation(intents, entities, intent_report(intents), entity_report(entities))


def evaluate(parser: Parser, examples: list[Example]) -> NLUEvaluation:
    return summarise(*predict(parser, examples))


def extractor_names(config: BotcoachConfig | None) -> list[str]:
    """Our name, then Rasa's name for the trainable entity extractor the config's pipeline lists."""
    names = [OUR_EXTRACTOR]
    pipeline = (config.raw or {}).get("pipeline") if config is not None else None
    if isinstance(pipeline, str) and pipeline in TEMPLATE_EXTRACTORS:
        names.append(TEMPLATE_EXTRACTORS[pipeline])
    elif isinstance(pipeline, list):
        listed = [str(item.get("name", "")).rsplit(".", 1)[-1] for item in pipeline if isinstance(item, dict)]
        names += [name for name in listed if name in RASA_EXTRACTORS][:1]
    return names


def write(evaluation: NLUEvaluation, out_dir: str | Path, extractors: list[str] | None = None) -> list[Path]:
    """Write every report; returns the files written."""
    out = Path(out_dir)
    written: list[Path] = []
    if evaluation.intent_report is not None:
        successes = [r.as_dict() for r in evaluation.intents if r.target == r.prediction]
        errors = sorted(
            (r.as_dict() for r in evaluation.intent_errors), key=lambda e: -e["intent_prediction"]["confidence"]
        )
        written += [
            write_json(out / "intent_report.json", evaluation.intent_report),
            write_json(out / "intent_errors.json", errors),
            write_json(out / "intent_successes.json", successes),
        ]
        written += write_confusion(
            out,
            "intent_confusion_matrix",
            [r.target for r in evaluation.intents],
            [str(r.prediction) for r in evaluation.intents],
            "Intent confusion matrix",
        )
    if evaluation.entity_report is not None:
        errors = evaluation.entity_errors
        for name in extractors or [OUR_EXTRACTOR]:
            stem = "botcoach_entity" if name == OUR_EXTRACTOR else name
            written += [
                write_json(out / f"{stem}_report.json", evaluation.entity_report),
                write_json(out / f"{stem}_errors.json", errors),
            ]
    return written
