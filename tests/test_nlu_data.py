"""NLU data on real Rasa files and SNIPS: every file loads with the right counts, and
read -> write -> read is the identity in Markdown, YAML and JSON."""

from __future__ import annotations

import dataclasses

import pytest

from core.training_data.loader import load_nlu
from core.training_data.nlu_json import read_nlu_json, write_nlu_json
from core.training_data.nlu_md import read_nlu_md, write_nlu_md
from core.training_data.nlu_model import Example, LookupTable, NLUData, RegexFeature
from core.training_data.nlu_yaml import read_nlu_yaml, write_nlu_yaml
from tests.conftest import COMPAT, SHARED

SNIPS = SHARED / "bench-data" / "snips"

NLU_FILES = [
    "formbot-1x/data/nlu.md",
    "moodbot-1x/data/nlu.md",
    "formbot-3x/data/nlu.yml",
    "moodbot-3x/data/nlu.yml",
    "concertbot-3x/data/nlu.yml",
    "initial-project-3x/data/nlu.yml",
    "test-data/data/examples/rasa/demo-rasa.md",
    "test-data/data/examples/rasa/demo-rasa.yml",
    "test-data/data/test/demo-rasa-composite-entities.md",
    "test-data/data/test/demo-rasa-composite-entities.yml",
    "test-data/data/test/lookup_tables/lookup_table.md",
    "test-data/data/test/lookup_tables/lookup_table.yml",
]

FORMATS = {
    "md": (read_nlu_md, write_nlu_md),
    "yaml": (read_nlu_yaml, write_nlu_yaml),
    "json": (read_nlu_json, write_nlu_json),
}


def entity_count(data: NLUData) -> int:
    return sum(len(e.entities) for e in data.examples)


def as_markdown_keeps_it(data: NLUData) -> NLUData:
    """What Markdown can hold: no responses, no example metadata."""
    examples = [dataclasses.replace(e, metadata={}) for e in data.examples]
    return dataclasses.replace(data, examples=examples, responses={})


# file, examples, intents, entities, entities with role or group, synonyms, regexes, lookup sizes, responses
EXPECTED = {
    "formbot-1x/data/nlu.md": (285, 8, 148, 0, 11, 0, [], 0),
    "formbot-3x/data/nlu.yml": (289, 9, 132, 0, 3, 0, [], 0),
    "moodbot-1x/data/nlu.md": (63, 6, 0, 0, 0, 0, [], 0),
    "moodbot-3x/data/nlu.yml": (68, 7, 0, 0, 0, 0, [], 0),
    "concertbot-3x/data/nlu.yml": (29, 9, 0, 0, 0, 0, [], 0),
    "initial-project-3x/data/nlu.yml": (68, 7, 0, 0, 0, 0, [], 0),
    "test-data/data/examples/rasa/demo-rasa.md": (42, 4, 14, 0, 5, 2, [], 0),
    "test-data/data/examples/rasa/demo-rasa.yml": (46, 6, 14, 0, 5, 2, [], 2),
    "test-data/data/test/demo-rasa-composite-entities.md": (45, 6, 27, 27, 1, 0, [], 0),
    "test-data/data/test/demo-rasa-composite-entities.yml": (45, 6, 27, 27, 1, 0, [], 0),
    "test-data/data/test/lookup_tables/lookup_table.md": (4, 1, 4, 0, 0, 0, [5, 5], 0),
    "test-data/data/test/lookup_tables/lookup_table.yml": (4, 1, 4, 0, 0, 0, [5], 0),
}


@pytest.mark.parametrize("name", NLU_FILES)
def test_compat_file_loads_with_expected_counts(name):
    data = load_nlu(COMPAT / name)
    counts = (
        len(data.examples),
        len(data.intents),
        entity_count(data),
        sum(1 for e in data.examples for ent in e.entities if "role" in ent or "group" in ent),
        len(data.synonyms),
        len(data.regexes),
        [len(t.elements) for t in data.lookups],
        len(data.responses),
    )
    assert counts == EXPECTED[name]
    assert all(e.location is not None and e.location.line for e in data.examples)


