"""Entity evaluation: exact span and label, reported per entity in scikit-learn's shape.

Rasa compares entities token by token; we compare whole spans, which is stricter and what a
person means by "the entity was found": a gold entity counts as found only when a predicted
entity has the same start, end and entity name. Each span becomes one (target, prediction) pair
for the report: a matched span pairs its two names, a missed gold span pairs with `no_entity`,
a spurious prediction pairs `no_entity` with its name. `no_entity` is left out of the per-label
rows, so the report has `micro avg` (not `accuracy`), as Rasa's entity reports do.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from core.evaluation.metrics import add_confused_with, classification_report, confusion_matrix, unique_labels

NO_ENTITY = "no_entity"
_KEPT_KEYS = ("start", "end", "value", "entity", "role", "group", "confidence_entity", "extractor")


@dataclass
class EntityResult:
    """One example's gold and predicted entities (Rasa wire dicts)."""

    text: str
    targets: list[dict] = field(default_factory=list)
    predictions: list[dict] = field(default_factory=list)

    @property
    def is_correct(self) -> bool:
        return _spans(self.targets) == _spans(self.predictions)


def _span(entity: dict) -> tuple[int, int] | None:
    start, end = entity.get("start"), entity.get("end")
    return (start, end) if isinstance(start, int) and isinstance(end, int) else None


def _spans(entities: list[dict]) -> set[tuple[int, int, str]]:
    return {(*span, str(e.get("entity"))) for e in entities if (span := _span(e)) is not None}


def span_pairs(result: EntityResult) -> tuple[list[str], list[str]]:
    """(targets, predictions) for one example, one pair per distinct span."""
    gold = {span: str(e.get("entity")) for e in result.targets if (span := _span(e)) is not None}
    predicted = {span: str(e.get("entity")) for e in result.predictions if (span := _span(e)) is not None}
    targets, predictions = [], []
    for span in sorted(set(gold) | set(predicted)):
        targets.append(gold.get(span, NO_ENTITY))
        predictions.append(predicted.get(span, NO_ENTITY))
    return targets, predictions


def entity_pairs(results: list[EntityResult]) -> tuple[list[str], list[str]]:
    targets: list[str] = []
    predictions: list[str] = []
    for result in results:
        t, p = span_pairs(result)
        targets += t
        predictions += p
    return targets, predictions


def entity_report(results: list[EntityResult]) -> dict | None:
    """The per-entity report, or None when no example has or gets an entity."""
    targets, predictions = entity_pairs(results)
    labels = [label for label in unique_labels(targets, predictions) if label != NO_ENTITY]
    if not labels:
        return None
    report = classification_report(targets, predictions, labels=labels)
    everything = unique_labels(targets, predictions)
    add_confused_with(report, confusion_matrix(targets, predictions, everything), everything)
    return report


def entity_errors(results: list[EntityResult]) -> list[dict]:
    """Rasa's `<extractor>_errors.json` entries: examples whose entities were not all exactly right."""
    return [
        {
            "text": r.text,
            "entities": [_clean(e) for e in r.targets],
            "predicted_entities": [_clean(e) for e in r.predictions],
        }
        for r in results
        if not r.is_correct
    ]


def _clean(entity: dict) -> dict:
    return {key: entity[key] for key in _KEPT_KEYS if entity.get(key) is not None}
