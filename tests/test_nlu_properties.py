"""Generated NLU data: write -> read is the identity in Markdown, YAML and JSON.

The generator stays inside what the formats can say: texts are words joined by single spaces with
no brackets (Rasa markup has no escapes), entities cover whole words and never overlap, names and
values fit on one line without leading or trailing spaces. Everything else is arbitrary Unicode.
Markdown has no place for metadata or responses, so they are left out of its comparison.
"""

from __future__ import annotations

import dataclasses

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.training_data.nlu_json import read_nlu_json, write_nlu_json
from core.training_data.nlu_md import read_nlu_md, write_nlu_md
from core.training_data.nlu_model import Example, LookupTable, NLUData, RegexFeature, add_entity_synonyms
from core.training_data.nlu_yaml import read_nlu_yaml, write_nlu_yaml

CHAR = st.characters(  # no whitespace (words are joined by spaces), no brackets (markup has no escapes)
    blacklist_categories=("Cs", "Zs", "Zl", "Zp"), blacklist_characters="[]\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f\x85"
)
WORD = st.text(CHAR, min_size=1, max_size=7)
PHRASE = st.lists(WORD, min_size=1, max_size=3).map(" ".join).filter(lambda s: "<!--" not in s)
NAME = st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True)
INTENT = st.one_of(NAME, st.builds(lambda a, b: f"{a}/{b}", NAME, NAME))
ANY_NAME = st.one_of(NAME, st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=8))
METADATA = st.dictionaries(NAME, st.one_of(st.integers(), st.text(max_size=8), st.booleans()), max_size=2)


@st.composite
def examples(draw, intent: str) -> Example:
    words = draw(st.lists(WORD, min_size=1, max_size=7))
    text = " ".join(words)
    starts = [sum(len(w) + 1 for w in words[:i]) for i in range(len(words))]
    entities, index = [], 0
    while index < len(words):
        if not draw(st.booleans()):
            index += 1
            continue
        last = index + draw(st.integers(0, len(words) - index - 1))
        start, end = starts[index], starts[last] + len(words[last])
        entity = {
            "start": start,
            "end": end,
            "value": draw(st.one_of(st.just(text[start:end]), PHRASE)),
            "entity": draw(ANY_NAME),
        }
        for key in ("role", "group"):
            if draw(st.booleans()):
                entity[key] = draw(ANY_NAME)
        entities.append(entity)
        index = last + 1
    return Example(text, intent, entities, draw(METADATA))


@st.composite
def nlu_data(draw) -> NLUData:
    intents = draw(st.lists(INTENT, min_size=0, max_size=4, unique=True))
    all_examples = [ex for intent in intents for ex in draw(st.lists(examples(intent), min_size=1, max_size=4))]
    synonyms = draw(st.dictionaries(PHRASE, PHRASE, max_size=3))
    for example in all_examples:  # what the readers learn from the markup, last example winning
        add_entity_synonyms(example.text, example.entities, synonyms)
    regex_names = draw(st.lists(NAME, max_size=3, unique=True))
    regexes = [RegexFeature(n, p) for n in regex_names for p in draw(st.lists(PHRASE, min_size=1, max_size=2))]
    lookups = [
        LookupTable(n, draw(st.lists(PHRASE, min_size=1, max_size=3)))
        for n in draw(st.lists(NAME, max_size=2, unique=True))
    ]
    responses = draw(
        st.dictionaries(
            INTENT.map(lambda i: f"utter_{i}"),
            st.lists(st.fixed_dictionaries({"text": st.text(max_size=20)}), min_size=1, max_size=2),
            max_size=2,
        )
    )
    return NLUData(all_examples, synonyms, regexes, lookups, responses)


def without_markdown_extras(data: NLUData) -> NLUData:
    return dataclasses.replace(
        data, examples=[dataclasses.replace(e, metadata={}) for e in data.examples], responses={}
    )


SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(nlu_data())
def test_markdown_write_read_is_identity(data):
    assert read_nlu_md(write_nlu_md(data), "gen.md") == without_markdown_extras(data)


@SETTINGS
@given(nlu_data())
def test_yaml_write_read_is_identity(data):
    assert read_nlu_yaml(write_nlu_yaml(data), "gen.yml") == data


@SETTINGS
@given(nlu_data())
def test_json_write_read_is_identity(data):
    assert read_nlu_json(write_nlu_json(data), "gen.json") == data


@SETTINGS
@given(nlu_data())
def test_conversions_chain_without_loss(data):
    as_yaml = read_nlu_yaml(write_nlu_yaml(data), "a.yml")
    as_json = read_nlu_json(write_nlu_json(as_yaml), "b.json")
    as_md = read_nlu_md(write_nlu_md(as_json), "c.md")
    assert as_md == without_markdown_extras(data)
    assert read_nlu_yaml(write_nlu_yaml(as_md), "d.yml") == as_md
