"""Rasa 1.x Markdown stories: the real compat files load with the right content, bad input is a
DataError naming file and line, and no text whatever makes the reader raise anything else."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.errors import DataError
from core.training_data.stories_md import read_stories_md, write_stories_md
from core.training_data.stories_yaml import load_stories
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
from tests.conftest import COMPAT

_NLU_SECTION = re.compile(r"^##\s*(intent|synonym|regex|lookup)\s*:", re.MULTILINE)


def markdown_story_files() -> list[Path]:
    files = sorted(COMPAT.rglob("*.md"))
    return [f for f in files if f.name not in ("README.md", "SOURCES.md") and not _NLU_SECTION.search(f.read_text())]


def load(relative: str) -> list[Story]:
    return load_stories(COMPAT / relative)


def by_name(stories: list[Story], name: str) -> Story:
    return next(story for story in stories if story.name == name)


def test_every_markdown_story_file_is_found():
    found = {str(f.relative_to(COMPAT)) for f in markdown_story_files()}
    assert len(found) == 11
    assert "formbot-1x/tests/end-to-end-stories.md" in found
    assert "test-data/data/test_evaluations/end_to_end_story.md" in found


@pytest.mark.parametrize("path", markdown_story_files(), ids=lambda p: str(p.relative_to(COMPAT)))
def test_compat_markdown_file_loads_with_locations(path):
    stories = load_stories(path)
    assert stories and all(story.steps for story in stories)
    for story in stories:
        assert story.location.file == path and story.location.line >= 1
        assert all(step.location.line > story.location.line for step in story.steps)


def test_formbot_stories_keep_form_prefixes_and_comments_vanish():
    stories = load("formbot-1x/data/stories.md")
    story = next(s for s in stories if s.name.startswith("Generated Story"))
    assert "(example from interactive learning" in story.name
    assert UserStep("inform", [{"entity": "cuisine", "value": "mexican"}], form=True) in story.steps
    assert UserStep("affirm", form=True) in story.steps
    assert ActionStep("restaurant_form", form=True) in story.steps
    assert ActionStep("utter_chitchat") in story.steps  # its trailing <!-- --> comment is gone
    assert SlotStep({"outdoor_seating": True}) in story.steps
    assert story.steps[-5:-2] == [
        ActiveLoopStep(None),
        SlotStep({"requested_slot": None}),
        ActionStep("utter_slots_values"),
    ]
    deactivate = by_name(stories, "stop and really stop path")
    assert deactivate.steps[-2:] == [ActionStep("action_deactivate_form"), ActiveLoopStep(None)]


def test_concertbot_slot_values_are_lists_of_objects():
    story = by_name(load("concertbot-1x/data/stories.md"), "venue_search")
    assert story.steps[-1] == SlotStep({"venues": [{"name": "Big Arena", "reviews": 4.5}]})


def test_checkpoints_stand_where_they_are_written():
    stories = load("test-data/data/test_stories/stories.md")
    show = by_name(stories, "show_it_all")
    assert [type(s) for s in show.steps] == [
        CheckpointStep,
        CheckpointStep,
        UserStep,
        ActionStep,
        CheckpointStep,
        UserStep,
        ActionStep,
    ]
    assert show.steps[4] == CheckpointStep("check_intermediate")
    end = by_name(stories, "simple_story_with_only_end")
    assert end.steps[-2:] == [SlotStep({"name": "peter"}), CheckpointStep("check_greet")]
    turns = by_name(stories, "simple_story_with_multiple_turns")
    assert turns.steps[0] == OrStep([UserStep("affirm"), UserStep("thank_you")])


def test_checkpoint_after_or():
    first, second = load("test-data/data/test_stories/stories_checkpoint_after_or.md")
    assert first.steps == [OrStep([UserStep("affirm"), UserStep("thank_you")]), CheckpointStep("check_after_or")]
    assert second.steps[0] == CheckpointStep("check_after_or")


def test_crlf_and_tab_indented_file_with_entities():
    path = COMPAT / "test-data/data/test_stories/stories_unfeaturized_entities.md"
    assert b"\r\n" in path.read_bytes() and b"\t- utter_default" in path.read_bytes()
    story = load_stories(path)[1]
    assert story.steps[-1] == ActionStep("utter_default")
    assert story.steps[2] == UserStep(
        "default",
        [
            {"entity": "name", "value": "Peter"},
            {"entity": "unrelated_recognized_entity", "value": "whatever"},
            {"entity": "other", "value": "foo"},
        ],
    )
    assert story.steps[-1].location.line == 17


def test_multiline_comments_keep_line_numbers():
    stories = load("test-data/data/test_stories/stories_with_multiline_comments.md")
    assert [s.name for s in stories] == ["happy path", "sad path 1", "sad path 2", "say goodbye"]
    assert stories[0].location.line == 5 and stories[-1].location.line == 34


def test_end_to_end_test_stories():
    stories = load("formbot-1x/tests/end-to-end-stories.md")
    assert stories[0].steps[0] == UserStep("greet", text="hi")
    assert (
        UserStep(
            "inform", [{"start": 0, "end": 6, "value": "afghan", "entity": "cuisine"}], text="afghan food", form=True
        )
        in stories[1].steps
    )
    old_form = load("test-data/data/test_evaluations/end_to_end_story.md")
    assert old_form[1].steps[0] == UserStep("greet", text="/greet")


def test_events_lists_and_dicts():
    text = """## events
