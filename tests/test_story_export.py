"""Story export (core/story_export.py): conversations run through the runtime come out as 1.x
Markdown with Rasa 1.x's `form:` prefixes, or as 3.x YAML, and read back as the same stories."""

from __future__ import annotations

import random
from textwrap import dedent

import pytest

from core.domain import read_domain
from core.events import ActionExecuted, ActionExecutionRejected, ActiveLoop, LoopInterrupted, SlotSet, UserUttered
from core.runtime import Agent, EndpointConfig
from core.sdk.forms import FormAction
from core.story_export import export_stories, tracker_to_story
from core.tracker import DialogueStateTracker
from core.training_data.stories_md import read_stories_md, write_stories_md
from core.training_data.stories_yaml import read_stories_yaml, write_stories_yaml
from forms.registry import register_forms
from tests.conftest import ISSUE_FORM_STORY
from tests.test_forms import serving

DOMAIN_1X = read_domain(
    dedent("""\
    intents: [request_restaurant, inform, stop, affirm, chitchat]
    entities: [cuisine, number]
    slots:
      cuisine: {type: unfeaturized}
      num_people: {type: unfeaturized}
      requested_slot: {type: unfeaturized}
    templates:
      utter_ask_cuisine: [{text: "what cuisine?"}]
      utter_ask_num_people: [{text: "how many people?"}]
      utter_ask_continue: [{text: "continue?"}]
      utter_slots_values: [{text: "{cuisine} for {num_people}"}]
    actions: [utter_slots_values, utter_ask_continue]
    forms: [restaurant_form]
"""),
    "domain.yml",
)


class TwoSlotForm(FormAction):
    def name(self) -> str:
        return "restaurant_form"

    @staticmethod
    def required_slots(tracker) -> list[str]:
        return ["cuisine", "num_people"]

    def slot_mappings(self):
        return {"num_people": self.from_entity(entity="number")}

    def submit(self, dispatcher, tracker, domain):
        return []


@pytest.fixture(scope="module")
def legacy_server():
    with serving({"restaurant_form": TwoSlotForm()}) as url:
        yield url


def legacy_agent(url: str) -> Agent:
    agent = Agent(DOMAIN_1X, action_endpoint=EndpointConfig(url), rng=random.Random(0))
    register_forms(agent)
    return agent


def turn(agent: Agent, tracker, message: str, *actions: str) -> None:
    agent.handle_user(tracker, agent.parse(message))
    for action in actions:
        agent.execute(tracker, action)


def test_the_1x_form_story_round_trips_markdown_yaml_markdown():
    stories = read_stories_md(ISSUE_FORM_STORY, "stories.md")
    yaml_text = write_stories_yaml(stories)
    assert '"form: inform"' in yaml_text and '"form: restaurant_form"' in yaml_text
    again = read_stories_yaml(yaml_text, "stories.yml")
    assert again == stories
    assert write_stories_md(again) == ISSUE_FORM_STORY


def test_a_conversation_with_a_1x_form_exports_as_rasa_1x_wrote_it(legacy_server):
    agent = legacy_agent(legacy_server)
    tracker = agent.tracker_for("restaurant")
    turn(agent, tracker, "/request_restaurant", "restaurant_form", "action_listen")
    turn(agent, tracker, '/inform{"cuisine": "mexican"}', "restaurant_form", "action_listen")
    turn(agent, tracker, '/inform{"number": "2"}', "restaurant_form", "utter_slots_values", "action_listen")
    assert export_stories([tracker], "md") == ISSUE_FORM_STORY
    assert tracker_to_story(tracker, "restaurant", "1.x") == read_stories_md(ISSUE_FORM_STORY)[0]


