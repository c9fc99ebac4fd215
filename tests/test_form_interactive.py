"""What interactive learning needs from forms: the validation question, its answer as events, the
warning when the answer contradicts the training stories, and forms driven by trained policies."""

from __future__ import annotations

import random
from dataclasses import replace
from pathlib import Path
from textwrap import dedent

import pytest

from core.domain import load_domain
from core.events import (
    ActionExecuted,
    ActionExecutionRejected,
    Form,
    FormValidation,
    LoopInterrupted,
    SlotSet,
    UserUttered,
)
from core.interactive.validation_question import (
    NO_VALIDATION_WARNING,
    VALIDATION_WARNING,
    apply_validation_answer,
    contradiction_warning,
    follow_answer,
    needs_validation_question,
)
from core.prediction import Prediction
from core.runtime import Agent, EndpointConfig
from core.tracker import DialogueStateTracker
from core.training import load_project, train
from core.training_data.loader import load_training_data
from core.training_data.stories_md import read_stories_md
from core.training_data.trackers import training_trackers
from forms.registry import register_forms
from tests.conftest import COMPAT, ROOT
from tests.test_forms import formbot_server, run, say  # noqa: F401  (formbot_server is a fixture)

FORMBOT = ROOT / "sample_data" / "formbot"


@pytest.fixture(scope="module")
def domain():
    return load_domain(FORMBOT / "domain.yml")


@pytest.fixture
def agent(domain, formbot_server):
    agent = Agent(domain, action_endpoint=EndpointConfig(formbot_server), rng=random.Random(0))
    register_forms(agent)
    return agent


def detour(agent: Agent, sender: str):
    """Inside the form at outdoor_seating: stop, "continue?", and the user's affirm."""
    tracker = agent.tracker_for(sender)
    say(agent, tracker, '/request_restaurant{"cuisine": "thai", "number": "2"}')
    run(agent, tracker, "restaurant_form", "action_listen")
    say(agent, tracker, "/stop")
    run(agent, tracker, "restaurant_form", "utter_ask_continue", "action_listen")
    say(agent, tracker, "/affirm")
    return tracker


def asked_about(agent: Agent, tracker) -> tuple[str, str] | None:
    """What the session would ask before running the form on the latest message."""
    required = agent.domain.forms["restaurant_form"].required_slots or []
    return needs_validation_question(tracker, "restaurant_form", required)


def into_form(agent: Agent, sender: str):
    """/request_restaurant, the form asks for the cuisine, the bot listens."""
    tracker = agent.tracker_for(sender)
    say(agent, tracker, "/request_restaurant")
    assert asked_about(agent, tracker) is None  # activation: no form active yet
    run(agent, tracker, "restaurant_form")
    assert asked_about(agent, tracker) is None  # not after user input
    run(agent, tracker, "action_listen")
    assert tracker.requested_slot == "cuisine"
    return tracker


@pytest.fixture(params=["formbot", "formbot-3x"])
def any_formbot(request, formbot_server):
    """The sample formbot and Rasa's own formbot (3.x) from the compat data, with the sample's
    actions (validate_restaurant_form) served."""
    folder = FORMBOT if request.param == "formbot" else COMPAT / "formbot-3x"
    agent = Agent(load_domain(folder / "domain.yml"), action_endpoint=EndpointConfig(formbot_server))
    register_forms(agent)
    return agent


@pytest.mark.parametrize(
    "answer",
    ['/inform{"cuisine": "thai"}', '/inform{"number": "3"}', '/request_restaurant{"cuisine": "thai", "number": "3"}'],
    ids=["the requested slot", "another required slot", "both"],
)
def test_no_question_after_a_direct_answer(any_formbot, answer):
    tracker = into_form(any_formbot, "direct")
    say(any_formbot, tracker, answer)
    assert asked_about(any_formbot, tracker) is None


@pytest.mark.parametrize("answer", ["/chitchat", "/stop", "/bot_challenge", "/greet"])
def test_the_question_comes_after_an_interruption(any_formbot, answer):
    tracker = into_form(any_formbot, "interrupted")
    say(any_formbot, tracker, answer)  # fills neither cuisine nor another required slot
    assert asked_about(any_formbot, tracker) == ("restaurant_form", "cuisine")
    assert needs_validation_question(tracker, "utter_chitchat") is None
    tracker.update(ActionExecutionRejected("restaurant_form"))
    assert asked_about(any_formbot, tracker) is None  # just rejected this very input


def test_a_text_slot_answer_is_direct_and_a_deny_to_it_too(any_formbot):
    """preferences takes any text (from_text) and /deny (from_intent): both answer it."""
    tracker = into_form(any_formbot, "text")
    say(any_formbot, tracker, '/inform{"cuisine": "thai", "number": "2"}')
    run(any_formbot, tracker, "restaurant_form", "action_listen")
    say(any_formbot, tracker, "/affirm")
    assert asked_about(any_formbot, tracker) is None  # outdoor_seating: yes
    run(any_formbot, tracker, "restaurant_form", "action_listen")
    assert tracker.requested_slot == "preferences"
    say(any_formbot, tracker, "/deny")
    assert asked_about(any_formbot, tracker) is None


