"""Stories appended to a YAML file by editing its text: the person's lines all stay."""

from pathlib import Path

from core.training_data.stories_yaml import read_stories_yaml, write_stories_yaml
from core.training_data.story_model import ActionStep, Story, UserStep
from tests.conftest import COMPAT
from tui.export import _append_yaml_stories

NEW = [Story("taught in the app", [UserStep("greet"), ActionStep("utter_greet")])]

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
    text = _append_yaml_stories(COMMENTED, write_stories_yaml(NEW), Path("stories.yml"))
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
        text = _append_yaml_stories(before, write_stories_yaml(NEW), path)
        _keeps_every_line(before, text)
        assert read_stories_yaml(text)[-1].name == "taught in the app"


def test_file_without_stories_gets_a_section():
    rules_only = 'version: "3.1"\nrules:\n- rule: bye\n  steps:\n  - intent: goodbye\n  - action: utter_goodbye\n'
    text = _append_yaml_stories(rules_only, write_stories_yaml(NEW), Path("rules.yml"))
    _keeps_every_line(rules_only, text)
    assert [s.name for s in read_stories_yaml(text)] == ["taught in the app", "bye"]
