"""Rasa 2.x/3.x YAML stories and rules: the real compat files load with the right content, bad
input is a DataError naming file and line, and no YAML whatever makes the reader raise anything else."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from core.errors import DataError
from core.training_data.stories_yaml import load_stories, read_stories_yaml, write_stories_yaml
from core.training_data.story_model import (
    ActionStep,
    ActiveLoopStep,
    CheckpointStep,
    OrStep,
    SlotStep,
    Story,
    UserStep,
)
from tests.conftest import COMPAT

_STORY_KEYS = re.compile(r"^(stories|rules)\s*:", re.MULTILINE)


def yaml_story_files() -> list[Path]:
    return [f for f in sorted(COMPAT.rglob("*.yml")) if _STORY_KEYS.search(f.read_text())]


def load(relative: str) -> list[Story]:
    return load_stories(COMPAT / relative)


def by_name(stories: list[Story], name: str) -> Story:
    return next(story for story in stories if story.name == name)


def test_every_yaml_story_file_is_found():
    found = {str(f.relative_to(COMPAT)) for f in yaml_story_files()}
    assert len(found) == 18
    assert {
        "formbot-3x/tests/test_stories.yml",
        "initial-project-3x/tests/test_stories.yml",
        "test-data/data/test_yaml_stories/rules_without_stories.yml",
    } <= found


@pytest.mark.parametrize("path", yaml_story_files(), ids=lambda p: str(p.relative_to(COMPAT)))
def test_compat_yaml_file_loads_with_locations(path):
    stories = load_stories(path)
    assert stories and all(story.steps for story in stories)
    for story in stories:
        assert story.location.file == path
        assert all(step.location.line > story.location.line for step in story.steps)


def test_nlu_and_domain_files_hold_no_stories():
    assert load("moodbot-3x/data/nlu.yml") == []
    assert read_stories_yaml("version: '3.1'\nnlu:\n- intent: a\n  examples: |\n    - hi\n", "n.yml") == []
    assert read_stories_yaml("", "empty.yml") == []


def test_rules_with_conditions_start_and_wait_flags():
    rules = load("test-data/data/test_yaml_stories/rules_without_stories.yml")
    assert all(rule.is_rule for rule in rules)
    condition = by_name(rules, "Rule with condition")
    assert condition.condition == [ActiveLoopStep("loop_q_form"), SlotStep({"requested_slot": "some_slot"})]
    assert condition.steps[0] == UserStep("inform", [{"entity": "some_slot", "value": "bla"}])
    assert by_name(rules, "Rule which only applies to conversation start").conversation_start
    assert not by_name(rules, "Rule after which another action should be predicted").wait_for_user_input
    assert by_name(rules, "Rule which explicitly waits for user input when finished").wait_for_user_input
    assert by_name(rules, "Rule without condition").steps[-1] == ActiveLoopStep("loop_q_form")


def test_or_with_entities_and_or_with_slots():
    story = load("test-data/data/test_yaml_stories/story_with_or_and_entities.yml")[0]
    assert story.steps[0] == OrStep([UserStep("greet"), UserStep("greet", [{"entity": "name", "value": "peter"}])])
    slots = load("test-data/data/test_yaml_stories/story_with_or_slot_was_set.yml")[0]
    assert slots.steps[2:] == [
        OrStep([SlotStep({"name": "peter"}), SlotStep({"name": "bob"})]),
        CheckpointStep("check_greet"),
    ]
    after_or = load("test-data/data/test_yaml_stories/stories_checkpoint_after_or.yml")[0]
    assert [type(s) for s in after_or.steps] == [OrStep, CheckpointStep]


def test_form_prefixes_set_the_form_flag():
    story = by_name(load("test-data/data/test_yaml_stories/stories_form.yml"), "simple_story_with_form_happy")
    assert story.steps[5:8] == [UserStep("inform", form=True), ActionStep("some_form", form=True), ActiveLoopStep(None)]
    assert 'intent: "form: inform"' in write_stories_yaml([story])
    assert 'action: "form: some_form"' in write_stories_yaml([story])


def test_slot_types_and_concertbot_values():
    story = load("test-data/data/test_yaml_stories/story_slot_different_types.yml")[0]
    assert story.steps[-1] == SlotStep({"list_slot": ["value1", "value2"], "bool_slot": True, "text_slot": "some_text"})
    values = [
        step.slots for s in load("concertbot-3x/data/stories.yml") for step in s.steps if isinstance(step, SlotStep)
    ]
    assert any(isinstance(v.get("venues"), list) and isinstance(v["venues"][0], dict) for v in values)


def test_end_to_end_and_test_stories():
    e2e = load("test-data/data/test_yaml_stories/stories_e2e.yml")
    text_to_text = by_name(e2e, "sad path (text to text)")
    assert text_to_text.steps[0] == UserStep(None, [{"start": 0, "end": 5, "value": "Hello", "entity": "bla"}], "Hello")
    assert text_to_text.steps[1] == ActionStep(bot_text="Welcome to moodbot. How are you feeling today?")
    tests = load("formbot-3x/tests/test_stories.yml")
    assert tests[1].steps[5] == UserStep(
        "inform", [{"start": 0, "end": 6, "value": "afghan", "entity": "cuisine"}], "afghan food"
    )
    assert tests[0].steps[0] == UserStep("greet", text="hi")  # the block scalar's newline is gone


def test_entity_forms():
    text = """stories:
- story: e
  steps:
  - intent: a
    entities:
    - city
    - city: Berlin
      role: from
      group: g
    - value: 3
    - {entity: town}
    - entity: date ranges
    - when: {day: 1}
    - gone: null
  - slot_was_set:
    - flag
    - n: 2
  - checkpoint: c
    slot_was_set:
    - x: [1, 2]
  - intent: /b
  - metadata: {ignored: true}
"""
    story = read_stories_yaml(text, "e.yml")[0]
    assert story.steps == [
        UserStep(
            "a",
            [
                {"entity": "city", "value": ""},
                {"entity": "city", "value": "Berlin", "role": "from", "group": "g"},
                {"entity": "value", "value": 3},
                {"entity": "entity", "value": "town"},
                {"entity": "entity", "value": "date ranges"},
                {"entity": "when", "value": {"day": 1}},
                {"entity": "gone"},
            ],
        ),
        SlotStep({"flag": None, "n": 2}, by_name=["flag"]),
        CheckpointStep("c", {"x": [1, 2]}),
        UserStep("b"),
    ]
    assert read_stories_yaml(write_stories_yaml([story]), "again.yml") == [story]


def test_stories_come_before_rules_and_metadata_is_kept():
    text = "rules:\n- rule: r\n  metadata: {a: 1}\n  steps: []\nstories:\n- story: s\n  steps:\n  - action: x\n"
    stories = read_stories_yaml(text, "m.yml")
    assert [(s.name, s.kind) for s in stories] == [("s", "story"), ("r", "rule")]
    assert stories[1].metadata == {"a": 1}
    written = write_stories_yaml(stories)
    assert written.startswith('version: "3.1"\nstories:') and "rules:" in written


@pytest.mark.parametrize(
    "text, line, words",
    [
        ("stories:\n- story: s\n  steps:\n  - intent: a\n  - foo: b\n", 5, "no known key"),
        ("stories:\n- story: s\n", 2, "has no `steps:`"),
        ("stories:\n- story: s\n  steps:\n  - action: a\n  - intent: a\n    entity: x\n", 6, "unknown key `entity`"),
        ("stories:\n- story: s\n  steps:\n  - user: hi\n  -  action\n", 5, "must be a mapping"),
        ("stories:\n- rule: s\n  steps: []\n", 2, "- story: name"),
        ("stories:\n- story: s\n  condition: []\n  steps: []\n", 3, "unknown key `condition`"),
        ("rules:\n- rule: r\n  steps: []\n  conversation_start: maybe\n", 4, "true or false"),
        ("stories: {a: 1}\n", 1, "must be a list"),
        ("stories:\n- story: s\n  steps:\n  - or:\n    - action: a\n", 5, "alternative"),
        ("stories:\n- story: s\n  steps:\n  - slot_was_set: x\n", 4, "must be a list"),
        (
            "stories:\n- story: s\n  steps:\n  - checkpoint: c\n    slot_was_set:\n    - name\n",
            6,
            "cannot read the slot",
        ),
        ("stories:\n- story: s\n  steps:\n  - intent: a\n    entities:\n    - {a: 1, b: 2}\n", 6, "one entity"),
        ("stories:\n- story: s\n  steps:\n  - intent: [a]\n", 4, "must be text"),
        ("stories:\n- story: s\n  steps:\n  - action: ''\n", 4, "no name"),
        ("stories:\n- story: s\n  steps:\n  - user: '[x]{\"value\": 1}'\n", 4, "entity"),
        ("stories:\n- story: s\n  steps:\n  - intent: a\n   - action: b\n", 5, "malformed YAML"),
        ("- story: s\n", 1, "mapping with `stories:`"),
    ],
)
def test_bad_input_names_file_and_line(text, line, words):
    with pytest.raises(DataError) as caught:
        read_stories_yaml(text, "bad/stories.yml")
    message = str(caught.value)
    assert message.startswith(f"bad/stories.yml:{line}"), message
    assert words in message
    assert caught.value.hint


def test_load_stories_rejects_other_extensions(tmp_path):
    path = tmp_path / "stories.txt"
    path.write_text("## s\n* a\n")
    with pytest.raises(DataError, match="not a story file"):
        load_stories(path)
    with pytest.raises(DataError, match="not found"):
        load_stories(tmp_path / "missing.yml")


_KEYS = st.sampled_from(
    [
        "stories",
        "rules",
        "story",
        "rule",
        "steps",
        "intent",
        "user",
        "entities",
        "action",
        "bot",
        "slot_was_set",
        "active_loop",
        "checkpoint",
        "or",
        "condition",
        "conversation_start",
        "wait_for_user_input",
        "metadata",
        "role",
        "group",
        "entity",
        "value",
        "version",
        "nlu",
    ]
)
_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.text(max_size=8),
    _KEYS,
    st.just("form: x"),
    st.just("[a](b)"),
)
_DATA = st.recursive(
    _SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.one_of(_KEYS, st.text(max_size=3)), inner, max_size=4)
    ),
    max_leaves=25,
)
_YAML_FRAGMENTS = st.sampled_from(
    [
        "stories:",
        "rules:",
        "- story: s",
        "  steps:",
        "  - intent: a",
        "    entities:",
        "    - x",
        "  - or:",
        "  - slot_was_set:",
        "&a [*a]",
        "- ",
        "  ",
        ": ",
        "'",
        '"',
        "{",
        "[",
        "|",
        ">",
        "!!python/object:os.system",
        "\t",
        "#",
        "---",
        "...",
        "? a",
        "*b",
        "&b x",
        "<<: *b",
    ]
)


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        _DATA.map(lambda data: yaml.safe_dump(data, allow_unicode=True)),
        st.dictionaries(st.sampled_from(["stories", "rules"]), _DATA).map(yaml.safe_dump),
        st.lists(st.one_of(_YAML_FRAGMENTS, st.text(max_size=4))).map("\n".join),
        st.text(),
    )
)
def test_any_yaml_reads_or_raises_data_error_with_location(text):
    try:
        stories = read_stories_yaml(text, "fuzz.yml")
    except DataError as error:
        assert error.location is not None and error.location.file == "fuzz.yml"
        assert str(error).startswith("fuzz.yml")
    else:
        assert all(isinstance(story, Story) for story in stories)
