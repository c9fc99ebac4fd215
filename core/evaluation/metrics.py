"""Classification metrics by hand, shaped like scikit-learn's `classification_report(output_dict=True)`.

Rasa writes its reports with scikit-learn; tools built for Rasa's `results/` folder read that exact
shape, so we produce it without the dependency: per label `precision`, `recall`, `f1-score`,
`support`, then `accuracy` (or `micro avg` when some labels are left out, as scikit-learn does),
`macro avg` and `weighted avg`. A division by zero gives 0.0, as scikit-learn's default does.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Hashable, Iterable, Sequence

MAX_CONFUSED_WITH = 5  # Rasa lists at most five labels a label was mistaken for


def unique_labels(*sequences: Iterable[Hashable]) -> list:
    """Every label of the sequences, sorted (strings by text; mixed types by their text)."""
    return sorted({label for sequence in sequences for label in sequence}, key=lambda x: (str(type(x)), str(x)))


def _ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator else 0.0


def f1(precision: float, recall: float) -> float:
    return _ratio(2 * precision * recall, precision + recall)


def accuracy(targets: Sequence, predictions: Sequence) -> float:
    _check_lengths(targets, predictions)
    return _ratio(sum(t == p for t, p in zip(targets, predictions)), len(targets))


def _check_lengths(targets: Sequence, predictions: Sequence) -> None:
    if len(targets) != len(predictions):
        raise ValueError(f"{len(targets)} targets but {len(predictions)} predictions")


def label_scores(targets: Sequence, predictions: Sequence, label: Hashable) -> dict[str, float]:
    """Precision, recall, F1 and support of one label."""
    true_positive = sum(t == label and p == label for t, p in zip(targets, predictions))
    predicted = sum(p == label for p in predictions)
    support = sum(t == label for t in targets)
    precision, recall = _ratio(true_positive, predicted), _ratio(true_positive, support)
    return {"precision": precision, "recall": recall, "f1-score": f1(precision, recall), "support": support}


def classification_report(
    targets: Sequence, predictions: Sequence, labels: Sequence | None = None
) -> dict[str, dict | float]:
    """scikit-learn's report dict. `labels` restricts the per-label rows (e.g. without `no_entity`);
    then, as in scikit-learn, a `micro avg` row replaces `accuracy`."""
    _check_lengths(targets, predictions)
    everything = unique_labels(targets, predictions)
    chosen = list(labels) if labels is not None else everything
    scores = {str(label): label_scores(targets, predictions, label) for label in chosen}
    report: dict[str, dict | float] = dict(scores)
    rows = [scores[str(label)] for label in chosen]
    if labels is None or set(chosen) >= set(everything):
        report["accuracy"] = accuracy(targets, predictions)
    else:
        report["micro avg"] = _micro(targets, predictions, set(chosen))
    total = sum(row["support"] for row in rows)
    for name, weights in (("macro avg", [1.0] * len(rows)), ("weighted avg", [row["support"] for row in rows])):
        scale = sum(weights)
        average = {
            key: _ratio(sum(w * row[key] for w, row in zip(weights, rows)), scale)
            for key in ("precision", "recall", "f1-score")
        }
        average["support"] = total
        report[name] = average
    return report


def _micro(targets: Sequence, predictions: Sequence, chosen: set) -> dict[str, float]:
    true_positive = sum(t == p and t in chosen for t, p in zip(targets, predictions))
    predicted = sum(p in chosen for p in predictions)
    support = sum(t in chosen for t in targets)
    precision, recall = _ratio(true_positive, predicted), _ratio(true_positive, support)
    return {"precision": precision, "recall": recall, "f1-score": f1(precision, recall), "support": support}


def confusion_matrix(targets: Sequence, predictions: Sequence, labels: Sequence) -> list[list[int]]:
    """Rows are true labels, columns predicted labels, both in the order of `labels`."""
    _check_lengths(targets, predictions)
    index = {label: i for i, label in enumerate(labels)}
    matrix = [[0] * len(labels) for _ in labels]
    for target, prediction in zip(targets, predictions):
        if target in index and prediction in index:
            matrix[index[target]][index[prediction]] += 1
    return matrix


def add_confused_with(report: dict, matrix: list[list[int]], labels: Sequence) -> None:
    """Rasa's `confused_with` per label: the labels it was wrongly predicted as, most often first."""
    for row_index, label in enumerate(labels):
        entry = report.get(str(label))
        if not isinstance(entry, dict):
            continue
        counts = Counter({str(labels[col]): n for col, n in enumerate(matrix[row_index]) if n and col != row_index})
        entry["confused_with"] = dict(counts.most_common(MAX_CONFUSED_WITH))


def weighted_scores(report: dict) -> tuple[float, float, float]:
    """(precision, F1, accuracy) as Rasa logs them: weighted averages, and accuracy (or micro F1)."""
    weighted = report.get("weighted avg") or {}
    acc = report.get("accuracy")
    if not isinstance(acc, (int, float)):
        acc = (report.get("micro avg") or {}).get("f1-score", 0.0)
    return float(weighted.get("precision", 0.0)), float(weighted.get("f1-score", 0.0)), float(acc)


def mean_std(values: Sequence[float]) -> tuple[float, float]:
    """Mean and population standard deviation (numpy's default, which Rasa prints)."""
    if not values:
        return 0.0, 0.0
    mean = sum(values) / len(values)
    return mean, math.sqrt(sum((v - mean) ** 2 for v in values) / len(values))