@pytest.mark.parametrize("name", NLU_FILES)
@pytest.mark.parametrize("target", ["md", "yaml", "json"])
def test_compat_round_trip_through_every_format(name, target):
    original = load_nlu(COMPAT / name)
    read, write = FORMATS[target]
    again = read(write(original), COMPAT / name)
    expected = as_markdown_keeps_it(original) if target == "md" else original
    assert again == expected
    # and back into the file's own format
    source_format = "md" if name.endswith(".md") else "yaml"
    read_back, write_back = FORMATS[source_format]
    assert read_back(write_back(again), COMPAT / name) == expected


def test_formbot_1x_inline_synonyms_and_plain_bracket_text():
    data = load_nlu(COMPAT / "formbot-1x/data/nlu.md")
    assert data.synonyms["gastro pub"] == "gastropub"
    assert data.synonyms["three"] == "3"
    upstream_typo = [e for e in data.examples if e.text == "2[num_people] please"]
    assert len(upstream_typo) == 1 and upstream_typo[0].entities == [] and upstream_typo[0].intent == "inform"
    assert upstream_typo[0].location.line == 210
    three = next(e for e in data.examples if e.text.startswith("book me a table for three"))
    assert three.entities[0] == {"start": 20, "end": 25, "value": "3", "entity": "num_people"}


def test_demo_rasa_markdown_sections():
    data = load_nlu(COMPAT / "test-data/data/examples/rasa/demo-rasa.md")
    # `+` and `*` bullets, and the inline [chines](cuisine:chinese)
    assert data.synonyms == {
        "chines": "chinese",
        "Chines": "chinese",
        "Chinese": "chinese",
        "vegg": "vegetarian",
        "veggie": "vegetarian",
    }
    assert data.regexes == [RegexFeature("zipcode", "[0-9]{5}"), RegexFeature("greet", r"hey[^\s]*")]
    assert data.intents == ["affirm", "goodbye", "greet", "restaurant_search"]
    assert data.entity_names == ["location", "cuisine"]


def test_retrieval_intents_and_responses_in_yaml():
    data = load_nlu(COMPAT / "test-data/data/examples/rasa/demo-rasa.yml")
    assert "chitchat/ask_name" in data.intents and "chitchat/ask_weather" in data.intents
    assert data.responses["utter_chitchat/ask_name"][1] == {"text": "I am called Retrieval Bot!"}
    assert data.responses["utter_chitchat/ask_weather"][0]["image"] == "https://i.imgur.com/vwv7aHN.png"


def test_roles_and_groups():
    md = load_nlu(COMPAT / "test-data/data/test/demo-rasa-composite-entities.md")
    yml = load_nlu(COMPAT / "test-data/data/test/demo-rasa-composite-entities.yml")
    assert md.examples == yml.examples
    flight = next(e for e in md.examples if e.text.startswith("i am looking for a flight from SF"))
    assert flight.entities == [
        {"start": 31, "end": 33, "value": "San Fransisco", "entity": "location", "role": "from"},
        {"start": 37, "end": 45, "value": "New York", "entity": "location", "role": "to"},
    ]
    assert md.synonyms == {"SF": "San Fransisco"}  # implied by the annotation in Markdown, listed in YAML
    groups = [ent["group"] for e in md.examples if e.intent == "order_pizza" for ent in e.entities]
    assert groups.count("1") == 9 and groups.count("2") == 10


def test_lookup_tables_inline_and_from_a_file():
    md = load_nlu(COMPAT / "test-data/data/test/lookup_tables/lookup_table.md")
    plates = (COMPAT / "test-data/data/test/lookup_tables/plates.txt").read_text().split()
    assert md.lookups[0] == LookupTable("plates", ["tacos", "beef", "mapo tofu", "burrito", "lettuce wrap"])
    assert md.lookups[0].source == "data/test/lookup_tables/plates.txt"
    assert "beef" in plates
    assert md.lookups[1].elements[-1] == "club mate" and md.lookups[1].source is None
    # the file reference is written back as such in Markdown and JSON
    assert "\ndata/test/lookup_tables/plates.txt\n" in write_nlu_md(md)
    assert '"elements": "data/test/lookup_tables/plates.txt"' in write_nlu_json(md)
    assert "- mapo tofu" in write_nlu_yaml(md)
    yml = load_nlu(COMPAT / "test-data/data/test/lookup_tables/lookup_table.yml")
    assert yml.lookups[0] == md.lookups[0] and yml.examples == md.examples


