"""In-place editing of domain files: additions in the file's own style, every original line kept."""

import shutil

import pytest

from core.domain import DomainEditor, Slot, load_domain
from core.errors import DataError
from tests.test_domain import DOMAINS

COMMENTED = """\
# Weather bot domain (hand written)
version: "3.1"

intents:
 - greet   # say hi
 - goodbye
 # - old_intent, retired
# everything the bot says

responses:
  utter_greet:
  - text: 'Hey!'   # single quotes on purpose

  utter_bye:
  - text: "Bye"

actions:
- action_hello  # custom action
slots:
  name:
    type: text
    mappings:
    - type: from_entity
      entity: name
entities:
- name
# end of file
"""


def _is_subsequence(original: list[str], edited: list[str]) -> bool:
    remaining = iter(edited)
    return all(any(line == candidate for candidate in remaining) for line in original)


@pytest.fixture
def commented(tmp_path):
    path = tmp_path / "domain.yml"
    path.write_text(COMMENTED)
    return path


def test_additions_keep_every_comment_quote_and_line(commented):
    editor = DomainEditor(commented)
    assert not editor.changed
    assert editor.add_intent("ask_weather")
    assert editor.add_response("utter_weather", "It is sunny: really!")
    assert editor.add_action("action_weather")
    assert editor.changed
    editor.save()
    text = commented.read_text()
    assert _is_subsequence(COMMENTED.splitlines(), text.splitlines())
    # one intent line, a blank line + key + variation for the response, one action line
    assert len(text.splitlines()) == len(COMMENTED.splitlines()) + 5
    assert " - ask_weather" in text.splitlines()  # the file's one-space list indent
    assert "- action_weather" in text.splitlines()  # and its unindented one
    domain = load_domain(commented)
    assert domain.intent_names == ["greet", "goodbye", "ask_weather"]
    assert domain.responses["utter_weather"] == [{"text": "It is sunny: really!"}]
    assert domain.actions == ["action_hello", "action_weather"]
    assert not editor.changed


def test_new_entries_go_before_trailing_comments_of_their_section(commented):
    editor = DomainEditor(commented)
    editor.add_intent("ask_weather")
    lines = editor.text.splitlines()
    assert lines.index(" - ask_weather") == lines.index(" - goodbye") + 1
    assert lines.index(" # - old_intent, retired") == lines.index(" - ask_weather") + 1


def test_response_variations_slots_entities_and_forms(commented):
    editor = DomainEditor(commented)
    editor.add_response("utter_greet", {"text": "Hello", "buttons": [{"title": "hi", "payload": "/greet"}]})
    editor.add_entity("city")
    editor.add_slot(
        "city", Slot(type="categorical", values=["paris", "rome"], mappings=[{"type": "from_entity", "entity": "city"}])
    )
    editor.add_form("weather_form", ["city"], ["greet"])
    domain = editor.domain
    assert domain.responses["utter_greet"][1]["buttons"] == [{"title": "hi", "payload": "/greet"}]
    assert domain.slots["city"].values == ["paris", "rome"]
    assert domain.forms["weather_form"].required_slots == ["city"]
    assert domain.forms["weather_form"].ignored_intents == ["greet"]
    assert _is_subsequence(COMMENTED.splitlines(), editor.text.splitlines())
    lines = editor.text.splitlines()
    assert lines.index("  - text: Hello") == lines.index("  - text: 'Hey!'   # single quotes on purpose") + 1


def test_adding_what_is_there_changes_nothing(commented):
    editor = DomainEditor(commented)
    assert not editor.add_intent("greet")
    assert not editor.add_response("utter_bye", "Bye")
    assert not editor.add_action("action_hello")
    assert not editor.add_slot("name", Slot())
    assert not editor.changed
    assert editor.text == COMMENTED


def test_a_failed_change_leaves_editor_and_file_unchanged(commented):
    editor = DomainEditor(commented)
    editor.add_intent("first")
    before = editor.text
    with pytest.raises(DataError, match="needs one of text"):
        editor.add_response("utter_empty", {"channel": "slack"})
    with pytest.raises(DataError, match="not a usable name"):
        editor.add_intent("two\nlines")
    with pytest.raises(DataError, match="unknown type"):
        editor.add_slot("bad", Slot(type="strange"))
    assert editor.text == before
    assert commented.read_text() == COMMENTED  # nothing saved yet
    assert "bad" not in editor.domain.slots


