"""`botcoach train` end to end on real projects: train -> archive -> load gives the same predictions,
training is reproducible, unchanged parts are reused, and the CLI prints what it did.

Epochs are cut down through `with_epochs` (the config override tests use) to keep this fast.
"""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from core import training
from core.errors import DataError
from core.events import ActionExecuted
from core.model import TrainedModel, load_model
from core.model_archive import read_archive, read_metadata
from core.tracker import DialogueStateTracker
from core.training import Project, load_project, parts_to_train, train, with_epochs
from core.training_data.trackers import training_trackers
from tests.conftest import COMPAT, SAMPLES
from tui.cli import main as cli_main

NLU_EPOCHS, TED_EPOCHS = 2, 3
PROJECTS = [SAMPLES / name for name in ("moodbot", "concertbot", "formbot")] + [
    COMPAT / name
    for name in (
        "moodbot-1x",
        "moodbot-3x",
        "concertbot-1x",
        "concertbot-3x",
        "formbot-1x",
        "formbot-3x",
        "initial-project-3x",
    )
]
UNSEEN = ["hello there my friend", "I want to book something in Berlin tomorrow", "zzz qqq"]


@pytest.fixture(autouse=True)
def few_nlu_steps(monkeypatch: pytest.MonkeyPatch) -> None:
    """The NLU trainer adds epochs until it has taken `min_steps` steps; tests want few."""
    real = training.nlu_model_config
    monkeypatch.setattr(training, "nlu_model_config", lambda nlu: replace(real(nlu), min_steps=0))


def _project(root: Path, subcommand: str | None = None, data: list[Path] | None = None) -> Project:
    project = load_project(root / "config.yml", root / "domain.yml", data or [root / "data"], subcommand)
    project.config = with_epochs(project.config, NLU_EPOCHS, TED_EPOCHS)
    return project


