"""Rasa's reference assistants (../shared/compat/projects), read unchanged: they validate without
errors, their custom actions load (written for rasa_sdk), and their test stories pass with the
story intents given, as in Rasa 3.6, and helpdesk-assistant's with the NLU reading the user text
too (Rasa 3.6: 12/12). The other NLU-on-text figures and memory are bench.projects's;
a form of each runs end to end in tests/test_e2e_projects_tmux.py.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from core.action_server import load_actions
from core.evaluation.core_eval import evaluate_stories, load_test_stories
from core.training import TrainingObserver, load_project, train_core, train_nlu
from core.validation import validate
from tests.conftest import SHARED

PROJECTS = SHARED / "compat" / "projects"
NAMES = ["financial-demo", "helpdesk-assistant"]


@pytest.fixture(params=NAMES)
def project(request, tmp_path: Path) -> Path:
    folder = tmp_path / request.param
    shutil.copytree(PROJECTS / request.param, folder, ignore=shutil.ignore_patterns("models", "results", "*.db"))
    return folder


def loaded(folder: Path):
    return load_project(folder / "config.yml", folder / "domain.yml", [folder / "data"])


def test_validates_without_errors_and_with_warnings_a_rasa_user_knows(project):
    data = loaded(project)
    assert data.domain is not None
    report = validate(data.domain, data.data, data.config.policies.max_history)
    assert [str(f) for f in report.errors] == []
    kinds = {
        "is not used in any story or rule",
        "has no NLU examples",
        "labelled with several intents",
        "no message matches",
    }
    assert all(any(kind in f.message for kind in kinds) for f in report.warnings), [str(f) for f in report.warnings]
    unknown_intents = [f.message.split("'")[1] for f in report.warnings if "no message matches" in f.message]
    assert len(unknown_intents) == len(set(unknown_intents))  # once per slot, however many forms ask for it
    (skipped,) = data.config.warnings
    assert "DucklingEntityExtractor" in skipped and "skipped" in skipped


def test_its_actions_load_unchanged(project, monkeypatch):
    monkeypatch.chdir(project)  # financial-demo's actions open their sqlite database here
    actions = load_actions("actions")
    assert set(loaded(project).domain.custom_actions) <= set(actions)


def test_its_test_stories_pass_with_the_story_intents(project):
    data = loaded(project)
    ensemble = train_core(data, TrainingObserver())
    evaluation = evaluate_stories(load_test_stories([project / "tests"]), data.domain, ensemble)
    assert evaluation.stories and [s.name for s in evaluation.failed] == []


def test_helpdesk_test_stories_pass_with_the_nlu_reading_the_text(tmp_path: Path):
    """Its FallbackClassifier threshold is 0.7: messages the NLU ranks right must clear it
    ("I'm having issues with my password", "uh no" went to nlu_fallback at 0.6-0.7)."""
    folder = tmp_path / "helpdesk-assistant"
    shutil.copytree(PROJECTS / "helpdesk-assistant", folder, ignore=shutil.ignore_patterns("models", "results", "*.db"))
    data = loaded(folder)
    assert data.config.nlu.fallback_threshold == 0.7
    interpreter = train_nlu(data, TrainingObserver())
    ensemble = train_core(data, TrainingObserver())
    evaluation = evaluate_stories(load_test_stories([folder / "tests"]), data.domain, ensemble, interpreter)
    assert len(evaluation.stories) == 12
    assert [(s.name, s.mistakes) for s in evaluation.failed] == []
    assert all(a.is_correct for a in evaluation.actions)
