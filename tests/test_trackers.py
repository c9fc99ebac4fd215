"""Stories -> training trackers: checkpoints, `or`, rules, augmentation, 1.x forms, on real Rasa data."""

from pathlib import Path

import pytest

from core.domain import Domain, load_domain, read_domain
from core.events import ActionExecuted, ActiveLoop, AllSlotsReset, SlotSet, UserUttered
from core.policies.states import tracker_states
from core.training_data.loader import load_training_data
from core.training_data.stories_md import read_stories_md
from core.training_data.stories_yaml import read_stories_yaml
from core.training_data.story_model import ActionStep, EventStep, Story, UserStep
from core.training_data.trackers import training_trackers
from core.yamlio import read_text
from tests.conftest import COMPAT

TEST_DATA = COMPAT / "test-data" / "data"


def outline(tracker) -> list[str]:
    """Events in a compact readable form: listen, greet, utter_greet, slot:name=peter, loop:form."""
    out = []
    for event in tracker.events:
        if isinstance(event, ActionExecuted):
            out.append("listen" if event.name == "action_listen" else event.name or f"bot:{event.action_text}")
        elif isinstance(event, UserUttered):
            out.append(event.intent_name or f"text:{event.text}")
        elif isinstance(event, SlotSet):
            out.append(f"slot:{event.name}={event.value}")
        elif isinstance(event, ActiveLoop):
            out.append(f"loop:{event.name}")
        else:
            out.append(event.type_name)
    return out


def md_trackers(path: Path, domain: Domain | None = None, warnings=None):
    stories = read_stories_md(read_text(path), path)
    return training_trackers(stories, domain or Domain(), augmentation_factor=0, warnings=warnings)


def test_checkpoints_start_end_multiple_and_intermediate_are_resolved():
    warnings: list[str] = []
    trackers = md_trackers(TEST_DATA / "test_stories" / "stories.md", warnings=warnings)
    # by hand: the plain story (1); "only_end" continues into "only_start" and into
    # "show_it_all" (2); "multiple_turns" has 2 `or` alternatives, each continuing through
    # "why ..." into the same 2 continuations (4).
    assert len(trackers) == 7
    outlines = {" ".join(outline(t)) for t in trackers}
    assert "listen hello utter_greet slot:name=peter listen simple utter_default listen" in outlines
    assert (
        "listen thank_you utter_default listen goodbye utter_goodbye listen why utter_default "
        "listen next_intent utter_greet listen change_bank_details utter_default listen"
    ) in outlines
    assert any("check_hello" in w and "never reached" in w for w in warnings)
    names = {t.name for t in trackers}
    assert "simple_story_with_only_end > show_it_all" in names


def test_checkpoint_after_or_gives_one_tracker_per_alternative():
    trackers = md_trackers(TEST_DATA / "test_stories" / "stories_checkpoint_after_or.md")
    assert sorted(" ".join(outline(t)) for t in trackers) == [
        "listen affirm utter_default listen goodbye utter_goodbye listen",
        "listen thank_you utter_default listen goodbye utter_goodbye listen",
    ]


def test_yaml_or_over_intents_with_entities_and_over_slots():
    path = TEST_DATA / "test_yaml_stories" / "story_with_or_and_entities.yml"
    trackers = training_trackers(read_stories_yaml(read_text(path), path), Domain(), augmentation_factor=0)
    assert len(trackers) == 2
    assert sorted(len(t.events[1].entities) for t in trackers) == [0, 1]
    path = TEST_DATA / "test_yaml_stories" / "story_with_or_slot_was_set.yml"
    warnings: list[str] = []
    trackers = training_trackers(read_stories_yaml(read_text(path), path), Domain(), 0, warnings=warnings)
    assert sorted(outline(t)[3] for t in trackers) == ["slot:name=bob", "slot:name=peter"]
    assert any("check_greet" in w and "never continued" in w for w in warnings)


