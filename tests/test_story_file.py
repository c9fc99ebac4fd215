"""Stories written into a YAML file by editing its text: the person's lines all stay."""

from pathlib import Path

import pytest

from core.errors import ExportError
from core.interactive.story_file import with_stories
from core.training_data.stories_yaml import read_stories_yaml
from core.training_data.story_model import ActionStep, Story, UserStep
from tests.conftest import COMPAT

NEW = {"taught in the app": Story("taught in the app", [UserStep("greet"), ActionStep("utter_greet")])}

COMMENTED = """version: "3.1"

# my stories
stories:
- story: hello   # the first one
  steps:
  - intent: greet
  - action: utter_greet

# rules come after the stories
rules:
- rule: bye
  steps:
  - intent: goodbye
  - action: utter_goodbye
"""


def _keeps_every_line(before: str, after: str) -> None:
    remaining = iter(after.splitlines())
    for line in before.splitlines():
        assert any(candidate == line for candidate in remaining), line


def test_commented_file_with_rules_after_stories():
    text = with_stories(COMMENTED, Path("stories.yml"), NEW)
    _keeps_every_line(COMMENTED, text)
    stories = read_stories_yaml(text)
    assert [s.name for s in stories] == ["hello", "taught in the app", "bye"]
    assert "- story: taught in the app" in text.splitlines()  # the file's own indentation


def test_every_compat_story_file_keeps_its_lines():
    for path in [
        COMPAT / "formbot-3x" / "data" / "stories.yml",
        COMPAT / "concertbot-3x" / "data" / "stories.yml",
        COMPAT / "initial-project-3x" / "data" / "stories.yml",
    ]:
        before = path.read_text()
        text = with_stories(before, path, NEW)
        _keeps_every_line(before, text)
        assert read_stories_yaml(text)[-1].name == "taught in the app"


def test_file_without_stories_gets_a_section():
    rules_only = 'version: "3.1"\nrules:\n- rule: bye\n  steps:\n  - intent: goodbye\n  - action: utter_goodbye\n'
    text = with_stories(rules_only, Path("rules.yml"), NEW)
    _keeps_every_line(rules_only, text)
    assert [s.name for s in read_stories_yaml(text)] == ["taught in the app", "bye"]


def test_a_stories_key_that_is_not_a_list_is_refused():
    with pytest.raises(ExportError, match=r"\(line 2\) is not a list of stories"):
        with_stories('version: "3.1"\nstories: none yet\n', Path("stories.yml"), NEW)