def test_rejected_form_turns_stay_unprefixed_and_undo_is_applied(legacy_server):
    agent = legacy_agent(legacy_server)
    tracker = agent.tracker_for("detour")
    turn(agent, tracker, "/request_restaurant", "restaurant_form", "action_listen")
    turn(agent, tracker, "/stop", "restaurant_form", "utter_ask_continue", "action_listen")
    turn(agent, tracker, "/affirm")
    tracker.update(LoopInterrupted(True))  # the person said: do not validate this input
    agent.execute(tracker, "restaurant_form")
    agent.execute(tracker, "utter_slots_values")
    agent.undo(tracker)  # taken back: not in the story
    agent.execute(tracker, "action_listen")
    expected = dedent("""\
        ## detour
        * request_restaurant
            - restaurant_form
            - form{"name": "restaurant_form"}
            - slot{"requested_slot": "cuisine"}
        * stop
            - utter_ask_continue
        * affirm
            - restaurant_form
            - slot{"requested_slot": "cuisine"}
    """)
    assert export_stories({"detour": tracker}, "md") == expected


def test_validated_input_after_a_rejection_gets_an_explicit_listen():
    """Rasa 1.x wrote `- action_listen` before `* form: ...` when the restored form validated."""
    events = [
        ActionExecuted("action_listen"),
        UserUttered("/request", {"name": "request_restaurant"}),
        ActionExecuted("restaurant_form"),
        ActiveLoop("restaurant_form"),
        SlotSet("requested_slot", "cuisine"),
        ActionExecuted("action_listen"),
        UserUttered("/stop", {"name": "stop"}),
        ActionExecutionRejected("restaurant_form"),
        ActionExecuted("utter_ask_continue"),
        ActionExecuted("action_listen"),
        UserUttered("/inform", {"name": "inform"}, [{"entity": "cuisine", "value": "thai"}]),
        ActionExecuted("restaurant_form"),
        SlotSet("cuisine", "thai"),
        ActiveLoop(None),
        SlotSet("requested_slot", None),
    ]
    story = tracker_to_story(DialogueStateTracker("t", None, events), "validated", "1.x")
    assert write_stories_md([story]) == dedent("""\
        ## validated
        * request_restaurant
            - restaurant_form
            - form{"name": "restaurant_form"}
            - slot{"requested_slot": "cuisine"}
        * stop
            - utter_ask_continue
            - action_listen
        * form: inform{"cuisine": "thai"}
            - restaurant_form
            - slot{"cuisine": "thai"}
            - form{"name": null}
            - slot{"requested_slot": null}
    """)


def test_yaml_export_of_a_3x_form_conversation_reads_back(tmp_path):
    events = [
        ActionExecuted("action_listen"),
        UserUttered(
            "book a thai table",
            {"name": "request_restaurant"},
            [{"entity": "cuisine", "value": "thai", "start": 7, "end": 11}],
        ),
        SlotSet("cuisine", "thai"),
        ActionExecuted("restaurant_form"),
        ActiveLoop("restaurant_form"),
        SlotSet("requested_slot", "num_people"),
        ActionExecuted("action_listen"),
        UserUttered("four of us", {"name": "inform"}, [{"entity": "number", "value": "4", "start": 0, "end": 4}]),
        SlotSet("num_people", 4),
        ActionExecuted("restaurant_form"),
        SlotSet("requested_slot", None),
        ActiveLoop(None),
        ActionExecuted("utter_submit"),
        ActionExecuted("action_listen"),
    ]
    tracker = DialogueStateTracker("booking", None, events)
    text = export_stories([tracker], "yaml")
    assert "active_loop: restaurant_form" in text and "form:" not in text
    story = read_stories_yaml(text)[0]
    assert story == tracker_to_story(tracker, "booking")
    kinds = [type(step).__name__ for step in story.steps]
    assert kinds == [
        "UserStep",
        "SlotStep",
        "ActionStep",
        "ActiveLoopStep",
        "SlotStep",
        "UserStep",
        "SlotStep",
        "ActionStep",
        "SlotStep",
        "ActiveLoopStep",
        "ActionStep",
    ]
    assert story.steps[0].entities == [{"entity": "cuisine", "value": "thai"}] and story.steps[0].text is None
    e2e = read_stories_yaml(export_stories([tracker], "yaml", e2e=True))[0]
    assert e2e.steps[0].text == "book a thai table" and e2e.steps[0].entities[0]["start"] == 7
