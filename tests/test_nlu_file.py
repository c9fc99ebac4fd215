"""The NLU export edits the file's text: every line the person wrote stays, new examples land
under their intent (or in a new item / section) and the file reads back with all of them."""

from __future__ import annotations

import shutil
from pathlib import Path
from textwrap import dedent

import pytest

from core.errors import ExportError
from core.interactive.nlu_file import with_examples
from core.training_data.loader import load_nlu
from core.training_data.nlu_md import read_nlu_md
from core.training_data.nlu_model import Example
from core.training_data.nlu_yaml import read_nlu_yaml
from tests.conftest import COMPAT

COMMENTED_YAML = dedent("""\
    # Shop bot NLU data, kept by hand.
    version: "3.1"

    nlu:
      # greetings first
      - intent: greet   # the usual ones
        examples: |
          - hi
          - hello there
        # (a comment the person keeps after the block)

      - intent: order
        examples: |
          - I want [two](amount) pizzas
        # more orders come later
      - synonym: pizza
        examples: |
          - pizzza

    # responses live in the domain
    """)


def teachings(*examples: Example) -> list[Example]:
    return list(examples)


def export_nlu_to(examples: list[Example], path) -> list[Example]:
    """Write `examples` into the file at `path` as an export does; the examples that were new."""
    before = path.read_text() if path.exists() else ""
    text, new = with_examples(before, path, examples)
    path.write_text(text)
    return new


def original_lines_kept(before: str, after: str) -> None:
    """Every line of `before` is in `after`, in the same order."""
    remaining = iter(after.split("\n"))
    for line in before.rstrip("\n").split("\n"):
        assert any(line == candidate for candidate in remaining), f"line lost or moved: {line!r}"


def test_yaml_comments_stay_and_examples_join_their_blocks(tmp_path):
    path = tmp_path / "nlu.yml"
    path.write_text(COMMENTED_YAML)
    taught = teachings(
        Example("good morning", "greet"),
        Example(
            "three [margherita](dish) please",
            "order",
            [{"start": 6, "end": 16, "value": "margherita", "entity": "dish"}],
        ),
        Example("where is my order", "track_order"),
        Example("hi", "greet"),  # already there: not written twice
    )
    assert len(export_nlu_to(taught, path)) == 3
    after = path.read_text()
    original_lines_kept(COMMENTED_YAML, after)
    lines = after.split("\n")
    assert lines[lines.index("      - hello there") + 1] == "      - good morning"
    assert lines[lines.index("      - I want [two](amount) pizzas") + 1] == "      - three [margherita](dish) please"
    assert "  - intent: track_order" in lines  # a new item, indented like the others
    data = load_nlu(path)
    assert [(e.text, e.intent) for e in data.examples if e.intent == "greet"] == [
        ("hi", "greet"),
        ("hello there", "greet"),
        ("good morning", "greet"),
    ]
    assert ("where is my order", "track_order") in [(e.text, e.intent) for e in data.examples]
    assert data.synonyms == {"pizzza": "pizza"}


def test_yaml_without_indentation_and_a_new_intent_at_the_end(tmp_path):
    source = COMPAT / "concertbot-3x" / "data" / "nlu.yml"
    path = tmp_path / "nlu.yml"
    shutil.copy(source, path)
    before = path.read_text()
    intent = read_nlu_yaml(before).examples[-1].intent
    taught = teachings(
        Example("what a lovely evening", intent),
        Example("tell me a joke", "joke"),
        Example("line\twith a tab [and a bracket", "joke"),
    )
    export_nlu_to(taught, path)
    after = path.read_text()
    original_lines_kept(before, after)
    data = read_nlu_yaml(after)
    assert len(data.examples) == len(read_nlu_yaml(before).examples) + 3
    taught_pairs = {("what a lovely evening", intent), ("tell me a joke", "joke")}
    assert {(e.text, e.intent) for e in data.examples} >= taught_pairs


def test_markdown_examples_go_under_their_section(tmp_path):
    path = tmp_path / "nlu.md"
    shutil.copy(COMPAT / "formbot-1x" / "data" / "nlu.md", path)
    path.write_text("<!-- kept: a comment of the person -->\n" + path.read_text())
    before = path.read_text()
    taught = teachings(
        Example("hey you", "greet"),
        Example("please stop now", "stop"),
        Example(
            "tell me about [Rome](location)",
            "ask_city",
            [{"start": 14, "end": 18, "value": "Rome", "entity": "location"}],
        ),
    )
    export_nlu_to(taught, path)
    after = path.read_text()
    original_lines_kept(before, after)
    lines = after.split("\n")
    greet = lines.index("## intent:greet")
    following = lines.index("## intent:request_restaurant")
    assert "- hey you" in lines[greet:following]
    new_section = lines.index("## intent:ask_city")
    assert new_section > following and lines[new_section + 1] == "- tell me about [Rome](location)"
    data = read_nlu_md(after)
    assert ("please stop now", "stop") in [(e.text, e.intent) for e in data.examples]
    assert next(e.entities for e in data.examples if e.intent == "ask_city")[0]["value"] == "Rome"


def test_new_and_empty_files_are_written_whole(tmp_path):
    taught = teachings(Example("hello", "greet"))
    export_nlu_to(taught, tmp_path / "new.yml")
    assert [e.text for e in load_nlu(tmp_path / "new.yml").examples] == ["hello"]
    export_nlu_to(taught, tmp_path / "new.md")
    assert (tmp_path / "new.md").read_text() == "## intent:greet\n- hello\n"


def test_a_file_without_nlu_section_gets_one_and_a_broken_one_is_refused(tmp_path):
    text = 'version: "3.1"\n# only responses here\nresponses:\n  utter_hi:\n  - text: hi\n'
    added, _ = with_examples(text, Path("nlu.yml"), [Example("hello", "greet")])
    assert added.startswith(text)
    assert [e.text for e in read_nlu_yaml(added).examples] == ["hello"]
    with pytest.raises(ExportError, match=r"\(line 1\) is not a list of intents"):
        with_examples("nlu: some text\n", Path("nlu.yml"), [Example("hello", "greet")])