def _messages(project: Project) -> list[str]:
    examples = project.data.nlu.examples
    return [e.text for e in examples[:: max(1, len(examples) // 4)][:4]] + UNSEEN


def _trackers(project: Project, limit: int = 6) -> list[DialogueStateTracker]:
    """Dialogue states from the stories: every story cut before each of its actions."""
    domain = project.domain
    found = []
    for story in training_trackers(project.data.stories, domain, augmentation_factor=0):
        cuts = [i for i, e in enumerate(story.events) if isinstance(e, ActionExecuted) and i > 0]
        for cut in cuts[:3]:
            found.append(DialogueStateTracker(story.name, domain.slot_defaults(), story.events[:cut]))
        if len(found) >= limit:
            break
    return found


def _assert_same_predictions(first: TrainedModel, second: TrainedModel, project: Project) -> None:
    assert first.parts == second.parts
    if first.interpreter is not None:
        for text in _messages(project):
            assert second.interpreter.parse(text) == first.interpreter.parse(text), text
    if first.ensemble is not None:
        trackers = _trackers(project)
        assert trackers
        for tracker in trackers:
            a = first.ensemble.predict(tracker, first.domain)
            b = second.ensemble.predict(tracker, second.domain)
            assert (b.probabilities, b.policy_name) == (a.probabilities, a.policy_name)


@pytest.mark.parametrize("root", PROJECTS, ids=lambda p: p.name)
def test_train_archive_load_predicts_the_same(root: Path, tmp_path: Path) -> None:
    project = _project(root)
    parts = parts_to_train(project, None)
    assert parts == (("core",) if root.name == "concertbot-1x" else ("nlu", "core"))
    result = train(project, parts, tmp_path)
    assert result.trained == list(parts) and not result.reused
    assert result.path.parent == tmp_path and result.path.name.endswith(".tar.gz")
    metadata = read_metadata(result.path)
    assert metadata["parts"] == list(parts)
    assert metadata["fingerprint"]["stories"] and bool(metadata["fingerprint"]["nlu_data"]) == ("nlu" in parts)
    loaded = load_model(tmp_path)  # a folder: its newest archive
    assert loaded.path == result.path
    assert loaded.config.nlu.epochs == NLU_EPOCHS and loaded.config.policies.ted_epochs == TED_EPOCHS
    assert loaded.domain.action_names == project.domain.action_names
    _assert_same_predictions(result.model, loaded, project)


def test_training_is_reproducible(tmp_path: Path) -> None:
    project = _project(COMPAT / "formbot-3x")
    first = train(project, ("nlu", "core"), tmp_path / "a").model
    second = train(project, ("nlu", "core"), tmp_path / "b").model
    _assert_same_predictions(first, second, project)
    assert first.interpreter.parse("I want some chinese food")["intent_ranking"]  # not trivially empty


@pytest.fixture
def concertbot(tmp_path: Path) -> Path:
    root = tmp_path / "concertbot"
    shutil.copytree(SAMPLES / "concertbot", root, ignore=shutil.ignore_patterns("tests", "actions"))
    return root


def test_unchanged_parts_are_reused(concertbot: Path, tmp_path: Path) -> None:
    out = tmp_path / "models"
    first = train(_project(concertbot), ("nlu", "core"), out)
    assert first.trained == ["nlu", "core"]

    again = train(_project(concertbot), ("nlu", "core"), out)
    assert again.reused and again.path == first.path and len(list(out.iterdir())) == 1

    nlu_file = concertbot / "data" / "nlu.yml"
    nlu_file.write_text(nlu_file.read_text().replace("    - hiya\n", "    - hiya\n    - hullo\n"))
    nlu_changed = train(_project(concertbot), ("nlu", "core"), out)
    assert (nlu_changed.trained, nlu_changed.copied) == (["nlu"], ["core"])
    project = _project(concertbot)
    for tracker in _trackers(project):
        assert (
            nlu_changed.model.ensemble.predict(tracker, project.domain).probabilities
            == first.model.ensemble.predict(tracker, project.domain).probabilities
        )

    domain_file = concertbot / "domain.yml"
    text = domain_file.read_text()
    response = text[text.index("responses:") :].split("- text: ", 1)[1].split("\n", 1)[0]
    domain_file.write_text(text.replace(response, '"A brand new greeting text"', 1))
    responses_changed = train(_project(concertbot), ("nlu", "core"), out)
    assert (responses_changed.trained, responses_changed.copied) == ([], ["nlu", "core"])
    assert "A brand new greeting text" in read_archive(responses_changed.path).domain_text

    stories = concertbot / "data" / "stories.yml"
    stories.write_text(stories.read_text() + "\n- story: extra\n  steps:\n  - intent: greet\n  - action: utter_greet\n")
    core_changed = train(_project(concertbot), ("nlu", "core"), out)
    assert (core_changed.trained, core_changed.copied) == (["core"], ["nlu"])

    forced = train(_project(concertbot), ("nlu", "core"), out, force=True)
    assert forced.trained == ["nlu", "core"] and len(list(out.iterdir())) == 5


def test_train_nlu_needs_no_domain(concertbot: Path, tmp_path: Path) -> None:
    (concertbot / "domain.yml").unlink()
    project = _project(concertbot, "nlu")
    assert project.domain is None and parts_to_train(project, "nlu") == ("nlu",)
    result = train(project, ("nlu",), tmp_path, fixed_name="nlu-only")
    assert result.path == tmp_path / "nlu-only.tar.gz"
    contents = read_archive(result.path)
    assert contents.domain_text is None and set(contents.components) == {"nlu"}
    loaded = load_model(result.path)
    assert loaded.parts == ["nlu"] and loaded.domain is None
    _assert_same_predictions(result.model, loaded, project)


def test_missing_data_is_a_clear_error(concertbot: Path) -> None:
    with pytest.raises(DataError, match="no stories or rules"):
        parts_to_train(_project(concertbot, "core", data=[concertbot / "data" / "nlu.yml"]), "core")
    with pytest.raises(DataError, match="no NLU training examples"):
        parts_to_train(_project(concertbot, "nlu", data=[concertbot / "data" / "stories.yml"]), "nlu")
    (concertbot / "domain.yml").unlink()
    with pytest.raises(DataError, match="domain not found"):
        _project(concertbot)


def test_cli_trains_then_reuses(
    concertbot: Path, tmp_path: Path, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = concertbot / "config.yml"
    monkeypatch.setattr("tui.commands.train.load_project", lambda *a, **k: _with_few_epochs(load_project(*a, **k)))
    out = tmp_path / "models"
    argv = [
        "train",
        "-c",
        str(config),
        "-d",
        str(concertbot / "domain.yml"),
        "--data",
        str(concertbot / "data"),
        "--out",
        str(out),
    ]
    assert cli_main(argv) == 0
    printed = capsys.readouterr()
    archive = next(out.glob("*.tar.gz"))
    assert f"Model saved to {archive}" in printed.out and "trained nlu and core in" in printed.out
    assert "NLU" in printed.err and "TEDPolicy" in printed.err and "loss " in printed.err  # the bars
    assert cli_main(argv) == 0
    assert f"Nothing changed. Reusing model {archive}" in capsys.readouterr().out
    nlu_argv = [
        "train",
        "nlu",
        "--quiet",
        "--fixed-model-name",
        "n",
        "-c",
        str(config),
        "-u",
        str(concertbot / "data" / "nlu.yml"),
        "--out",
        str(out),
    ]
    assert cli_main(nlu_argv) == 0
    quiet = capsys.readouterr()
    assert quiet.err == "" and f"Model saved to {out / 'n.tar.gz'}" in quiet.out


def _with_few_epochs(project: Project) -> Project:
    project.config = with_epochs(project.config, NLU_EPOCHS, TED_EPOCHS)
    return project


def test_intents_with_very_few_examples_beside_a_large_one_are_named_in_a_warning() -> None:
    formbot = load_project(None, None, [COMPAT / "formbot-3x" / "data"], "nlu").data.nlu
    warning = training.few_example_intents(formbot)
    assert warning is not None
    assert "beside 'inform' (128 examples)" in warning and "'bot_challenge' (4), 'deny' (8)" in warning
    moodbot = load_project(None, None, [COMPAT / "moodbot-3x" / "data"], "nlu").data.nlu
    assert training.few_example_intents(moodbot) is None  # 2-14 examples each: none dwarfed


def test_cli_train_prints_the_few_examples_warning(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    data = COMPAT / "formbot-3x" / "data" / "nlu.yml"
    assert cli_main(["train", "nlu", "--nlu", str(data), "--out", str(tmp_path)]) == 0
    assert "warning: intents with very few examples beside 'inform'" in capsys.readouterr().err
