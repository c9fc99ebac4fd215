"""The domain model, reader and writers on the real Rasa domains of the compatibility corpus."""

import json

import pytest

from core.domain import (
    DEFAULT_ACTIONS,
    REQUESTED_SLOT,
    SESSION_START_METADATA_SLOT,
    Domain,
    Form,
    Intent,
    Slot,
    load_domain,
    read_domain,
    write_domain,
    write_domain_1x,
)
from core.domain.writer import beyond_1x
from core.yamlio import load_yaml
from tests.conftest import COMPAT, SHARED

DOMAINS = {
    "moodbot-1x": COMPAT / "moodbot-1x/domain.yml",
    "moodbot-3x": COMPAT / "moodbot-3x/domain.yml",
    "concertbot-1x": COMPAT / "concertbot-1x/domain.yml",
    "concertbot-3x": COMPAT / "concertbot-3x/domain.yml",
    "formbot-1x": COMPAT / "formbot-1x/domain.yml",
    "formbot-3x": COMPAT / "formbot-3x/domain.yml",
    "initial-project-3x": COMPAT / "initial-project-3x/domain.yml",
    "test-conditional": COMPAT / "test-data/data/test_domains/conditional_response_variations.yml",
    "test-form": COMPAT / "test-data/data/test_domains/form.yml",
}

# intents, entities, slots (declared), responses, actions (declared), forms
COUNTS = {
    "moodbot-1x": (6, 0, 0, 5, 5, 0),
    "moodbot-3x": (7, 0, 0, 6, 0, 0),
    "concertbot-1x": (6, 1, 2, 4, 8, 0),
    "concertbot-3x": (11, 1, 3, 7, 5, 0),
    "formbot-1x": (8, 5, 6, 15, 5, 1),
    "formbot-3x": (9, 4, 5, 17, 1, 1),
    "initial-project-3x": (7, 0, 0, 6, 0, 0),
    "test-conditional": (4, 0, 2, 2, 0, 0),
    "test-form": (8, 1, 2, 3, 4, 1),
}


@pytest.mark.parametrize("name", DOMAINS)
def test_every_compat_domain_loads_with_its_counts(name):
    domain = load_domain(DOMAINS[name])
    counts = (
        len(domain.intents),
        len(domain.entities),
        len(domain.slots),
        len(domain.responses),
        len(domain.actions),
        len(domain.forms),
    )
    assert counts == COUNTS[name]
    assert domain.warnings == []


def test_formbot_3x_slot_mappings_and_conditions_are_kept_as_written():
    domain = load_domain(DOMAINS["formbot-3x"])
    seating = domain.slots["outdoor_seating"]
    assert seating.type == "text" and seating.influence_conversation is False
    assert seating.mappings == [
        {"type": "from_entity", "entity": "seating"},
        {
            "type": "from_intent",
            "intent": "affirm",
            "value": True,
            "conditions": [{"active_loop": "restaurant_form", "requested_slot": "outdoor_seating"}],
        },
        {
            "type": "from_intent",
            "intent": "deny",
            "value": False,
            "conditions": [{"active_loop": "restaurant_form", "requested_slot": "outdoor_seating"}],
        },
    ]
    assert domain.slots["num_people"].mappings[0]["intent"] == ["inform", "request_restaurant"]
    assert domain.slots["preferences"].mappings[1]["not_intent"] == "deny"
    assert domain.forms["restaurant_form"] == Form(
        ["cuisine", "num_people", "outdoor_seating", "preferences", "feedback"], ["chitchat"]
    )
    assert domain.intents["request_restaurant"].use_entities == []
    assert domain.session_config.session_expiration_time == 60


def test_formbot_1x_unfeaturized_slots_and_form_list():
    domain = load_domain(DOMAINS["formbot-1x"])
    cuisine = domain.slots["cuisine"]
    assert (cuisine.type, cuisine.influence_conversation, cuisine.auto_fill) == ("any", False, False)
    assert cuisine.mappings == [{"type": "custom"}]  # auto_fill: false in 3.x terms
    assert domain.slots["requested_slot"].auto_fill is True
    assert domain.intents["chitchat"] == Intent(use_entities=[])
    assert not domain.intents["chitchat"].uses_entity("cuisine")
    assert domain.intents["inform"].uses_entity("cuisine")
    assert domain.forms == {"restaurant_form": Form(required_slots=None)}
    assert domain.responses["utter_slots_values"][0]["text"].startswith(
        "I am going to run a restaurant search using the following parameters:\n - cuisine: {cuisine}\n"
    )


