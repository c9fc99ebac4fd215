"""Constructs of real Rasa assistants, read as Rasa reads them, on a small project written here.

Each test pins one construct that large real projects use (issue 12): a rule that starts with a
condition and `active_loop: null`, retrieval responses kept in an NLU data file, `- entity: value`
items in a story, slots filled from a story's entities, stories that begin with a bot action, and
a config naming components that cannot run here. The whole project must validate without errors,
train, and pass its test stories, as it does in Rasa 3.6.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from core.config import load_config
from core.domain import load_domain
from core.evaluation.core_eval import evaluate_stories, load_test_stories
from core.events import SlotSet, UserUttered
from core.training import Project, TrainingObserver, load_project, train_core
from core.training_data.loader import load_training_data
from core.training_data.trackers import training_trackers
from core.validation import validate
from tui.cli import main

DOMAIN_3X = """version: "3.1"
intents: [greet, inform, affirm, faq, request_weather, chitchat]
entities: [city, entity]
slots:
  city:
    type: text
    mappings:
    - type: from_entity
      entity: city
  entity:
    type: text
    influence_conversation: false
    mappings:
    - type: from_entity
      entity: entity
  weather_day:
    type: text
    influence_conversation: false
    mappings:
    - type: from_text
      conditions:
      - active_loop: weather_form
        requested_slot: weather_day
forms:
  weather_form:
    required_slots: [weather_day]
responses:
  utter_greet: [{text: "Hello!"}]
  utter_greet_again: [{text: "Hello again, {city} is still on my mind."}]
  utter_help: [{text: "I tell the weather."}]
  utter_ok: [{text: "Fine."}]
  utter_ask_day: [{text: "For which day?"}]
  utter_ask_city: [{text: "For which city?"}]
  utter_ask_weather_day: [{text: "Which day do you mean?"}]
  utter_weather_in_city: [{text: "Sunny in {city}."}]
  utter_chitchat: [{text: "Nice talking to you."}]
  utter_noted: [{text: "Noted: {entity}."}]
"""

# The same domain as Rasa 2.x wrote it: slots fill from the entity of their name (auto_fill).
DOMAIN_2X = """version: "2.0"
intents: [greet, inform, affirm, faq, request_weather, chitchat]
entities: [city, entity]
slots:
  city:
    type: text
  entity:
    type: text
    influence_conversation: false
  weather_day:
    type: text
    influence_conversation: false
    auto_fill: false
forms:
  weather_form:
    required_slots:
      weather_day:
      - type: from_text
responses:
  utter_greet: [{text: "Hello!"}]
  utter_greet_again: [{text: "Hello again, {city} is still on my mind."}]
  utter_help: [{text: "I tell the weather."}]
  utter_ok: [{text: "Fine."}]
  utter_ask_day: [{text: "For which day?"}]
  utter_ask_city: [{text: "For which city?"}]
  utter_ask_weather_day: [{text: "Which day do you mean?"}]
  utter_weather_in_city: [{text: "Sunny in {city}."}]
  utter_chitchat: [{text: "Nice talking to you."}]
  utter_noted: [{text: "Noted: {entity}."}]
"""

CONFIG = """version: "3.1"
language: en
pipeline:
- name: WhitespaceTokenizer
- name: CountVectorsFeaturizer
- name: DIETClassifier
  epochs: 3
- name: DucklingEntityExtractor
  url: http://localhost:8000
  dimensions: [time]
- name: SpacyNLP
  model: en_core_web_md
- name: SpacyEntityExtractor
  dimensions: [PERSON]
policies:
- name: MemoizationPolicy
  max_history: 2
- name: RulePolicy
"""

NLU = """version: "3.1"
nlu:
- intent: greet
  examples: |
    - hello
    - hi there
- intent: inform
  examples: |
    - in [Berlin](city)
    - what about [Paris](city)
    - between [monday and friday](entity)
    - it is for tomorrow
- intent: affirm
  examples: |
    - yes
    - sure
- intent: faq/ask_name
  examples: |
    - what is your name
    - who are you
- intent: faq/ask_weather
  examples: |
    - do you know the weather
    - can you tell the weather
- intent: request_weather
  examples: |
    - I need a forecast
    - weather please
- intent: chitchat
  examples: |
    - how are you
    - nice day
"""

RETRIEVAL_RESPONSES = """version: "3.1"
responses:
  utter_faq/ask_name:
  - text: I am the weather bot.
  utter_faq/ask_weather:
  - text: I know the weather everywhere.
"""

RULES = """version: "3.1"
rules:
- rule: answer a question
  steps:
  - intent: faq
  - action: utter_faq
- rule: greet again when a city is known and no form runs
  condition:
  - slot_was_set:
    - city
  steps:
  - active_loop: null
  - intent: greet
  - action: utter_greet_again
- rule: start the form
  steps:
  - intent: request_weather
  - action: weather_form
  - active_loop: weather_form
- rule: chitchat inside the form
  condition:
  - active_loop: weather_form
  steps:
  - intent: chitchat
  - action: utter_chitchat
  - action: weather_form
  - active_loop: weather_form
- rule: submit the form
  condition:
  - active_loop: weather_form
  steps:
  - action: weather_form
  - active_loop: null
  - slot_was_set:
    - requested_slot: null
  - action: utter_weather_in_city
