"""Story conflicts as `rasa data validate stories` reports them."""

import pytest

from core.domain import Domain, load_domain, read_domain
from core.policies.conflicts import find_story_conflicts
from core.training_data.loader import load_training_data
from core.training_data.stories_md import read_stories_md
from core.training_data.trackers import training_trackers
from tests.conftest import COMPAT, ROOT

DOMAIN = read_domain(
    """
intents: [greet, ask_weather, request, inform, thanks]
responses:
  utter_greet: [{text: hi}]
  utter_weather: [{text: sunny}]
  utter_ask_city: [{text: where?}]
  utter_chitchat: [{text: well}]
  utter_done: [{text: done}]
forms:
  book_form: {required_slots: []}
"""
)


def conflicts(text: str, max_history: int = 5, domain: Domain = DOMAIN):
    trackers = training_trackers(read_stories_md(text, "stories.md"), domain, augmentation_factor=3)
    return find_story_conflicts(trackers, domain, max_history)


CONFLICTING = """## weather right away
* greet
    - utter_greet
* ask_weather
    - utter_weather

## weather needs a city
* greet
    - utter_greet
* ask_weather
    - utter_ask_city
"""


def test_a_conflicting_pair_of_stories_is_reported_with_names_and_history():
    (conflict,) = conflicts(CONFLICTING)
    assert conflict.actions == {
        "utter_weather": ["weather right away"],
        "utter_ask_city": ["weather needs a city"],
    }
    assert conflict.history_text == "intent greet, utter_greet, intent ask_weather"
    message = conflict.message
    assert "'weather right away'" in message and "'weather needs a city'" in message
    assert "after: intent greet, utter_greet, intent ask_weather" in message


def test_only_the_last_max_history_states_count():
    text = """## long a
* greet
    - utter_greet
* thanks
    - utter_done
* ask_weather
    - utter_weather

## long b
* inform
    - utter_greet
* thanks
    - utter_done
* ask_weather
    - utter_ask_city
"""
    assert conflicts(text, max_history=5) == []
    (conflict,) = conflicts(text, max_history=3)
    assert conflict.history_text == "intent thanks, utter_done, intent ask_weather"


def test_loop_happy_path_turns_cannot_conflict():
    text = """## form happy path (1.x form prefix)
* request
    - book_form
    - form{"name": "book_form"}
* form: inform
    - form: book_form
    - form{"name": null}
    - utter_done

## form unhappy path
* request
    - book_form
    - form{"name": "book_form"}
* inform
    - utter_chitchat
    - book_form
    - form{"name": null}
    - utter_done
"""
    assert conflicts(text) == []


@pytest.mark.parametrize(
    "bot",
    ["moodbot-1x", "moodbot-3x", "concertbot-1x", "concertbot-3x", "formbot-1x", "formbot-3x", "initial-project-3x"],
)
def test_rasa_example_bots_have_no_conflicts(bot):
    domain = load_domain(COMPAT / bot / "domain.yml")
    trackers = training_trackers(load_training_data([COMPAT / bot / "data"]).stories, domain)
    assert find_story_conflicts(trackers, domain, max_history=5) == []


def test_sample_bots_have_no_conflicts():
    bots = [p for p in sorted((ROOT / "sample_data").glob("*")) if (p / "domain.yml").is_file()]
    for bot in bots:
        domain = load_domain(bot / "domain.yml")
        trackers = training_trackers(load_training_data([bot / "data"]).stories, domain)
        assert [c.message for c in find_story_conflicts(trackers, domain, max_history=5)] == [], bot.name
