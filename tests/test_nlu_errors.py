"""Malformed NLU data: each reader raises DataError naming file, line (and column where known),
and nothing else, whatever the input."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.errors import DataError
from core.training_data.nlu_json import read_nlu_json
from core.training_data.nlu_md import read_nlu_md
from core.training_data.nlu_yaml import read_nlu_yaml


def error_of(reader, text: str, file: str) -> DataError:
    with pytest.raises(DataError) as info:
        reader(text, file)
    return info.value


@pytest.mark.parametrize(
    "text, where, message",
    [
        ("## intent:greet\n- hi [there](greeting\n", "nlu.md:2:12", "malformed entity annotation"),
        ('## intent:greet\n- hi [there]{"entity": "a"\n', "nlu.md:2:12", "malformed entity annotation"),
        ('## intent:greet\n\n  * go to [Rome]{"entity": city}\n', "nlu.md:3:11", "is not valid JSON"),
        ('## intent:greet\n- [x]{"role": "to"}\n', "nlu.md:2:3", 'has no "entity" name'),
        ('## intent:greet\n- [x]{"entity": "n", "value": 3}\n', "nlu.md:2:3", "'value' must be text"),
        ("## intent:greet\n- [x]()\n", "nlu.md:2:3", "has no entity name"),
        ("## intent:greet\n- [x](city:)\n", "nlu.md:2:3", "empty synonym value"),
        ("## intent:greet\n- a [](city)\n", "nlu.md:2:6", "malformed entity annotation"),
        ("## story:happy path\n- hi\n", "nlu.md:1:1", "unknown section type 'story'"),
        ("## happy path\n* greet\n", "nlu.md:1:1", "section header '## happy path' has no type"),
        ("- hello\n## intent:greet\n", "nlu.md:1:3", "outside any section"),
        ("## intent:greet\n- hi\nhello there\n", "nlu.md:3:1", "neither a '## type:name' section header"),
        ("## intent:\n- hi\n", "nlu.md:1:1", "has no name"),
        (
            "<!-- a\nlong comment -->\n## lookup:plates\n  no_such_file.txt\n",
            "nlu.md:4:3",
            "'no_such_file.txt' not found",
        ),
    ],
)
def test_markdown_errors_name_file_line_and_column(text, where, message):
    error = error_of(read_nlu_md, text, "nlu.md")
    assert str(error).startswith(f"{where}: ") and message in str(error)
    assert error.hint


YAML_HEAD = 'version: "3.1"\nnlu:\n'


@pytest.mark.parametrize(
    "text, where, message",
    [
        (
            YAML_HEAD + "- intent: greet\n  examples: |\n    - hi\n    - hi [there](greeting\n",
            "nlu.yml:6:16",
            "malformed entity annotation",
        ),
        (YAML_HEAD + "- intent: greet\n  examples: |\n    - hi\n    hello\n", "nlu.yml:6", "does not start with '- '"),
        (YAML_HEAD + "- intnet: greet\n  examples: |\n    - hi\n", "nlu.yml:3:3", "needs exactly one of"),
        (YAML_HEAD + "- intent: greet\n  example: |\n    - hi\n", "nlu.yml:4:3", "unknown key 'example'"),
        (YAML_HEAD + "- intent: greet\n", "nlu.yml:3:3", "has no examples"),
        (YAML_HEAD + "- greet\n", "nlu.yml:3:3", "is not a mapping"),
        (YAML_HEAD + "- intent: [greet]\n  examples: '- hi'\n", "nlu.yml:3:11", "intent name must be non-empty text"),
        (YAML_HEAD + "- intent: greet\n  examples:\n  - txt: hi\n", "nlu.yml:5:5", "has no 'text:'"),
        (
            YAML_HEAD + "- intent: greet\n  metadata: 3\n  examples: '- hi'\n",
            "nlu.yml:4:13",
            "metadata must be a mapping",
        ),
        (YAML_HEAD + "- synonym: NY\n  examples: 3\n", "nlu.yml:4:13", "examples must be a block"),
        (YAML_HEAD + "- intent: greet\n  examples: {hi: 1}\n", "nlu.yml:4:13", "examples must be a block"),
        ('version: "3.1"\nnlu:\n  intent: greet\n', "nlu.yml:2:1", "'nlu:' must be a list"),
        ("- intent: greet\n", "nlu.yml:1", "must be a mapping with keys such as 'nlu:'"),
        (YAML_HEAD + "- intent: greet\n  examples: |\n   - hi\n  - bad: [\n", "nlu.yml:6", "malformed YAML"),
        ("responses:\n  utter_x/y: hello\n", "nlu.yml:2:3", "must be a list of variations"),
        ("nlu: " + "1" * 5000, "nlu.yml", "cannot be read"),
    ],
)
def test_yaml_errors_name_file_and_line(text, where, message):
    error = error_of(read_nlu_yaml, text, "nlu.yml")
    assert str(error).startswith(f"{where}"), str(error)
    assert message in str(error)


@pytest.mark.parametrize(
    "text, where, message",
    [
        ('{"rasa_nlu_data": {"common_examples": [}', "nlu.json:1:40", "malformed JSON"),
        ('{"nlu": []}', "nlu.json:1", "needs a top-level 'rasa_nlu_data'"),
        ('{"a": ' + "1" * 5000 + "}", "nlu.json", "cannot be read"),
        (
            '{"rasa_nlu_data": {\n "common_examples": [\n  {"text": "hi", "intent": "greet"},\n  {"text": 5}\n]}}',
            "nlu.json:4:4",
            "'text' must be str",
        ),
        (
            '{"rasa_nlu_data": {"common_examples": [\n {"text": "hi", "entities": [\n'
            '  {"start": 1, "end": 9, "entity": "x"}]}]}}',
            "nlu.json:3:3",
            "entity span 1..9 does not fit",
        ),
        (
            '{"rasa_nlu_data": {"entity_synonyms": [{"value": "NY", "synonyms": "ny"}]}}',
            "nlu.json:1",
            "'synonyms' must be list",
        ),
        (
            '{"rasa_nlu_data": {"lookup_tables": [{"name": "city", "elements": 3}]}}',
            "nlu.json:1",
            "'elements' must be a list of texts or a file path",
        ),
    ],
)
def test_json_errors_name_file_and_line(text, where, message):
    error = error_of(read_nlu_json, text, "nlu.json")
    assert str(error).startswith(where), str(error)
    assert message in str(error)


@pytest.mark.parametrize("reader, text", [(read_nlu_yaml, "nlu: " + "[" * 1000), (read_nlu_json, "[" * 100000)])
def test_deep_nesting_is_a_data_error(reader, text):
    error = error_of(reader, text, "deep.data")
    assert str(error).startswith("deep.data")


# Arbitrary input: only DataError, always with the file in its location.

MD_LINES = st.sampled_from(
    [
        "## intent:greet",
        "## synonym:NY",
        "## regex:zip",
        "## lookup:city",
        "## lookup:",
        "## what",
        "- hi [Rome](city)",
        '* [x]{"entity": "e", "role": "r"}',
        "- [x]{bad}",
        "+ [x](e:v)",
        "- a](b",
        "plates.txt",
        "<!--",
        "-->",
        "- ",
        "",
        "\r",
        "  - [2](n:two) people",
        "# title",
    ]
)
MD_TEXT = st.lists(st.one_of(MD_LINES, st.text(max_size=30)), max_size=12).map("\n".join)


def assert_only_data_errors(reader, text: str, file: str) -> None:
    try:
        reader(text, file)
    except DataError as error:
        assert error.location is not None and str(error.location.file) == file
        assert str(error).startswith(file)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.text(), MD_TEXT))
def test_markdown_reader_raises_only_data_errors(text):
    assert_only_data_errors(read_nlu_md, text, "fuzz.md")


YAML_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.text(max_size=20),
    st.sampled_from(["- hi [a](b)", '- x\n- [y]{"entity": 1}\n', "hi\n- ok", "greet"]),
)
YAML_VALUES = st.recursive(
    YAML_SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(
            st.sampled_from(
                ["intent", "synonym", "regex", "lookup", "examples", "metadata", "text", "nlu", "responses", "x"]
            ),
            inner,
            max_size=4,
        ),
    ),
    max_leaves=12,
)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.text(), YAML_VALUES.map(lambda v: json.dumps({"nlu": v, "responses": v}))))
def test_yaml_reader_raises_only_data_errors(text):
    assert_only_data_errors(read_nlu_yaml, text, "fuzz.yml")


JSON_KEYS = st.sampled_from(
    [
        "rasa_nlu_data",
        "common_examples",
        "entity_synonyms",
        "regex_features",
        "lookup_tables",
        "text",
        "intent",
        "entities",
        "start",
        "end",
        "value",
        "entity",
        "synonyms",
        "name",
        "pattern",
        "elements",
        "metadata",
        "responses",
        "role",
    ]
)
JSON_VALUES = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-2, 12), st.floats(allow_nan=False), st.text(max_size=12)),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(JSON_KEYS, inner, max_size=5)),
    max_leaves=20,
)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.text(), JSON_VALUES.map(lambda v: json.dumps({"rasa_nlu_data": v}))))
def test_json_reader_raises_only_data_errors(text):
    assert_only_data_errors(read_nlu_json, text, "fuzz.json")