def test_restored_form_no_means_ask_again_and_yes_means_use_the_answer(agent):
    tracker = detour(agent, "no")
    assert tracker.is_active_loop_rejected
    assert needs_validation_question(tracker, "restaurant_form") == ("restaurant_form", "outdoor_seating")
    assert apply_validation_answer(tracker, validate=False) == [LoopInterrupted(True)]
    run(agent, tracker, "restaurant_form")
    assert tracker.get_slot("outdoor_seating") is None and tracker.requested_slot == "outdoor_seating"

    tracker = detour(agent, "yes")
    assert apply_validation_answer(tracker, validate=True) == []
    run(agent, tracker, "restaurant_form")
    assert tracker.get_slot("outdoor_seating") is True and tracker.requested_slot == "preferences"


def test_no_on_a_plain_answer_undoes_what_extraction_took_from_it(agent):
    tracker = agent.tracker_for("plain")
    say(agent, tracker, '/request_restaurant{"cuisine": "thai", "number": "2"}')
    run(agent, tracker, "restaurant_form", "action_listen")
    say(agent, tracker, "/affirm")
    assert tracker.get_slot("outdoor_seating") is True  # extracted right away
    apply_validation_answer(tracker, validate=False)
    run(agent, tracker, "restaurant_form")
    assert tracker.get_slot("outdoor_seating") is None and tracker.requested_slot == "outdoor_seating"


def test_yes_lifts_an_interruption_and_the_prediction_follows_the_answer(agent):
    tracker = detour(agent, "lift")
    tracker.update(LoopInterrupted(True))
    assert apply_validation_answer(tracker, validate=True) == [LoopInterrupted(False)]
    assert not tracker.is_active_loop_interrupted
    prediction = Prediction(("restaurant_form",), (0.9,), "RulePolicy", events=(LoopInterrupted(True),))
    assert follow_answer(prediction).events == ()
    agent.execute(tracker, "restaurant_form", follow_answer(prediction))
    assert tracker.get_slot("outdoor_seating") is True


def test_1x_forms_get_the_1x_event():
    tracker = DialogueStateTracker(
        "old",
        None,
        [
            ActionExecuted("action_listen"),
            UserUttered("/x", {"name": "request_restaurant"}),
            ActionExecuted("restaurant_form"),
            Form("restaurant_form"),
            SlotSet("requested_slot", "cuisine"),
            ActionExecuted("action_listen"),
            UserUttered("/y", {"name": "affirm"}),
        ],
    )
    assert apply_validation_answer(tracker, validate=False) == [FormValidation(False)]
    assert tracker.is_active_loop_interrupted


def test_yes_against_a_1x_story_that_teaches_no_validation_warns_naming_it(agent):
    stories = read_stories_md((COMPAT / "formbot-1x" / "data" / "stories.md").read_text(), "stories.md")
    tracker = detour(agent, "warn")
    warning = contradiction_warning(stories, tracker, validate=True)
    assert warning == f"{NO_VALIDATION_WARNING}: contradicting story 'stop but continue path'"
    assert warning.startswith(
        "FormPolicy predicted no form validation based on previous training stories. "
        "Make sure to remove contradictory stories from training data"
    )
    assert contradiction_warning(stories, tracker, validate=False) is None


def test_3x_training_trackers_and_the_opposite_contradiction(agent, domain):
    data = load_training_data([FORMBOT / "data"])
    trackers = training_trackers(data.stories, domain, augmentation_factor=0)
    tracker = detour(agent, "trackers")
    assert (
        contradiction_warning(trackers, tracker, validate=True)
        == f"{NO_VALIDATION_WARNING}: contradicting story 'stop the form, then continue'"
    )
    teaches_validation = read_stories_md(
        dedent("""\
        ## continue and validate
        * request_restaurant
            - restaurant_form
            - form{"name": "restaurant_form"}
        * stop
            - utter_ask_continue
            - action_listen
        * form: affirm
            - restaurant_form
    """)
    )
    assert (
        contradiction_warning(teaches_validation, tracker, validate=False)
        == f"{VALIDATION_WARNING}: contradicting story 'continue and validate'"
    )
    assert contradiction_warning(teaches_validation, tracker, validate=True) is None


# -- the form under trained policies ------------------------------------------------------------


@pytest.fixture(scope="module")
def formbot_model(tmp_path_factory) -> Path:
    project = load_project(FORMBOT / "config.yml", FORMBOT / "domain.yml", [FORMBOT / "data"])
    config = replace(project.config, policies=replace(project.config.policies, ted=False))
    return train(replace(project, config=config), ("core",), tmp_path_factory.mktemp("models"), force=True).path


def test_trained_rules_drive_the_form_to_submission(formbot_model, formbot_server, tmp_path):
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text(f"action_endpoint:\n  url: {formbot_server}\n")
    agent = Agent.load(formbot_model, endpoints, rng=random.Random(1))
    register_forms(agent)
    messages = [
        "/request_restaurant",
        '/inform{"cuisine": "korean"}',
        '/inform{"number": "3"}',
        "/affirm",
        "/deny",
        '/inform{"feedback": "great"}',
    ]
    texts = []
    for message in messages:
        turn = agent.handle_message("rules", message)
        assert turn.problems == []
        texts += [m.text for m in turn.messages]
    tracker = agent.tracker_for("rules")
    assert texts[-2] == "Thanks, I have everything I need."
    assert tracker.slots["cuisine"] == "korean" and tracker.slots["num_people"] == 3
    assert tracker.slots["outdoor_seating"] is True and tracker.slots["feedback"] == "great"
    assert tracker.active_loop_name is None and tracker.latest_action_name == "action_listen"