"""

STORIES = """version: "3.1"
stories:
- story: weather with the city given
  steps:
  - intent: inform
    entities:
    - city: Berlin
  - action: utter_ask_day
  - intent: affirm
  - action: utter_ok
  - intent: affirm
  - action: utter_weather_in_city
- story: weather without a city
  steps:
  - intent: inform
  - action: utter_ask_day
  - intent: affirm
  - action: utter_ok
  - intent: affirm
  - action: utter_ask_city
- story: the bot offers help first
  steps:
  - action: utter_help
  - intent: affirm
  - action: utter_ok
- story: the bot greets first
  steps:
  - action: utter_greet
  - intent: affirm
  - action: utter_ok
- story: a date range
  steps:
  - intent: inform
    entities:
    - entity: date ranges
  - action: utter_noted
"""

TEST_STORIES = """version: "3.1"
stories:
- story: weather with another city
  steps:
  - intent: inform
    entities:
    - city: Hamburg
  - action: utter_ask_day
  - intent: affirm
  - action: utter_ok
  - intent: affirm
  - action: utter_weather_in_city
- story: weather with no city
  steps:
  - intent: inform
  - action: utter_ask_day
  - intent: affirm
  - action: utter_ok
  - intent: affirm
  - action: utter_ask_city
- story: a question
  steps:
  - intent: faq
  - action: utter_faq
- story: greeted again
  steps:
  - intent: inform
    entities:
    - city: Rome
  - action: utter_ask_day
  - intent: greet
  - action: utter_greet_again
"""


def write_project(folder: Path, domain: str = DOMAIN_3X) -> Path:
    files = {
        "domain.yml": domain,
        "config.yml": CONFIG,
        "data/nlu/nlu.yml": NLU,
        "data/nlu/responses/faq.yml": RETRIEVAL_RESPONSES,
        "data/rules.yml": RULES,
        "data/stories.yml": STORIES,
        "tests/test_stories.yml": TEST_STORIES,
    }
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)
    return folder


@pytest.fixture(params=["3.x", "2.x"])
def project(request, tmp_path: Path) -> Path:
    return write_project(tmp_path, DOMAIN_3X if request.param == "3.x" else DOMAIN_2X)


def loaded(folder: Path) -> Project:
    return load_project(folder / "config.yml", folder / "domain.yml", [folder / "data"])


def errors_of(folder: Path) -> list[str]:
    project = loaded(folder)
    assert project.domain is not None
    return [str(f) for f in validate(project.domain, project.data, project.config.policies.max_history).errors]


def test_rule_with_a_condition_then_active_loop_null_trains(project):
    """Rasa credits the leading `active_loop: null` to the rule-start marker, not to action_listen."""
    ensemble = train_core(loaded(project), TrainingObserver())
    assert ensemble is not None


def test_retrieval_responses_in_an_nlu_file_join_the_domain(project):
    domain = loaded(project).domain
    assert domain is not None
    assert "utter_faq" in domain.action_names and "utter_faq/ask_name" in domain.responses
    assert domain.is_retrieval_intent("faq")
    assert not [e for e in errors_of(project) if "utter_faq" in e]


def test_an_entity_item_of_a_story_is_name_and_value(project):
    (story,) = [s for s in load_training_data([project / "data"]).stories if s.name == "a date range"]
    assert story.steps[0].entities == [{"entity": "entity", "value": "date ranges"}]
    assert not [e for e in errors_of(project) if "date ranges" in e]


def test_story_entities_fill_the_slots_they_map_to(project):
    data = loaded(project)
    trackers = training_trackers(data.data.stories, data.domain, augmentation_factor=0)
    (tracker,) = [t for t in trackers if t.name == "weather with the city given"]
    user = next(i for i, e in enumerate(tracker.events) if isinstance(e, UserUttered))
    assert tracker.events[user + 1] == SlotSet("city", "Berlin", timestamp=0.0)
    (ranged,) = [t for t in trackers if t.name == "a date range"]
    assert SlotSet("entity", "date ranges", timestamp=0.0) in ranged.events
    assert not [e for e in errors_of(project) if "conflict" in e]


def test_stories_that_begin_with_different_bot_actions_do_not_conflict(project):
    assert not [e for e in errors_of(project) if "utter_help" in e]


def test_the_project_validates_without_errors(project):
    assert errors_of(project) == []


def test_its_test_stories_pass_with_the_story_intents(project):
    data = loaded(project)
    ensemble = train_core(data, TrainingObserver())
    assert data.domain is not None
    evaluation = evaluate_stories(load_test_stories([project / "tests"]), data.domain, ensemble)
    assert len(evaluation.stories) == 4
    assert [s.mistakes for s in evaluation.failed] == []


def test_components_that_cannot_run_are_named_once_in_one_warning(tmp_path):
    config = load_config(write_project(tmp_path) / "config.yml")
    (warning,) = config.warnings
    assert "DucklingEntityExtractor" in warning and "SpacyEntityExtractor (line 13)" in warning
    assert warning.count("SpacyEntityExtractor") == 1 and "skipped" in warning


def test_the_cli_validates_trains_and_tests_it(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(write_project(tmp_path))
    assert main(["data", "validate"]) == 0
    assert main(["train", "--quiet"]) == 0
    assert main(["test", "core", "--stories", "tests"]) == 0
    out = capsys.readouterr().out
    assert "4 / 4" in out
    assert load_domain("domain.yml").responses.get("utter_faq/ask_name") is None  # the file is untouched
