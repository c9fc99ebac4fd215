"""Read -> write -> read is the identity in Markdown and YAML, for every compat file and for
generated stories, and converting between the formats keeps every step (form: prefixes too)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.errors import DataError
from core.training_data.stories_md import STORY_EVENT_NAMES, read_stories_md, write_stories_md
from core.training_data.stories_yaml import load_stories, read_stories_yaml, write_stories_yaml
from core.training_data.story_model import (
    ActionStep,
    ActiveLoopStep,
    CheckpointStep,
    EventStep,
    OrStep,
    SlotStep,
    Story,
    UserStep,
)
from tests.conftest import COMPAT, ISSUE_FORM_STORY
from tests.test_stories_md import markdown_story_files

_STORY_KEYS = re.compile(r"^(stories|rules)\s*:", re.MULTILINE)
MD_FILES = markdown_story_files()
YAML_FILES = [f for f in sorted(COMPAT.rglob("*.yml")) if _STORY_KEYS.search(f.read_text())]


def ids(path: Path) -> str:
    return str(path.relative_to(COMPAT))


@pytest.mark.parametrize("path", MD_FILES, ids=ids)
def test_markdown_file_round_trips(path):
    stories = load_stories(path)
    assert read_stories_md(write_stories_md(stories), "again.md") == stories


@pytest.mark.parametrize("path", YAML_FILES, ids=ids)
def test_yaml_file_round_trips(path):
    stories = load_stories(path)
    assert read_stories_yaml(write_stories_yaml(stories), "again.yml") == stories


@pytest.mark.parametrize("path", MD_FILES, ids=ids)
def test_markdown_to_yaml_to_markdown(path):
    stories = load_stories(path)
    as_yaml = write_stories_yaml(stories)
    assert read_stories_yaml(as_yaml, "converted.yml") == stories
    assert write_stories_md(read_stories_yaml(as_yaml, "converted.yml")) == write_stories_md(stories)


@pytest.mark.parametrize("path", YAML_FILES, ids=ids)
def test_yaml_to_markdown_to_yaml_for_stories(path):
    expressible = [story for story in load_stories(path) if not story.is_rule and _markdown_can_hold(story)]
    as_markdown = write_stories_md(expressible)
    assert read_stories_md(as_markdown, "converted.md") == expressible
    assert read_stories_yaml(write_stories_yaml(read_stories_md(as_markdown, "c.md")), "c.yml") == expressible


def _markdown_can_hold(story: Story) -> bool:
    try:
        write_stories_md([story])
    except DataError:
        return False
    return True


def test_only_e2e_texts_and_or_over_slots_keep_yaml_stories_out_of_markdown():
    refused = [
        (ids(p), s.name) for p in YAML_FILES for s in load_stories(p) if not s.is_rule and not _markdown_can_hold(s)
    ]
    assert refused == [
        ("test-data/data/test_yaml_stories/stories_e2e.yml", "sad path (text to text)"),
        ("test-data/data/test_yaml_stories/stories_e2e.yml", "sad path 2 (mixed)"),
        ("test-data/data/test_yaml_stories/stories_hybrid_e2e.yml", "My hybrid End-to-End story"),
        ("test-data/data/test_yaml_stories/story_with_or_slot_was_set.yml", "simple_story_with_or_slot_was_set"),
    ]


def test_form_story_keeps_every_form_prefix_through_yaml():
    stories = read_stories_md(ISSUE_FORM_STORY, "form.md")
    as_yaml = write_stories_yaml(stories)
    assert as_yaml.count('- intent: "form: inform"') == 2
    assert as_yaml.count('- action: "form: restaurant_form"') == 2
    assert "- active_loop: restaurant_form" in as_yaml and "- active_loop:\n" in as_yaml
    back = write_stories_md(read_stories_yaml(as_yaml, "form.yml"))
    assert back == ISSUE_FORM_STORY
    assert back.count("form: ") == 4


def test_rules_are_yaml_only():
    rules = load_stories(COMPAT / "formbot-3x/data/rules.yml")
    with pytest.raises(DataError, match="a rule has no Markdown form"):
        write_stories_md(rules)


def test_markdown_events_are_left_out_of_yaml_like_rasa():
    story = Story("s", [UserStep("a"), EventStep("form_validation", {"validate": False}), ActionStep("b")])
    assert read_stories_yaml(write_stories_yaml([story]), "s.yml")[0].steps == [UserStep("a"), ActionStep("b")]


# ------------------------------------------------------------------------------- generated stories

NAMES = st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True)
ACTIONS = st.from_regex(r"(utter|action)_[a-z0-9_]{1,8}", fullmatch=True)
SAFE_TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=12).filter(
    lambda t: "<!--" not in t and " OR " not in t
)
STORY_NAMES = (
    st.text(st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")), min_size=1, max_size=20)
    .map(str.strip)
    .filter(lambda t: t and t == t.strip("# \t") and "<!--" not in t)
)  # Rasa strips `#` at both ends
SCALARS = st.one_of(SAFE_TEXT, st.integers(-(10**6), 10**6), st.booleans(), st.none())
VALUES = st.one_of(SCALARS, st.lists(SCALARS, max_size=3), st.dictionaries(NAMES, SCALARS, max_size=2))
WORDS = st.from_regex(r"[A-Za-zéß]{1,6}", fullmatch=True)


@st.composite
def e2e_texts(draw) -> tuple[str, list[dict]]:
    """A user text and the entities placed on some of its words."""
    words = draw(st.lists(st.tuples(WORDS, st.one_of(st.none(), NAMES)), min_size=1, max_size=5))
    text, entities = "", []
    for word, entity in words:
        text += " " if text else ""
        if entity:
            entities.append({"start": len(text), "end": len(text) + len(word), "value": word, "entity": entity})
        text += word
    return text, entities


@st.composite
def markdown_user_steps(draw) -> UserStep:
    if draw(st.booleans()):
        text, entities = draw(e2e_texts())
        return UserStep(draw(NAMES), entities, text, form=draw(st.booleans()))
    grouped = draw(st.dictionaries(NAMES, st.one_of(SCALARS, st.lists(SCALARS, min_size=2, max_size=3)), max_size=3))
    entities = []
    for name, values in grouped.items():
        for value in values if isinstance(values, list) else [values]:
            entities.append({"entity": name} if value is None else {"entity": name, "value": value})
    return UserStep(draw(NAMES), entities, form=draw(st.booleans()))


def common_steps(user_steps):
    return st.one_of(
        user_steps,
        st.builds(ActionStep, ACTIONS, form=st.booleans()),
        st.builds(SlotStep, st.dictionaries(NAMES, VALUES, max_size=3)),
        st.builds(ActiveLoopStep, st.one_of(st.none(), NAMES)),
        st.builds(CheckpointStep, NAMES, st.dictionaries(NAMES, VALUES, max_size=2)),
        st.builds(OrStep, st.lists(user_steps, min_size=2, max_size=3)),
    )


MARKDOWN_STEPS = st.one_of(
    common_steps(markdown_user_steps()),
    st.builds(EventStep, st.sampled_from(sorted(STORY_EVENT_NAMES)), st.dictionaries(NAMES, VALUES, max_size=2)),
)
MARKDOWN_STORIES = st.lists(st.builds(Story, STORY_NAMES, st.lists(MARKDOWN_STEPS, max_size=8)), max_size=4)


@settings(max_examples=200, deadline=None)
@given(MARKDOWN_STORIES)
def test_generated_markdown_round_trips(stories):
    assert read_stories_md(write_stories_md(stories), "gen.md") == stories


@st.composite
def yaml_entities(draw) -> dict:
    # `role` and `group` beside a name are the entity's role and group: no entity can bear those names
    entity = {
        "entity": draw(
            st.one_of(NAMES.filter(lambda n: n not in ("role", "group")), st.sampled_from(["entity", "value"]))
        )
    }
    if draw(st.booleans()):
        entity["value"] = draw(st.one_of(SAFE_TEXT, st.integers(), st.booleans(), st.just("")))
    for key in ("role", "group"):
        if draw(st.booleans()):
            entity[key] = draw(SAFE_TEXT)
    return entity


@st.composite
def yaml_user_steps(draw) -> UserStep:
    form = draw(st.booleans())
    if draw(st.booleans()):
        text, entities = draw(e2e_texts())
        intent = draw(st.one_of(st.none(), NAMES))
        return UserStep(intent, entities, text, form=form and intent is not None)
    return UserStep(draw(NAMES), draw(st.lists(yaml_entities(), max_size=3)), form=form)


@st.composite
def by_name_slot_steps(draw) -> SlotStep:
    named = draw(st.dictionaries(NAMES, st.one_of(st.just(None), VALUES), max_size=3))
    by_name = [name for name, value in named.items() if value is None and draw(st.booleans())]
    return SlotStep(named, by_name)


YAML_STEPS = st.one_of(
    common_steps(yaml_user_steps()),
    by_name_slot_steps(),
    st.builds(ActionStep, bot_text=st.text(st.characters(blacklist_categories=("Cs",)), max_size=15)),
    st.builds(
        OrStep,
        st.lists(st.builds(SlotStep, st.dictionaries(NAMES, VALUES, min_size=1, max_size=2)), min_size=2, max_size=3),
    ),
)
ANY_NAMES = st.text(st.characters(blacklist_categories=("Cs",)), max_size=20)
YAML_STORIES = st.builds(
    Story, ANY_NAMES, st.lists(YAML_STEPS, max_size=8), metadata=st.dictionaries(NAMES, VALUES, max_size=2)
)
YAML_RULES = st.builds(
    Story,
    ANY_NAMES,
    st.lists(YAML_STEPS, max_size=5),
    kind=st.just("rule"),
    condition=st.lists(
        st.one_of(st.builds(ActiveLoopStep, st.one_of(st.none(), NAMES)), by_name_slot_steps()), max_size=2
    ),
    conversation_start=st.booleans(),
    wait_for_user_input=st.booleans(),
    metadata=st.dictionaries(NAMES, VALUES, max_size=2),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(YAML_STORIES, max_size=3), st.lists(YAML_RULES, max_size=3))
def test_generated_yaml_round_trips(stories, rules):
    written = write_stories_yaml(stories + rules)
    assert read_stories_yaml(written, "gen.yml") == stories + rules


@settings(max_examples=150, deadline=None)
@given(MARKDOWN_STORIES.map(lambda stories: [s for s in stories if not any(isinstance(x, EventStep) for x in s.steps)]))
def test_generated_stories_convert_both_ways(stories):
    via_yaml = read_stories_yaml(write_stories_yaml(stories), "gen.yml")
    assert via_yaml == stories
    assert read_stories_md(write_stories_md(via_yaml), "gen.md") == stories


@settings(max_examples=200, deadline=None)
@given(st.lists(YAML_STORIES, max_size=3))
def test_markdown_writer_either_refuses_or_keeps_the_story(stories):
    try:
        written = write_stories_md(stories)
    except DataError as error:
        assert "cannot be written as Markdown" in str(error)
    else:
        assert read_stories_md(written, "gen.md") == stories
