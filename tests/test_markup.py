"""Entity markup: parsing every form Rasa accepts, errors with their column, and writing back."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.errors import DataError, Location
from core.training_data.markup import parse_markup, to_markup, writable_entities


def test_short_form_and_synonym_shorthand():
    text, entities = parse_markup("table for [three](num_people:3) at [8pm](time)")
    assert text == "table for three at 8pm"
    assert entities == [
        {"start": 10, "end": 15, "value": "3", "entity": "num_people"},
        {"start": 19, "end": 22, "value": "8pm", "entity": "time"},
    ]


def test_json_form_with_role_group_and_value():
    text, entities = parse_markup(
        'from [SF]{"entity": "city", "value": "San Francisco", "role": "from", "group": "1"} on'
    )
    assert text == "from SF on"
    assert entities == [
        {"start": 5, "end": 7, "value": "San Francisco", "entity": "city", "role": "from", "group": "1"}
    ]


def test_brackets_that_are_not_annotations_stay_text():
    for plain in ["2[num_people] please", "a [b c] d", "x [y", "f(x) = [1, 2]", "[]", "a ] b"]:
        assert parse_markup(plain) == (plain, [])


def test_nested_opening_bracket_belongs_to_the_text():
    assert parse_markup("a [b [c](d)") == ("a [b c", [{"start": 5, "end": 6, "value": "c", "entity": "d"}])


@pytest.mark.parametrize(
    "markup, column, message",
    [
        ("see [x](city", 9, "malformed entity annotation near 'see [x](city'"),
        ('go [x]{"entity": "c"', 8, "malformed entity annotation"),
        ("a [](c)", 6, "malformed entity annotation"),
        ("[x](:v)", 3, "has no entity name"),
        ('ok [x]{"entity": c}', 6, "is not valid JSON"),
        ('ok [x]{"entity": "c", "role": 1}', 6, "'role' must be text"),
        ('ok [x]{"value": "c"}', 6, 'has no "entity" name'),
    ],
)
def test_errors_point_at_the_annotation(markup, column, message):
    with pytest.raises(DataError) as info:
        parse_markup(markup, Location("nlu.md", 7, 3))
    assert info.value.location == Location("nlu.md", 7, column)
    assert message in info.value.message and info.value.hint


def test_errors_without_column_keep_the_line():
    with pytest.raises(DataError) as info:
        parse_markup("[x](", Location("f.yml", 4))
    assert str(info.value).startswith("f.yml:4: ")


def test_to_markup_chooses_the_shortest_faithful_form():
    text = "fly from SF to Rome"
    entities = [
        {"start": 9, "end": 11, "value": "San Francisco", "entity": "city"},
        {"start": 15, "end": 19, "value": "Rome", "entity": "city", "role": "to"},
    ]
    assert to_markup(text, entities) == (
        'fly from [SF]{"entity": "city", "value": "San Francisco"} to [Rome]{"entity": "city", "role": "to"}'
    )
    assert to_markup(text, entities, synonym_shorthand=True).startswith("fly from [SF](city:San Francisco) to")
    assert (
        to_markup(text, [{"start": 15, "end": 19, "value": "Rome", "entity": "city"}]) == "fly from SF to [Rome](city)"
    )


def test_to_markup_escapes_what_would_end_an_annotation_early():
    entities = [{"start": 0, "end": 1, "value": "a}b)c", "entity": "e:f"}]
    markup = to_markup("x", entities, synonym_shorthand=True)
    assert markup == '[x]{"entity": "e:f", "value": "a\\u007db)c"}'
    assert parse_markup(markup) == ("x", entities)


def test_entities_markup_cannot_hold_are_left_out():
    text = "new york city"
    entities = [
        {"start": 0, "end": 8, "value": "new york", "entity": "city"},
        {"start": 4, "end": 13, "value": "york city", "entity": "place"},  # overlaps the first
        {"start": 9, "end": 9, "value": "", "entity": "empty"},
    ]
    assert writable_entities(text, entities) == entities[:1]
    assert to_markup(text, entities) == "[new york](city) city"


WORD = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="[]"), min_size=1, max_size=6)


@settings(max_examples=300)
@given(
    st.lists(
        st.tuples(WORD, st.one_of(st.none(), st.tuples(st.text(min_size=1), st.text(), st.booleans()))),
        min_size=1,
        max_size=6,
    )
)
def test_to_markup_then_parse_is_identity(pieces):
    text, entities = "", []
    for word, annotation in pieces:
        if annotation is not None:
            name, value, with_role = annotation
            entity = {"start": len(text), "end": len(text) + len(word), "value": value or word, "entity": name}
            if with_role:
                entity["role"] = value
            entities.append(entity)
        text += word + " "
    for shorthand in (False, True):
        assert parse_markup(to_markup(text, entities, shorthand)) == (text, entities)
