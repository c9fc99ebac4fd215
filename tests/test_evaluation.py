"""Evaluation: metrics by hand, the PNG writer, folds, and the reports of a trained sample bot."""

from __future__ import annotations

import json
import struct
import zlib

import pytest

from core.evaluation import failed_stories, nlu_eval
from core.evaluation.core_eval import evaluate_stories, load_test_stories
from core.evaluation.cross_validation import cross_validate, stratified_folds
from core.evaluation.entity_eval import EntityResult, entity_report, span_pairs
from core.evaluation.metrics import (
    add_confused_with,
    classification_report,
    confusion_matrix,
    mean_std,
)
from core.evaluation.nlu_eval import IntentResult, NLUEvaluation, intent_report
from core.evaluation.png import encode_png, heatmap_png, png_size
from core.training import TrainingObserver, load_project, train_core, train_nlu, with_epochs
from core.training_data.nlu_model import Example
from core.training_data.stories_yaml import read_stories_yaml
from tests.conftest import SAMPLES

# ---- metrics ------------------------------------------------------------------------------------

TARGETS = ["a", "a", "b", "c"]
PREDICTIONS = ["a", "b", "b", "a"]


def test_classification_report_by_hand():
    report = classification_report(TARGETS, PREDICTIONS)
    assert report["a"] == {"precision": 0.5, "recall": 0.5, "f1-score": 0.5, "support": 2}
    assert report["b"]["precision"] == 0.5 and report["b"]["recall"] == 1.0
    assert report["b"]["f1-score"] == pytest.approx(2 / 3)
    assert report["c"] == {"precision": 0.0, "recall": 0.0, "f1-score": 0.0, "support": 1}
    assert report["accuracy"] == 0.5
    assert report["macro avg"]["precision"] == pytest.approx(1 / 3)
    assert report["weighted avg"]["precision"] == pytest.approx((0.5 * 2 + 0.5 * 1) / 4)
    assert report["weighted avg"]["support"] == 4


def test_restricted_labels_give_micro_avg_instead_of_accuracy():
    report = classification_report(TARGETS, PREDICTIONS, labels=["a", "b"])
    assert "accuracy" not in report and "c" not in report
    assert report["micro avg"]["precision"] == 0.5  # 2 right of 4 predicted a or b
    assert report["micro avg"]["recall"] == pytest.approx(2 / 3)  # 2 right of 3 true a or b


def test_confusion_matrix_and_confused_with():
    labels = ["a", "b", "c"]
    matrix = confusion_matrix(TARGETS, PREDICTIONS, labels)
    assert matrix == [[1, 1, 0], [0, 1, 0], [1, 0, 0]]
    report = classification_report(TARGETS, PREDICTIONS)
    add_confused_with(report, matrix, labels)
    assert report["a"]["confused_with"] == {"b": 1}
    assert report["b"]["confused_with"] == {}
    assert report["c"]["confused_with"] == {"a": 1}


def test_mean_std_is_population_std():
    assert mean_std([1.0, 3.0]) == (2.0, 1.0)
    assert mean_std([]) == (0.0, 0.0)


def test_entity_spans_must_match_exactly():
    gold = [{"start": 0, "end": 4, "entity": "city"}, {"start": 8, "end": 12, "entity": "date"}]
    predicted = [{"start": 0, "end": 4, "entity": "city"}, {"start": 8, "end": 11, "entity": "date"}]
    result = EntityResult("Rome on 5 May", gold, predicted)
    assert not result.is_correct
    # spans in order: (0, 4) both, (8, 11) predicted only, (8, 12) gold only
    assert span_pairs(result) == (["city", "no_entity", "date"], ["city", "date", "no_entity"])
    report = entity_report([result])
    assert report["city"]["f1-score"] == 1.0
    assert report["date"]["precision"] == 0.0 and report["date"]["support"] == 1
    assert "micro avg" in report and "no_entity" not in report


# ---- PNG ----------------------------------------------------------------------------------------


def test_png_is_valid():
    rows = [[(255, 0, 0), (0, 255, 0), (0, 0, 255)], [(1, 2, 3), (4, 5, 6), (7, 8, 9)]]
    data = encode_png(rows)
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert png_size(data) == (3, 2)
    offset, chunks = 8, {}
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        kind, body = data[offset + 4 : offset + 8], data[offset + 8 : offset + 8 + length]
        (crc,) = struct.unpack(">I", data[offset + 8 + length : offset + 12 + length])
        assert crc == zlib.crc32(kind + body) & 0xFFFFFFFF
        chunks[kind] = body
        offset += 12 + length
    assert list(chunks) == [b"IHDR", b"IDAT", b"IEND"]
    raw = zlib.decompress(chunks[b"IDAT"])
    assert raw == b"\x00" + bytes([255, 0, 0, 0, 255, 0, 0, 0, 255]) + b"\x00" + bytes(range(1, 10))


