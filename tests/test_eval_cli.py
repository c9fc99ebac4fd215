"""`botcoach test` end to end on the moodbot sample (1.x Markdown test stories)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from core.training_data.stories_yaml import read_stories_yaml
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
