"""`botcoach test` end to end on the moodbot sample (1.x Markdown test stories)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from core.training_data.stories_yaml import read_stories_yaml
from tests.conftest import SHARED
from tui.cli import main

MOODBOT = Path(__file__).resolve().parents[1] / "sample_data" / "moodbot"


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    """A copy of moodbot with few epochs, trained once."""
    folder = tmp_path_factory.mktemp("moodbot")
    for name in ("data", "tests"):
        shutil.copytree(MOODBOT / name, folder / name)
    shutil.copy(MOODBOT / "domain.yml", folder / "domain.yml")
    (folder / "config.yml").write_text((MOODBOT / "config.yml").read_text().replace("epochs: 100", "epochs: 10"))
    assert (
        main(
            [
                "train",
                "--quiet",
                "-c",
                str(folder / "config.yml"),
                "-d",
                str(folder / "domain.yml"),
                "--data",
                str(folder / "data"),
                "--out",
                str(folder / "models"),
            ]
        )
        == 0
    )
    return folder


def test_cli_test_writes_results(project, capsys):
    out = project / "results"
    code = main(
        [
            "test",
            "--model",
            str(project / "models"),
            "--stories",
            str(project / "tests"),
            "--nlu",
            str(project / "data"),
            "--out",
            str(out),
            "-c",
            str(project / "config.yml"),
        ]
    )
    assert code == 0  # failed stories are results, not errors
    printed = capsys.readouterr().out
    assert "conversations" in printed and "actions" in printed and "intents" in printed
    for name in (
        "story_report.json",
        "failed_test_stories.yml",
        "story_confusion_matrix.png",
        "intent_report.json",
        "intent_errors.json",
        "intent_successes.json",
        "intent_confusion_matrix.png",
        "intent_confusion_matrix.txt",
    ):
        assert (out / name).is_file(), name
    report = json.loads((out / "story_report.json").read_text())
    assert report["conversation_accuracy"]["total"] == 5  # the five stories of tests/test_stories.md
    assert "utter_greet" in report
    failed = (out / "failed_test_stories.yml").read_text()
    if report["conversation_accuracy"]["correct"] < 5:
        assert len(read_stories_yaml(failed)) == 5 - report["conversation_accuracy"]["correct"]
    else:
        assert failed.startswith("# None of the test stories failed")


def test_cli_test_core_only(project):
    out = project / "core-results"
    assert (
        main(
            ["test", "core", "--model", str(project / "models"), "--stories", str(project / "tests"), "--out", str(out)]
        )
        == 0
    )
    assert (out / "story_report.json").is_file()
    assert not (out / "intent_report.json").exists()


def test_cli_missing_stories_is_an_error(project, capsys):
    code = main(
        [
            "test",
            "core",
            "--model",
            str(project / "models"),
            "--stories",
            str(project / "nowhere"),
            "--out",
            str(project / "r2"),
        ]
    )
    assert code == 1
    assert "nowhere" in capsys.readouterr().err


def _out_of_scope_texts(count: int) -> list[str]:
    """Real out-of-scope queries: CLINC150's (questions no task bot of this kind handles)."""
    with open(SHARED / "bench-data" / "clinc150" / "data_imbalanced.json", encoding="utf-8") as handle:
        return [text for text, _ in json.load(handle)["oos_test"][:count]]


@pytest.fixture(scope="module")
def with_fallback(tmp_path_factory) -> Path:
    """moodbot with a FallbackClassifier, trained once."""
    folder = tmp_path_factory.mktemp("moodbot-fallback")
    shutil.copytree(MOODBOT / "data", folder / "data")
    config = (MOODBOT / "config.yml").read_text().replace("epochs: 100", "epochs: 10")
    config = config.replace("\npolicies:", "  - name: FallbackClassifier\n    threshold: 0.6\n\npolicies:")
    (folder / "config.yml").write_text(config)
    command = ["train", "nlu", "--quiet", "-c", str(folder / "config.yml"), "--nlu", str(folder / "data")]
    assert main([*command, "--out", str(folder / "models")]) == 0
    return folder


def _test_file(folder: Path, out_of_scope_intent: str, oos: list[str]) -> Path:
    lines = ["version: '3.1'", "nlu:", f"- intent: {out_of_scope_intent}", "  examples: |"]
    lines += [f"    - {text}" for text in oos]
    lines += ["- intent: greet", "  examples: |", "    - hello there", "    - good morning", "    - hey"]
    path = folder / f"{out_of_scope_intent}_test.yml"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_test_nlu_reports_out_of_scope_recall_and_precision_and_the_weakest_intents(project, capsys):
    tests = _test_file(project, "out_of_scope", _out_of_scope_texts(20))
    out = project / "oos-results"
    args = ["test", "nlu", "--model", str(project / "models"), "--nlu", str(tests), "--out", str(out)]
    assert main([*args, "--out-of-scope-intent", "out_of_scope"]) == 0
    printed = capsys.readouterr().out
    report = json.loads((out / "intent_report.json").read_text())
    assert next(iter(report)) == "out_of_scope"  # recall 0: moodbot has no such intent and no fallback
    assert "Intents with the lowest recall" in printed and "out_of_scope" in printed
    assert "Out of scope (out_of_scope): recall 0.0% (0 of 20 caught)" in printed
    assert main(args) == 0  # the default name, nlu_fallback: no test example has it, nothing to report
    assert "Out of scope" not in capsys.readouterr().out


def test_the_fallback_classifier_catches_out_of_scope_messages_labelled_nlu_fallback(with_fallback, capsys):
    tests = _test_file(with_fallback, "nlu_fallback", _out_of_scope_texts(20))
    out = with_fallback / "results"
    assert main(["test", "nlu", "--model", str(with_fallback / "models"), "--nlu", str(tests), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    line = next(line for line in printed.splitlines() if line.startswith("Out of scope (nlu_fallback)"))
    caught = int(line.split("(")[2].split(" of ")[0])
    assert " of 20 caught" in line and caught > 10  # moodbot knows nothing of stock prices or flights
    errors = json.loads((out / "intent_errors.json").read_text())
    assert sum(e["intent"] == "nlu_fallback" for e in errors) == 20 - caught