def test_yaml_files_without_nlu_give_nothing_or_only_responses():
    stories = sorted((COMPAT / "test-data/data/test_yaml_stories").glob("*.yml"))
    assert len(stories) == 8
    for path in stories:
        assert load_nlu(path).is_empty, path
    domain = load_nlu(COMPAT / "test-data/data/test_domains/conditional_response_variations.yml")
    assert domain.examples == [] and len(domain.responses) == 2


def test_nlu_beside_stories_in_one_yaml_file():
    text = (
        'version: "3.1"\n'
        "stories:\n- story: s\n  steps:\n  - intent: greet\n  - action: utter_greet\n"
        "nlu:\n- intent: greet\n  metadata: {source: chat}\n  examples:\n"
        "  - text: hi [Ann](name)\n    metadata: {sentiment: neutral}\n  - text: hello\n"
        "responses:\n  utter_greet:\n  - text: Hey\n"
    )
    data = read_nlu_yaml(text, "mixed.yml")
    assert data.examples == [
        Example(
            "hi Ann",
            "greet",
            [{"start": 3, "end": 6, "value": "Ann", "entity": "name"}],
            {"source": "chat", "sentiment": "neutral"},
        ),
        Example("hello", "greet", [], {"source": "chat"}),
    ]
    assert data.examples[0].location.line == 11
    assert data.responses == {"utter_greet": [{"text": "Hey"}]}
    again = read_nlu_yaml(write_nlu_yaml(data), "again.yml")
    assert again == data
    assert read_nlu_json(write_nlu_json(data), "again.json") == data


@pytest.mark.parametrize(
    "split, examples, entities",
    [("train", 13084, 33958), ("test", 700, 1790), ("val", 700, 1794)],
)
def test_snips_loads(split, examples, entities):
    data = load_nlu(SNIPS / f"{split}.md")
    # entity counts are the number of `](` in the files: every annotation was read
    assert (len(data.examples), entity_count(data)) == (examples, entities)
    assert sorted(data.intents) == [
        "AddToPlaylist",
        "BookRestaurant",
        "GetWeather",
        "PlayMusic",
        "RateBook",
        "SearchCreativeWork",
        "SearchScreeningEvent",
    ]
    assert len(data.entity_names) == 39


def test_snips_round_trips_through_yaml_and_json():
    data = load_nlu(SNIPS / "test.md")
    assert read_nlu_yaml(write_nlu_yaml(data), "t.yml") == data
    assert read_nlu_json(write_nlu_json(data), "t.json") == data
    assert read_nlu_md(write_nlu_md(data), "t.md") == data


def test_load_nlu_sniffs_content_when_the_extension_says_nothing(tmp_path):
    data = load_nlu(COMPAT / "test-data/data/examples/rasa/demo-rasa.md")
    for fmt, (_, write) in FORMATS.items():
        path = tmp_path / f"nlu_{fmt}.txt"
        path.write_text(write(data))
        assert load_nlu(path) == data


def test_merge_pools_lookups_and_keeps_later_synonyms():
    a = NLUData(
        [Example("hi", "greet")],
        {"ny": "New York"},
        [RegexFeature("zip", "[0-9]{5}")],
        [LookupTable("city", ["Berlin"])],
        {},
    )
    b = NLUData(
        [Example("bye", "goodbye")],
        {"ny": "Newark"},
        [RegexFeature("zip", "[0-9]{5}")],
        [LookupTable("city", ["Berlin", "Paris"])],
        {"utter_faq/x": [{"text": "y"}]},
    )
    merged = a.merge(b)
    assert merged.intents == ["greet", "goodbye"]
    assert merged.synonyms == {"ny": "Newark"}
    assert merged.regexes == [RegexFeature("zip", "[0-9]{5}")]
    assert merged.lookups == [LookupTable("city", ["Berlin", "Paris"])]
    assert a.lookups == [LookupTable("city", ["Berlin"])]  # inputs untouched
    assert not merged.is_empty and NLUData().is_empty