def test_a_broken_file_is_refused_with_its_location(tmp_path):
    path = tmp_path / "domain.yml"
    path.write_text("intents:\n  - greet\nslots:\n  a:\n    type: nope\n")
    with pytest.raises(DataError) as caught:
        DomainEditor(path)
    assert caught.value.location.line == 5
    assert path.read_text() == "intents:\n  - greet\nslots:\n  a:\n    type: nope\n"


def test_1x_file_gets_templates_and_lists_the_response_as_an_action(tmp_path):
    path = tmp_path / "domain.yml"
    shutil.copy(DOMAINS["moodbot-1x"], path)
    original = path.read_text()
    editor = DomainEditor(path)
    editor.add_response("utter_joke", "Why did the bot cross the road?")
    editor.add_slot("mood", Slot(type="any", influence_conversation=False, mappings=[{"type": "custom"}]))
    editor.add_form("mood_form")
    editor.save()
    text = path.read_text()
    assert "responses:" not in text and "  utter_joke:" in text
    assert "- utter_joke" in text.splitlines()
    assert "    type: unfeaturized" in text and "    auto_fill: false" in text and "mappings" not in text
    assert "forms:\n  - mood_form" in text
    assert _is_subsequence(original.splitlines(), text.splitlines())
    domain = load_domain(path)
    assert domain.actions[-1] == "utter_joke" and domain.forms["mood_form"].required_slots is None
    with pytest.raises(DataError, match="lists forms by name"):
        editor.add_form("slot_form", ["mood"])


def test_crlf_files_stay_crlf(tmp_path):
    path = tmp_path / "domain.yml"
    path.write_bytes(b"intents:\r\n  - greet\r\n")
    editor = DomainEditor(path)
    editor.add_intent("bye")
    editor.save()
    assert path.read_bytes() == b"intents:\r\n  - greet\r\n  - bye\r\n"


def test_missing_empty_and_flow_sections(tmp_path):
    path = tmp_path / "domain.yml"
    path.write_text("# only intents\nintents: [greet, bye]\nentities:\nresponses:\n")
    editor = DomainEditor(path)
    editor.add_intent("thanks")
    editor.add_entity("city")
    editor.add_action("action_x")
    editor.add_response("utter_hi", "hi")
    domain = editor.domain
    assert domain.intent_names == ["greet", "bye", "thanks"]
    assert domain.entity_names == ["city"] and domain.actions == ["action_x"]
    assert domain.responses == {"utter_hi": [{"text": "hi"}]}
    assert editor.text.startswith("# only intents\n")


@pytest.mark.parametrize("name", DOMAINS)
def test_editing_every_compat_domain_keeps_its_lines(name, tmp_path):
    path = tmp_path / "domain.yml"
    shutil.copy(DOMAINS[name], path)
    original = path.read_text()
    before = load_domain(path)
    editor = DomainEditor(path)
    editor.add_intent("new_intent")
    editor.add_entity("new_entity")
    editor.add_action("action_new")
    editor.add_response("utter_new", "new: text")
    editor.add_response(next(iter(before.responses)), "another variation")
    editor.save()
    assert _is_subsequence(original.splitlines(), path.read_text().splitlines())
    after = load_domain(path)
    assert after.intent_names == [*before.intent_names, "new_intent"]
    assert after.entity_names == [*before.entity_names, "new_entity"]
    assert "action_new" in after.actions and after.responses["utter_new"] == [{"text": "new: text"}]
    first = next(iter(before.responses))
    assert after.responses[first] == [*before.responses[first], {"text": "another variation"}]
    assert after.slots == before.slots and after.forms == before.forms


def test_an_empty_file_gets_3x_entries(tmp_path):
    path = tmp_path / "domain.yml"
    path.write_text("# new bot\n")
    editor = DomainEditor(path)
    editor.add_slot("city", Slot())
    editor.add_response("utter_hi", "hi")
    text = editor.text
    assert text.startswith("# new bot\n") and "responses:\n  utter_hi:" in text
    assert editor.domain.slots["city"].mappings == [{"type": "custom"}]
    assert "mappings:" in text and "auto_fill" not in text


def test_a_variation_goes_to_the_section_that_holds_the_response(tmp_path):
    path = tmp_path / "domain.yml"
    path.write_text("responses:\n  utter_a:\n    - text: a\ntemplates:\n  utter_b:\n    - text: b\n")
    editor = DomainEditor(path)
    editor.add_response("utter_b", "b2")
    editor.add_response("utter_c", "c")
    assert editor.text == (
        "responses:\n  utter_a:\n    - text: a\n  utter_c:\n    - text: c\n"
        "templates:\n  utter_b:\n    - text: b\n    - text: b2\n"
    )