def test_heatmap_size_follows_the_matrix():
    width, height = png_size(heatmap_png([[3, 1], [0, 2]]))
    assert width == height == 2 * 40 + 1


# ---- folds --------------------------------------------------------------------------------------


def test_stratified_folds_split_every_intent():
    examples = [Example(f"a{i}", "a") for i in range(6)] + [Example(f"b{i}", "b") for i in range(4)]
    folds = stratified_folds(examples, 2)
    assert sorted(i for fold in folds for i in fold) == list(range(10))
    for fold in folds:
        assert sum(examples[i].intent == "a" for i in fold) == 3
        assert sum(examples[i].intent == "b" for i in fold) == 2


def test_cross_validation_on_a_small_set():
    project = load_project(SAMPLES / "moodbot" / "config.yml", None, [SAMPLES / "moodbot" / "data"], "nlu")
    config = with_epochs(project.config, nlu_epochs=8)
    seen = []
    result = cross_validate(project.data.nlu, config, 2, on_fold=lambda n, total: seen.append((n, total)))
    assert seen == [(1, 2), (2, 2)]
    summary = result.as_dict()["intent_evaluation"]
    assert set(summary) == {"train", "test"}
    assert set(summary["test"]) == {"Accuracy", "F1-score", "Precision"}
    assert len(result.intent_test.values["Accuracy"]) == 2
    assert 0.0 <= summary["test"]["Accuracy"][0] <= 1.0
    total = len(project.data.nlu.examples)
    assert result.evaluation.intent_report["weighted avg"]["support"] == total  # every example held out once


# ---- out-of-scope messages and the weakest intents -------------------------------------------------


def _results(pairs: list[tuple[str, str]]) -> NLUEvaluation:
    results = [IntentResult(f"message {i}", target, prediction, 0.5) for i, (target, prediction) in enumerate(pairs)]
    return NLUEvaluation(results, [], intent_report(results))


def test_out_of_scope_recall_and_precision_count_a_fallback_as_out_of_scope():
    evaluation = _results(
        [
            ("nlu_fallback", "nlu_fallback"),  # caught by the FallbackClassifier
            ("nlu_fallback", "greet"),  # missed: answered with confidence
            ("nlu_fallback", "nlu_fallback"),
            ("greet", "nlu_fallback"),  # an in-scope message wrongly given up on
            ("greet", "greet"),
        ]
    )
    scores = evaluation.out_of_scope()
    assert (scores.support, scores.caught, scores.answered) == (3, 2, 3)
    assert scores.recall == pytest.approx(2 / 3) and scores.precision == pytest.approx(2 / 3)
    assert evaluation.out_of_scope("out_of_scope") is None  # no test example of that intent


def test_a_bots_own_out_of_scope_intent_and_the_fallback_both_catch_out_of_scope_messages():
    evaluation = _results(
        [
            ("out_of_scope", "out_of_scope"),
            ("out_of_scope", "nlu_fallback"),
            ("out_of_scope", "affirm"),
            ("affirm", "affirm"),
        ]
    )
    scores = evaluation.out_of_scope("out_of_scope")
    assert (scores.recall, scores.precision, scores.answered) == (pytest.approx(2 / 3), 1.0, 2)


def test_the_intent_report_lists_the_lowest_recall_first_and_the_averages_last():
    evaluation = _results(
        [("greet", "greet"), ("greet", "greet"), ("deny", "affirm"), ("deny", "deny"), ("affirm", "affirm")]
        + [("bye", "greet"), ("bye", "greet"), ("bye", "bye")]
    )
    names = list(evaluation.intent_report)
    # recall 1/3, 1/2, then the perfect ones by name
    assert names == ["bye", "deny", "affirm", "greet", "accuracy", "macro avg", "weighted avg"]
    assert [name for name, _ in evaluation.lowest_recall(2)] == ["bye", "deny"]
    assert evaluation.intent_report["bye"]["confused_with"] == {"greet": 2}