def test_concertbot_1x_list_slots_and_templates():
    domain = load_domain(DOMAINS["concertbot-1x"])
    assert {name: slot.type for name, slot in domain.slots.items()} == {"concerts": "list", "venues": "list"}
    assert all(slot.influence_conversation for slot in domain.slots.values())
    assert domain.responses["utter_default"] == [{"text": "default message"}]
    assert domain.entity_names == ["name"]


def test_concertbot_3x_bool_slot_and_escaped_quotes():
    domain = load_domain(DOMAINS["concertbot-3x"])
    assert domain.slots["likes_music"] == Slot(type="bool", mappings=[{"type": "custom"}])
    assert domain.slots["concerts"].influence_conversation is False
    assert '"Find me some concerts"' in domain.responses["utter_awesome"][0]["text"]


def test_conditional_variations_keep_condition_and_channel():
    domain = load_domain(DOMAINS["test-conditional"])
    first = domain.responses["utter_withdraw"][0]
    assert first["condition"] == [{"type": "slot", "name": "can_withdraw", "value": False}]
    assert [v["channel"] for v in domain.responses["utter_check_balance"]] == ["os", "app"]
    assert domain.slots["account_type"].values == ["primary", "secondary"]


def test_action_names_put_rasa_defaults_first_then_actions_responses_forms():
    domain = load_domain(DOMAINS["formbot-3x"])
    names = domain.action_names
    assert names[: len(DEFAULT_ACTIONS)] == list(DEFAULT_ACTIONS)
    assert names[:3] == ["action_listen", "action_restart", "action_session_start"]
    assert names[len(DEFAULT_ACTIONS)] == "validate_restaurant_form"
    assert names[-1] == "restaurant_form"
    assert "utter_ask_cuisine" in names and len(names) == len(set(names))
    concert = load_domain(DOMAINS["concertbot-1x"])
    assert concert.action_names.count("utter_default") == 1  # in both actions and templates
    assert concert.custom_actions == [
        "action_search_concerts",
        "action_search_venues",
        "action_show_concert_reviews",
        "action_show_venue_reviews",
    ]
    mood = load_domain(DOMAINS["moodbot-3x"])
    assert mood.action_names == [*DEFAULT_ACTIONS, *mood.responses]


def test_forms_imply_requested_slot_and_every_domain_has_session_metadata():
    domain = load_domain(DOMAINS["formbot-3x"])
    assert REQUESTED_SLOT not in domain.slots
    implied = domain.all_slots[REQUESTED_SLOT]
    assert implied.type == "any" and not implied.featurized
    assert SESSION_START_METADATA_SLOT in domain.all_slots
    assert domain.slot_defaults()["cuisine"] is None
    assert SESSION_START_METADATA_SLOT in load_domain(DOMAINS["moodbot-3x"]).slot_names
    assert REQUESTED_SLOT not in load_domain(DOMAINS["moodbot-3x"]).slot_names


def test_names_roles_groups_and_retrieval_intents():
    domain = read_domain(
        """
intents:
  - chitchat
  - faq:
      is_retrieval_intent: true
  - greet
entities:
  - city:
      roles: [departure, destination]
  - topping:
      groups: ["1", "2"]
  - name
slots:
  seats:
    type: float
    initial_value: 2
    max_value: 10
    mappings: [{type: custom}]
responses:
  utter_chitchat/ask_name:
    - text: I am a bot
  utter_chitchat/ask_weather:
    - text: Sunny
"""
    )
    assert domain.entity_names == ["city", "topping", "name"]
    assert domain.entity_roles == {"city": ["departure", "destination"]}
    assert domain.entity_groups == {"topping": ["1", "2"]}
    assert domain.retrieval_intents == ["chitchat", "faq"]
    assert not domain.is_retrieval_intent("greet")
    assert "utter_chitchat" in domain.action_names
    assert not any("/" in name for name in domain.action_names)
    assert domain.slot_defaults()["seats"] == 2
    assert (domain.slots["seats"].min_value, domain.slots["seats"].max_value) == (0.0, 10)
    assert "restart" in domain.all_intent_names and "restart" not in domain.intent_names