* inform{"city": ["Berlin", "Paris"], "when": {"day": 1}, "none": null}
    - slot{"a": 1, "b": [true, null]}
    - active_loop{"name": "f"}
    - form_validation{"validate": false}
    - action_execution_rejected{"name": "f"}
    - restart
    - reset_slots
    - action_deactivate_form
    - utter_x{"policy": "p", "confidence": 0.5}
> end{"slot": "v"}
"""
    story = read_stories_md(text, "e.md")[0]
    assert story.steps == [
        UserStep(
            "inform",
            [
                {"entity": "city", "value": "Berlin"},
                {"entity": "city", "value": "Paris"},
                {"entity": "when", "value": {"day": 1}},
                {"entity": "none"},
            ],
        ),
        SlotStep({"a": 1, "b": [True, None]}),
        ActiveLoopStep("f"),
        EventStep("form_validation", {"validate": False}),
        EventStep("action_execution_rejected", {"name": "f"}),
        EventStep("restart"),
        EventStep("reset_slots"),
        ActionStep("action_deactivate_form"),
        ActionStep("utter_x"),
        CheckpointStep("end", {"slot": "v"}),
    ]
    assert read_stories_md(write_stories_md([story]), "again.md") == [story]


def test_writer_layout():
    story = Story(
        "s",
        [
            CheckpointStep("c"),
            UserStep("greet", [{"entity": "n", "value": "x"}], form=True),
            ActionStep("utter_hi"),
            ActionStep("f", form=True),
            ActiveLoopStep(None),
        ],
    )
    assert write_stories_md([story]) == (
        '## s\n> c\n* form: greet{"n": "x"}\n    - utter_hi\n    - form: f\n    - form{"name": null}\n'
    )


@pytest.mark.parametrize(
    "text, line, words",
    [
        ("* greet\n", 1, "before the first story"),
        ("## s\n* greet\nhello there\n", 3, "cannot read this line"),
        ("## s\n* greet{'name': 'x'}\n", 2, "double quotes"),
        ('## s\n* greet\n    - slot{"a": 1\n', 3, "JSON"),
        ("## s\n    - slot[1, 2]\n", 2, "action name"),
        ('## s\n    - slot{}\n    - form{"x": 1}\n', 3, "needs a name"),
        ("## s\n> c{1: 2}\n", 2, "double quotes"),
        ("## s\n* greet\n<!-- open\n\n", 3, "never closed"),
        ("## s\n*\n", 2, "names no intent"),
        ("## s\n* : hi\n", 2, "no intent"),
        ('## s\n* inform: [x]{"value": 1}\n', 2, "entity"),
        ('## s\n    - form: slot{"a": 1}\n', 2, "form:"),
        ("## s\n>\n", 2, "no name"),
        ("## s\n    - ok\n    - [1]\n", 3, "contains `[`"),
        ('## s\n    - x{"a": 1}}\n', 2, "JSON"),
    ],
)
def test_bad_input_names_file_and_line(text, line, words):
    with pytest.raises(DataError) as caught:
        read_stories_md(text, "bad/stories.md")
    message = str(caught.value)
    assert message.startswith(f"bad/stories.md:{line}")
    assert words in message
    assert caught.value.hint


def test_json_error_gives_column_and_hint():
    with pytest.raises(DataError) as caught:
        read_stories_md("## s\n    - slot{name: 1}\n", "s.md")
    assert caught.value.location.line == 2 and caught.value.location.column == 12
    assert "double quotes" in caught.value.hint


@pytest.mark.parametrize(
    "story, words",
    [
        (Story("r", [UserStep("greet")], kind="rule"), "rule"),
        (Story("s", [ActionStep(bot_text="hello")]), "bot text"),
        (Story("s", [UserStep(None, text="hi")]), "without an intent"),
        (Story("s", [UserStep("greet", [{"entity": "a", "value": "x", "role": "r"}])]), "read back"),
        (Story("s", [SlotStep({"a": None}, by_name=["a"])]), "read back"),
        (Story("s", [OrStep([SlotStep({"a": 1}), SlotStep({"a": 2})])]), "OR over slots"),
        (Story("s", [ActionStep("slot")]), "read back"),
        (Story("s", [UserStep("greet", [{"entity": "a", "value": "x OR y"}])]), "read back"),
        (Story("s", [UserStep("greet", text="a\nb")]), "read back"),
        (Story("s\nt", [UserStep("greet")]), "name"),
        (Story("s", [UserStep("greet")], metadata={"a": 1}), "metadata"),
    ],
)
def test_writer_refuses_what_markdown_cannot_say(story, words):
    with pytest.raises(DataError) as caught:
        write_stories_md([story])
    assert words in str(caught.value)


_FRAGMENTS = st.sampled_from(
    [
        "## story",
        "# s",
        "* greet",
        "* a OR b",
        "* form: inform",
        "* greet: hi [x](y)",
        "* greet{",
        '* greet{"a": [1, {"b": null}]}',
        "- utter_x",
        "    - form: f",
        '- slot{"a": 1}',
        "- slot{",
        '- form{"name": null}',
        "- form",
        '- active_loop{"name": 3}',
        "- restart",
        "> c",
        '> c{"a": 1}',
        "<!--",
        "-->",
        "<!-- x -->",
        "\t",
        "\r\n",
        "*",
        "-",
        ">",
        "##",
        "[",
        "]",
        "(",
        ")",
        ":",
        " OR ",
        '{"entity": "a"}',
        '[t]{"entity": 1}',
        "[t](:v)",
        "/",
        "\ufeff",
        "\u2028",
    ]
)


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.text(),
        st.lists(st.one_of(_FRAGMENTS, st.text(max_size=5))).map("\n".join),
        st.lists(st.one_of(_FRAGMENTS, st.text(max_size=3))).map("".join),
    )
)
def test_any_text_reads_or_raises_data_error_with_location(text):
    try:
        stories = read_stories_md(text, "fuzz.md")
    except DataError as error:
        assert error.location is not None and error.location.file == "fuzz.md"
        assert error.location.line is not None and str(error).startswith("fuzz.md:")
    else:
        assert all(isinstance(story, Story) for story in stories)
