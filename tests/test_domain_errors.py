"""Every mistake a person can make in a domain file is a DataError naming file, line and a fix."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.domain import read_domain
from core.errors import DataError
from core.yamlio import dump_yaml

BAD = {
    "not a mapping": ("- greet\n- bye\n", 1, "must be a mapping"),
    "malformed yaml": ("intents:\n  - greet\n bad: [\n", 3, "malformed YAML"),
    "intents not a list": ("intents:\n  greet: {}\n", 1, "`intents` must be a list"),
    "intent with two keys": ("intents:\n  - greet: {}\n    bye: {}\n", 2, "intent must be a name"),
    "use_entities wrong": ("intents:\n  - greet:\n      use_entities: 3\n", 3, "must be a list"),
    "unknown slot type": ("slots:\n  a:\n    type: txt\n", 3, "unknown type 'txt'"),
    "slot without type": ("slots:\n  a:\n    initial_value: 1\n", 2, "has no type"),
    "slot not a mapping": ("slots:\n  a: text\n", 2, "must be a mapping"),
    "categorical without values": ("slots:\n  a:\n    type: categorical\n", 3, "has no values"),
    "influence not a bool": ("slots:\n  a:\n    type: text\n    influence_conversation: 'yes'\n", 4, "true or false"),
    "any slot influencing": ("slots:\n  a:\n    type: any\n    influence_conversation: true\n", 4, "cannot influence"),
    "float min above max": (
        "slots:\n  a:\n    type: float\n    min_value: 5\n    max_value: 1\n",
        4,
        "above max_value",
    ),
    "unknown mapping type": (
        "slots:\n  a:\n    type: text\n    mappings:\n      - type: from_llm\n",
        5,
        "unknown mapping type",
    ),
    "from_entity without entity": (
        "slots:\n  a:\n    type: text\n    mappings:\n      - type: from_entity\n",
        5,
        "needs an `entity`",
    ),
    "from_intent without value": (
        "slots:\n  a:\n    type: text\n    mappings:\n      - type: from_intent\n        intent: x\n",
        5,
        "needs a `value`",
    ),
    "mapping not a mapping": (
        "slots:\n  a:\n    type: text\n    mappings:\n      - from_text\n",
        5,
        "must be a mapping",
    ),
    "response not a list": ("responses:\n  utter_a:\n    text: hi\n", 2, "must be a list of variations"),
    "empty response": ("responses:\n  utter_a:\n", 2, "must be a list of variations"),
    "variation not a mapping": ("templates:\n  utter_a:\n    - 42\n", 3, "must be a mapping"),
    "form requires undeclared slot": (
        "slots:\n  a: {type: text}\nforms:\n  f:\n    required_slots: [a, b]\n",
        4,
        "'b'",
    ),
    "form not a mapping": ("forms:\n  f: [a]\n", 2, "must be a mapping"),
    "2.x form mapping for undeclared slot": (
        "forms:\n  f:\n    required_slots:\n      x:\n        - type: from_text\n",
        4,
        "not declared",
    ),
    "session expiration text": ("session_config:\n  session_expiration_time: soon\n", 2, "must be a number"),
    "negative expiration": ("session_config:\n  session_expiration_time: -1\n", 2, "must not be negative"),
    "actions not names": ("actions:\n  - [a, b]\n", 2, "action must be a name"),
    "store_entities_as_slots text": ("config:\n  store_entities_as_slots: maybe\n", 2, "true or false"),
}


@pytest.mark.parametrize("case", BAD)
def test_bad_domain_names_file_line_and_fix(case):
    text, line, words = BAD[case]
    with pytest.raises(DataError) as caught:
        read_domain(text, "bot/domain.yml")
    error = caught.value
    assert words in error.message
    assert str(error.location.file) == "bot/domain.yml"
    assert error.location.line == line
    assert str(error).startswith(f"bot/domain.yml:{line}")
    assert error.hint


def test_error_message_reads_well():
    with pytest.raises(DataError) as caught:
        read_domain("version: '3.1'\nslots:\n  city:\n    type: strng\n", "domain.yml")
    assert str(caught.value) == (
        "domain.yml:4:5: slot 'city' has the unknown type 'strng'\n"
        "  fix: use one of: text, bool, categorical, float, list, any (1.x also: unfeaturized)"
    )


_KEYS = [
    "intents",
    "entities",
    "slots",
    "responses",
    "templates",
    "actions",
    "forms",
    "session_config",
    "config",
    "type",
    "values",
    "mappings",
    "required_slots",
    "use_entities",
    "roles",
    "text",
    "entity",
    "conditions",
    "auto_fill",
    "influence_conversation",
    "min_value",
    "value",
    "a",
    "b",
]
_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 3),
    st.sampled_from(_KEYS + ["text", "any", "categorical", "from_entity", "float", "unfeaturized"]),
)
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.sampled_from(_KEYS), inner, max_size=3)),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from(_KEYS[:9]), _VALUES, max_size=4))
def test_any_domain_shaped_input_reads_or_fails_with_a_data_error(data):
    try:
        read_domain(dump_yaml(data), "fuzz.yml")
    except DataError as error:
        assert error.location is not None and str(error.location.file) == "fuzz.yml"