def test_checkpoint_slot_conditions_choose_the_continuation():
    stories = read_stories_md(
        """## start
* greet
    - action_lookup
    - slot{"name": "peter"}
> after

## for peter
> after{"name": "peter"}
* bye
    - utter_bye_peter

## for bob
> after{"name": "bob"}
* bye
    - utter_bye_bob
""",
        "conditions.md",
    )
    trackers = training_trackers(stories, Domain(), augmentation_factor=0)
    assert [outline(t) for t in trackers] == [
        ["listen", "greet", "action_lookup", "slot:name=peter", "listen", "bye", "utter_bye_peter", "listen"]
    ]


def test_checkpoint_cycles_are_cut():
    stories = read_stories_md(
        """## start
* greet
    - utter_greet
> loop

## again
> loop
* more
    - utter_more
> loop
""",
        "cycle.md",
    )
    trackers = training_trackers(stories, Domain(), augmentation_factor=0)
    assert [outline(t) for t in trackers] == [
        ["listen", "greet", "utter_greet", "listen", "more", "utter_more", "listen"]
    ]


def test_or_combinations_are_capped_with_a_warning():
    alternatives = " OR ".join(f"i{n}" for n in range(11))
    text = "## big\n" + "".join(f"* {alternatives}\n    - utter_x\n" for _ in range(3))
    warnings: list[str] = []
    trackers = training_trackers(read_stories_md(text, "big.md"), Domain(), augmentation_factor=0, warnings=warnings)
    assert len(trackers) == 1000
    assert any("1000" in w for w in warnings)


def test_rules_keep_their_condition_first_and_their_flags():
    path = TEST_DATA / "test_yaml_stories" / "rules_without_stories.yml"
    trackers = training_trackers(read_stories_yaml(read_text(path), path), Domain(), augmentation_factor=0)
    assert all(t.is_rule for t in trackers)
    by_name = {t.name: t for t in trackers}
    conditioned = by_name["Rule with condition"]
    assert outline(conditioned) == [
        "listen",
        "loop:loop_q_form",
        "slot:requested_slot=some_slot",
        "inform",
        "loop_q_form",
        "listen",
    ]
    assert conditioned.condition_length == 2 and not conditioned.conversation_start
    no_wait = by_name["Rule after which another action should be predicted"]
    assert not no_wait.wait_for_user_input
    assert outline(no_wait) == ["listen", "explain", "utter_explain_some_slot"]
    waits = by_name["Rule which explicitly waits for user input when finished"]
    assert outline(waits)[-1] == "listen"


def test_conversation_start_rule_flag():
    rules = read_stories_yaml(
        """rules:
- rule: welcome
  conversation_start: true
  steps:
  - intent: greet
  - action: utter_welcome
""",
        "r.yml",
    )
    (tracker,) = training_trackers(rules, Domain(), augmentation_factor=0)
    assert tracker.is_rule and tracker.conversation_start and tracker.condition_length == 0


def test_augmentation_glues_complete_stories_reproducibly():
    path = COMPAT / "moodbot-3x"
    domain = load_domain(path / "domain.yml")
    stories = load_training_data([path / "data"]).stories
    trackers = training_trackers(stories, domain, augmentation_factor=7, seed=3)
    augmented = [t for t in trackers if t.is_augmented]
    originals = {t.name: t for t in trackers if not t.is_augmented and not t.is_rule}
    assert len(augmented) == 7
    again = [t for t in training_trackers(stories, domain, augmentation_factor=7, seed=3) if t.is_augmented]
    assert [t.name for t in again] == [t.name for t in augmented]
    for glued in augmented:
        first, second = glued.name.split(" + ")
        assert outline(glued) == outline(originals[first]) + outline(originals[second])[1:]