@pytest.mark.parametrize("writer", [write_domain, write_domain_1x])
@pytest.mark.parametrize("name", DOMAINS)
def test_reading_what_was_written_gives_an_equal_domain(name, writer):
    domain = load_domain(DOMAINS[name])
    text = writer(domain)
    again = read_domain(text, f"{name}-written.yml")
    assert again == domain
    assert again.warnings == []
    assert writer(again) == text


@pytest.mark.parametrize("name", DOMAINS)
def test_3x_writer_gives_what_rasa_3_requires(name):
    data = load_yaml(write_domain(load_domain(DOMAINS[name])))
    assert data["version"] == "3.1"
    assert "templates" not in data
    assert all(spec["mappings"] for spec in (data.get("slots") or {}).values())
    assert all(spec["type"] != "unfeaturized" for spec in (data.get("slots") or {}).values())
    assert isinstance(data.get("forms", {}), dict)


def test_1x_writer_uses_1x_spellings():
    text = write_domain_1x(load_domain(DOMAINS["formbot-1x"]))
    data = load_yaml(text)
    assert "templates" in data and "responses" not in data and "version" not in data
    assert data["forms"] == ["restaurant_form"]
    assert data["slots"]["cuisine"] == {"type": "unfeaturized", "auto_fill": False}
    assert beyond_1x(load_domain(DOMAINS["formbot-1x"])) == []
    assert "form 'restaurant_form' lists its slots" in beyond_1x(load_domain(DOMAINS["formbot-3x"]))


def test_1x_domain_converted_to_3x_keeps_auto_fill_meaning():
    domain = read_domain(
        "intents: [inform]\nentities: [cuisine]\n"
        "slots:\n  cuisine: {type: text}\n  price: {type: text}\n  mood: {type: text, auto_fill: false}\n"
    )
    assert domain.slots["cuisine"].mappings == [{"type": "from_entity", "entity": "cuisine"}]
    assert domain.slots["price"].mappings == [{"type": "custom"}]  # no entity of that name
    assert domain.slots["mood"].mappings == [{"type": "custom"}]
    assert read_domain(write_domain(domain)) == domain


def test_2x_form_mappings_move_onto_the_slots_with_conditions():
    domain = read_domain(
        """
version: "2.0"
entities: [cuisine]
slots:
  cuisine: {type: text}
  outdoor: {type: bool}
forms:
  restaurant_form:
    required_slots:
      cuisine:
        - type: from_entity
          entity: cuisine
      outdoor:
        - type: from_intent
          intent: affirm
          value: true
  old_style_form:
    outdoor:
      - type: from_text
"""
    )
    assert domain.forms["restaurant_form"].required_slots == ["cuisine", "outdoor"]
    assert domain.forms["old_style_form"].required_slots == ["outdoor"]
    assert domain.slots["cuisine"].mappings == [
        {"type": "from_entity", "entity": "cuisine"},  # 2.x auto-fill by the entity of the same name
        {"type": "from_entity", "entity": "cuisine", "conditions": [{"active_loop": "restaurant_form"}]},
    ]
    assert domain.slots["outdoor"].mappings == [
        {
            "type": "from_intent",
            "intent": "affirm",
            "value": True,
            "conditions": [{"active_loop": "restaurant_form", "requested_slot": "outdoor"}],
        },
        {"type": "from_text", "conditions": [{"active_loop": "old_style_form", "requested_slot": "outdoor"}]},
    ]
    assert read_domain(write_domain(domain)) == domain


def test_slot_class_paths_are_tolerated_with_a_warning():
    domain = read_domain(
        "slots:\n  a: {type: rasa.shared.core.slots.TextSlot}\n  b: {type: rasa.core.slots.UnfeaturizedSlot}\n"
        "  c: {type: my_slots.MoodSlot}\n",
        "domain.yml",
    )
    assert domain.slots["a"].type == "text"
    assert (domain.slots["b"].type, domain.slots["b"].influence_conversation) == ("any", False)
    assert (domain.slots["c"].type, domain.slots["c"].custom_class) == ("any", "my_slots.MoodSlot")
    assert len(domain.warnings) == 3 and all(w.startswith("domain.yml:") for w in domain.warnings)
    assert read_domain(write_domain(domain)) == domain
    assert "my_slots.MoodSlot" in write_domain_1x(domain)