def test_an_intent_only_ever_predicted_comes_after_the_tested_ones():
    evaluation = _results([("greet", "nlu_fallback"), ("affirm", "affirm")])
    assert list(evaluation.intent_report)[:3] == ["greet", "affirm", "nlu_fallback"]
    assert [name for name, _ in evaluation.lowest_recall(5)] == ["greet", "affirm"]


# ---- a trained sample bot -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def formbot():
    folder = SAMPLES / "formbot"
    project = load_project(folder / "config.yml", folder / "domain.yml", [folder / "data"])
    project.config = with_epochs(project.config, nlu_epochs=25, ted_epochs=5)
    return project, train_nlu(project, TrainingObserver()), train_core(project, TrainingObserver())


def test_nlu_evaluation_writes_rasa_reports(formbot, tmp_path):
    project, interpreter, _ = formbot
    evaluation = nlu_eval.evaluate(interpreter, project.data.nlu.examples)
    written = nlu_eval.write(evaluation, tmp_path, nlu_eval.extractor_names(project.config))
    names = {path.name for path in written}
    assert {
        "intent_report.json",
        "intent_errors.json",
        "intent_successes.json",
        "intent_confusion_matrix.txt",
        "intent_confusion_matrix.png",
        "intent_confusion_matrix.svg",
        "botcoach_entity_report.json",
        "botcoach_entity_errors.json",
        "DIETClassifier_report.json",
        "DIETClassifier_errors.json",
    } <= names
    report = json.loads((tmp_path / "intent_report.json").read_text())
    assert {"accuracy", "macro avg", "weighted avg"} <= set(report)
    for intent in project.data.nlu.intents:
        assert set(report[intent]) == {"precision", "recall", "f1-score", "support", "confused_with"}
    assert report["weighted avg"]["support"] == len(project.data.nlu.examples)
    successes = json.loads((tmp_path / "intent_successes.json").read_text())
    errors = json.loads((tmp_path / "intent_errors.json").read_text())
    assert len(successes) + len(errors) == len(project.data.nlu.examples)
    assert set(successes[0]) == {"text", "intent", "intent_prediction"}
    entities = json.loads((tmp_path / "DIETClassifier_report.json").read_text())
    assert "cuisine" in entities and "micro avg" in entities
    assert entities == json.loads((tmp_path / "botcoach_entity_report.json").read_text())
    assert png_size((tmp_path / "intent_confusion_matrix.png").read_bytes())[0] > 0


WRONG_STORY = """\
version: "3.1"
stories:
- story: greeting answered with the wrong action
  steps:
  - user: |
      hello there
    intent: greet
  - action: utter_noworries
"""


def test_story_evaluation_reports_and_failed_stories(formbot, tmp_path):
    project, interpreter, ensemble = formbot
    tests = tmp_path / "tests"
    tests.mkdir()
    (tests / "test_wrong.yml").write_text(WRONG_STORY)
    stories = load_test_stories([SAMPLES / "formbot" / "tests", tests])
    evaluation = evaluate_stories(stories, project.domain, ensemble, interpreter)
    out = tmp_path / "results"
    names = {path.name for path in failed_stories.write(evaluation, out)}
    assert {"story_report.json", "failed_test_stories.yml", "story_confusion_matrix.png"} <= names

    report = json.loads((out / "story_report.json").read_text())
    assert report["conversation_accuracy"]["total"] == len(evaluation.stories)
    assert "utter_greet" in report and "accuracy" in report and "weighted avg" in report
    wrong = [s for s in evaluation.failed if s.name == "greeting answered with the wrong action"]
    assert wrong and any(a.target == "utter_noworries" and not a.is_correct for a in wrong[0].actions)

    text = (out / "failed_test_stories.yml").read_text()
    assert "- action: utter_noworries  # predicted: " in text
    reread = read_stories_yaml(text, out / "failed_test_stories.yml")
    names = [story.name for story in reread]
    assert any(name.startswith("greeting answered with the wrong action (") for name in names)
    assert len(reread) == len(evaluation.failed)


def test_no_failures_write_rasas_note(formbot, tmp_path):
    project, interpreter, ensemble = formbot
    stories = read_stories_yaml(WRONG_STORY.replace("utter_noworries", "utter_greet"), "test_ok.yml")
    evaluation = evaluate_stories(stories, project.domain, ensemble, None)  # core only: no intent check
    failed_stories.write(evaluation, tmp_path)
    assert evaluation.action_accuracy == 1.0
    assert (tmp_path / "failed_test_stories.yml").read_text() == failed_stories.NONE_FAILED