@pytest.mark.parametrize(
    ("bot", "stories", "rules"),
    [
        ("moodbot-1x", 4, 0),
        ("moodbot-3x", 3, 2),
        ("concertbot-1x", 7, 0),
        ("concertbot-3x", 6, 5),
        ("formbot-1x", 10, 0),
        ("formbot-3x", 2, 6),
        ("initial-project-3x", 3, 2),
    ],
)
def test_compat_sets_give_one_tracker_per_story_and_rule(bot, stories, rules):
    domain = load_domain(COMPAT / bot / "domain.yml")
    trackers = training_trackers(load_training_data([COMPAT / bot / "data"]).stories, domain, augmentation_factor=5)
    assert sum(not t.is_rule and not t.is_augmented for t in trackers) == stories
    assert sum(t.is_rule for t in trackers) == rules
    for tracker in trackers:
        first = tracker.events[0]
        assert isinstance(first, ActionExecuted) and first.name == "action_listen"
        for _before, event in zip(tracker.events, tracker.events[1:]):
            if isinstance(event, UserUttered):
                actions = [e for e in tracker.events[: tracker.events.index(event)] if isinstance(e, ActionExecuted)]
                assert actions[-1].name == "action_listen", tracker.name


def test_1x_form_prefix_story_gives_the_same_states_as_the_plain_story():
    domain = load_domain(COMPAT / "formbot-1x" / "domain.yml")
    path = COMPAT / "formbot-1x" / "tests" / "end-to-end-stories.md"
    trackers = {t.name: t for t in md_trackers(path, domain)}
    plain, prefixed = trackers["Happy path"], trackers["Happy path with form prefix"]
    assert any(isinstance(e, UserUttered) and e.intent_name == "inform" for e in prefixed.events)
    assert tracker_states(prefixed.events, domain) == tracker_states(plain.events, domain)


def test_markdown_and_yaml_form_stories_give_the_same_states():
    domain = read_domain(read_text(TEST_DATA / "test_domains" / "form.yml"))
    md = md_trackers(TEST_DATA / "test_stories" / "stories_form.md", domain)
    path = TEST_DATA / "test_yaml_stories" / "stories_form.yml"
    yml = training_trackers(read_stories_yaml(read_text(path), path), domain, augmentation_factor=0)
    yml_by_name = {t.name: t for t in yml}
    shared = [t for t in md if t.name in yml_by_name]
    assert len(shared) == 5
    for tracker in shared:
        assert tracker_states(tracker.events, domain) == tracker_states(yml_by_name[tracker.name].events, domain)


def test_legacy_deactivate_form_and_other_events():
    story = Story(
        "s",
        [
            UserStep(intent="stop"),
            ActionStep(name="action_deactivate_form"),
            EventStep("reset_slots"),
            UserStep(intent="bye", text="bye now"),
            ActionStep(bot_text="See you"),
        ],
    )
    (tracker,) = training_trackers([story], Domain(), augmentation_factor=0)
    assert outline(tracker) == [
        "listen",
        "stop",
        "action_deactivate_loop",
        "reset_slots",
        "listen",
        "bye",
        "bot:See you",
        "listen",
    ]
    assert isinstance(tracker.events[3], AllSlotsReset)
    assert tracker.events[5].text == "bye now"


def test_slots_set_by_name_only_get_rasas_placeholder_values():
    domain = read_domain(
        """
slots:
  city: {type: text, mappings: [{type: custom}]}
  stops: {type: list, mappings: [{type: custom}]}
  vip: {type: bool, mappings: [{type: custom}]}
"""
    )
    stories = read_stories_yaml(
        """stories:
- story: s
  steps:
  - intent: go
  - action: action_plan
  - slot_was_set:
    - city
    - stops
    - vip
""",
        "s.yml",
    )
    warnings: list[str] = []
    (tracker,) = training_trackers(stories, domain, augmentation_factor=0, warnings=warnings)
    assert outline(tracker)[3:6] == ["slot:city=filled", "slot:stops=['filled']", "slot:vip=None"]
    assert any("'vip'" in w for w in warnings)