def test_variation_without_content_is_a_warning_and_string_variation_is_text():
    domain = read_domain("responses:\n  utter_a:\n    - channel: slack\n  utter_b:\n    - hello\n", "d.yml")
    assert domain.responses["utter_b"] == [{"text": "hello"}]
    assert any("d.yml:3" in w and "none of text" in w for w in domain.warnings)


def test_directory_domains_merge_in_name_order_keeping_the_first_definition(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "a.yml").write_text(
        "intents: [greet]\nresponses:\n  utter_greet:\n    - text: hi\nsession_config:\n  session_expiration_time: 5\n"
    )
    (tmp_path / "sub" / "b.yaml").write_text(
        "intents: [greet, bye]\nresponses:\n  utter_greet:\n    - text: hello\n  utter_bye:\n    - text: bye\n"
        "forms:\n  f:\n    required_slots: [x]\nslots:\n  x: {type: text, mappings: [{type: from_text}]}\n"
    )
    (tmp_path / "nlu.yml").write_text('version: "3.1"\nnlu:\n  - intent: greet\n    examples: "- hi"\n')
    domain = load_domain(tmp_path)
    assert domain.intent_names == ["greet", "bye"]
    assert domain.responses["utter_greet"] == [{"text": "hi"}]
    assert domain.session_config.session_expiration_time == 5
    assert domain.forms["f"].required_slots == ["x"]
    assert len(domain.warnings) == 1
    assert "b.yaml:3" in domain.warnings[0] and "a.yml:3" in domain.warnings[0]


def test_merge_does_not_change_either_domain():
    first, second = read_domain("intents: [a]"), read_domain("intents: [b]\nactions: [act]")
    merged = first.merge(second)
    assert merged.intent_names == ["a", "b"] and merged.actions == ["act"]
    assert first.intent_names == ["a"] and second.intent_names == ["b"]


def test_as_rasa_dict_matches_what_rasa_3_sends_to_an_action_server():
    captured = json.loads((SHARED / "compat/rasa-sdk/request_rasa3.6.21.json").read_text())["domain"]
    domain = read_domain(
        """
version: "3.1"
intents:
  - greet
  - request_restaurant:
      use_entities: [cuisine]
entities:
  - cuisine
  - city:
      roles: [departure, destination]
slots:
  cuisine:
    type: text
    mappings:
      - type: from_entity
        entity: cuisine
        conditions:
          - active_loop: restaurant_form
            requested_slot: cuisine
forms:
  restaurant_form:
    required_slots: [cuisine]
responses:
  utter_greet:
    - text: "Hey {cuisine}!"
      buttons:
        - title: "yes"
          payload: /affirm
actions: [action_search]
session_config:
  session_expiration_time: 60
  carry_over_slots_to_new_session: true
"""
    )
    ours = domain.as_rasa_dict()
    assert json.loads(json.dumps(ours)) == ours  # JSON-able
    assert ours.pop("config") == {"store_entities_as_slots": True}
    assert ours == captured


@pytest.mark.parametrize("name", DOMAINS)
def test_as_rasa_dict_has_the_captured_shape_for_every_domain(name):
    captured = json.loads((SHARED / "compat/rasa-sdk/request_rasa3.6.21.json").read_text())["domain"]
    ours = load_domain(DOMAINS[name]).as_rasa_dict()
    assert set(captured) <= set(ours)
    for key in captured:
        assert type(ours[key]) is type(captured[key])
    for spec in ours["slots"].values():
        assert {"type", "mappings"} <= set(spec)
    for form in ours["forms"].values():
        assert isinstance(form["required_slots"], list)


def test_domain_equality_ignores_where_it_came_from():
    assert read_domain("intents: [a]", "one.yml") == read_domain('version: "3.1"\nintents:\n  - a\n', "two.yml")
    assert Domain() != read_domain("intents: [a]")
