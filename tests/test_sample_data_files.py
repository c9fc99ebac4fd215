"""The sample bots are consistent Rasa projects.

These checks use only pyyaml and regular expressions, on purpose: they guard the sample data
independently of botcoach's own readers, so a reader bug cannot hide a data bug (or the reverse).
Stories are replayed into simplified dialogue states (previous action, intent, featurized slots,
active loop) to find two windows of max_history states that teach different next actions.
"""

from __future__ import annotations

import ast
import importlib.util
import re
from itertools import chain
from pathlib import Path
from typing import Any

import pytest
import yaml

from core.sdk import Action, Tracker
from core.sdk.executor import CollectingDispatcher
from tests.conftest import SAMPLES

BOTS = ["moodbot", "concertbot", "formbot"]
YAML_BOTS = ["concertbot", "formbot"]
MAX_HISTORY = 5
LISTEN = "action_listen"
BUILTIN_ACTIONS = {
    LISTEN,
    "action_restart",
    "action_deactivate_loop",
    "action_default_fallback",
    "action_session_start",
    "action_back",
    "action_two_stage_fallback",
}
ANY = "<any>"
START = "<start>"
MARKUP = re.compile(r"\[(?P<text>[^\]]+)\](?:\((?P<plain>[^)]+)\)|(?P<json>\{[^}]*\}))")


# ---------------------------------------------------------------- reading the files


def load(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def names(items: Any) -> list[str]:
    """Names from a domain list whose entries are `name` or `{name: {...}}`."""
    return [item if isinstance(item, str) else next(iter(item)) for item in items or []]


def domain_of(bot: str) -> dict[str, Any]:
    raw = load(SAMPLES / bot / "domain.yml")
    return {
        "raw": raw,
        "intents": set(names(raw.get("intents"))),
        "entities": set(names(raw.get("entities"))),
        "slots": raw.get("slots") or {},
        "responses": raw.get("responses") or raw.get("templates") or {},
        "actions": set(names(raw.get("actions"))),
        "forms": set(raw.get("forms") or {}),
    }


def entities_in(text: str) -> list[str]:
    found = []
    for match in MARKUP.finditer(text):
        if match["plain"] is not None:
            found.append(match["plain"].split(":")[0])
        else:
            found.append(yaml.safe_load(match["json"])["entity"])
    return found


def nlu_examples(bot: str) -> dict[str, list[str]]:
    """Intent name -> example lines, from nlu.md (1.x) or nlu.yml (3.x)."""
    examples: dict[str, list[str]] = {}
    md_path, yml_path = SAMPLES / bot / "data" / "nlu.md", SAMPLES / bot / "data" / "nlu.yml"
    if md_path.exists():
        intent = None
        for line in md_path.read_text(encoding="utf-8").splitlines():
            if line.startswith("## "):
                kind, _, name = line[3:].partition(":")
                intent = name.strip() if kind == "intent" else None
                assert kind in {"intent", "synonym", "regex", "lookup"}, line
            elif line.startswith("- ") and intent:
                examples.setdefault(intent, []).append(line[2:].strip())
    else:
        for block in load(yml_path)["nlu"]:
            if "intent" in block:
                lines = block["examples"].splitlines()
                assert all(line.startswith("- ") for line in lines), block["intent"]
                examples[block["intent"]] = [line[2:].strip() for line in lines]
    return examples


def md_stories(path: Path) -> list[tuple[str, list[tuple]]]:
    """Rasa 1.x Markdown stories as (name, steps); e2e lines `* intent: text` keep the text."""
    stories: list[tuple[str, list[tuple]]] = []
    for raw_line in path.read_text(encoding="utf-8").splitlines():
        line = re.sub(r"<!--.*?-->", "", raw_line).strip()
        if line.startswith("## "):
            stories.append((line[3:].strip(), []))
        elif line.startswith("* "):
            intent, _, text = line[2:].partition(":")
            stories[-1][1].append(("user", intent.strip(), entities_in(text)))
        elif line.startswith("- "):
            assert re.fullmatch(r"[a-z_]+", line[2:]), f"unsupported story line: {raw_line!r}"
            stories[-1][1].append(("action", line[2:]))
        else:
            assert not line, f"unexpected story line: {raw_line!r}"
    return stories


def yaml_steps(steps: list[dict]) -> list[tuple]:
    parsed: list[tuple] = []
    for step in steps:
        if "intent" in step:
            annotated = [next(iter(e)) if isinstance(e, dict) else e for e in step.get("entities", [])]
            parsed.append(("user", step["intent"], annotated + entities_in(step.get("user", ""))))
        elif "action" in step:
            parsed.append(("action", step["action"]))
        elif "slot_was_set" in step:
            values = {}
            for item in step["slot_was_set"]:
                values.update(item if isinstance(item, dict) else {item: True})
            parsed.append(("slots", values))
        elif "active_loop" in step:
            parsed.append(("loop", step["active_loop"]))
        else:
            raise AssertionError(f"unsupported step {step}")
    return parsed


def yaml_stories(path: Path, key: str) -> list[dict]:
    content = load(path)
    assert content["version"] == "3.1", path
    return content.get(key) or []


def training_stories(bot: str) -> list[tuple[str, list[tuple]]]:
    data = SAMPLES / bot / "data"
    if bot == "moodbot":
        return md_stories(data / "stories.md")
    return [(s["story"], yaml_steps(s["steps"])) for s in yaml_stories(data / "stories.yml", "stories")]


def e2e_stories(bot: str) -> list[tuple[str, list[tuple]]]:
    tests = SAMPLES / bot / "tests"
    if bot == "moodbot":
        return md_stories(tests / "test_stories.md")
    return [(s["story"], yaml_steps(s["steps"])) for s in yaml_stories(tests / "test_stories.yml", "stories")]


def rules(bot: str) -> list[dict]:
    path = SAMPLES / bot / "data" / "rules.yml"
    return yaml_stories(path, "rules") if path.exists() else []


# ---------------------------------------------------------------- dialogue states


def featurized_slots(domain: dict[str, Any]) -> dict[str, str]:
    return {
        name: spec["type"]
        for name, spec in domain["slots"].items()
        if spec.get("influence_conversation", spec["type"] != "any")
    }


def slot_feature(slot_type: str, value: Any) -> Any:
    return bool(value) if slot_type == "bool" else value is not None


class Replay:
    """Replays steps into states; each predicted action is recorded with its window of states."""

    def __init__(self, featurized: dict[str, str], rule: bool = False, condition: list | None = None) -> None:
        self.featurized, self.rule = featurized, rule
        self.prev: Any = ANY if rule else None
        self.intent: Any = ANY if rule else None
        self.slots: dict[str, Any] | Any = ANY if rule else {}
        self.loop: Any = ANY if rule else None
        for item in condition or []:
            if "active_loop" in item:
                self.loop = item["active_loop"]
            for entry in item.get("slot_was_set", []):
                self.slots = {} if self.slots == ANY else self.slots
                self.slots.update({name: slot_feature(featurized[name], v) for name, v in entry.items()})
        self.states: list[tuple] = []
        self.predictions: list[tuple[tuple, str]] = []

    def state(self) -> tuple:
        slots = self.slots if self.slots == ANY else frozenset(self.slots.items())
        return (self.prev, self.intent if self.prev == LISTEN else None, slots, self.loop)

    def act(self, action: str) -> None:
        if self.prev != ANY:  # a rule does not predict the action it starts with
            self.states.append(self.state())
            window = tuple(self.states[-MAX_HISTORY:])
            if not self.rule:
                window = (START,) * (MAX_HISTORY - len(window)) + window
            self.predictions.append((window, action))
        self.prev = action

    def run(self, steps: list[tuple], end_with_listen: bool = False) -> list[tuple[tuple, str]]:
        for step in steps:
            if step[0] == "user":
                if self.prev not in (LISTEN, ANY):
                    self.act(LISTEN)
                self.prev, self.intent = LISTEN, step[1]
            elif step[0] == "action":
                self.act(step[1])
            elif step[0] == "slots":
                self.slots = {} if self.slots == ANY else self.slots
                for name, value in step[1].items():
                    if name in self.featurized:
                        self.slots[name] = slot_feature(self.featurized[name], value)
            else:
                self.loop = step[1]
        if end_with_listen and steps and steps[-1][0] == "action":
            self.act(LISTEN)
        return self.predictions


def rule_predictions(bot: str, featurized: dict[str, str]) -> list[tuple[tuple, str, str]]:
    found = []
    for rule in rules(bot):
        replay = Replay(featurized, rule=True, condition=rule.get("condition"))
        ends_listening = rule.get("wait_for_user_input", True)
        for window, action in replay.run(yaml_steps(rule["steps"]), end_with_listen=ends_listening):
            found.append((window, action, rule["rule"]))
    return found


def state_matches(state: tuple, pattern: tuple) -> bool:
    """Rule fields left open match anything; rule slots need only be a subset of the story's."""
    return all(
        wanted == ANY or (wanted <= value if isinstance(wanted, frozenset) else value == wanted)
        for value, wanted in zip(state, pattern)
    )


def specificity(window: tuple) -> tuple[int, int]:
    fields = sum(1 for state in window for value in state if value != ANY)
    return (len(window), fields)


def rule_verdict(window: tuple, rule_preds: list[tuple[tuple, str, str]]) -> set[str] | None:
    """The actions the most specific rules matching the end of `window` predict, or None."""
    real = [state for state in window if state != START]
    matching = [
        (pattern, action)
        for pattern, action, _ in rule_preds
        if len(pattern) <= len(real) and all(map(state_matches, real[-len(pattern) :], pattern))
    ]
    if not matching:
        return None
    best = max(specificity(pattern) for pattern, _ in matching)
    return {action for pattern, action in matching if specificity(pattern) == best}


def story_predictions(bot: str, stories: list[tuple[str, list[tuple]]]) -> list[tuple[tuple, str, str]]:
    featurized = featurized_slots(domain_of(bot))
    return [(window, action, name) for name, steps in stories for window, action in Replay(featurized).run(steps)]


# ---------------------------------------------------------------- the checks


@pytest.mark.parametrize("bot", BOTS)
def test_every_yaml_file_parses(bot: str) -> None:
    files = sorted((SAMPLES / bot).rglob("*.yml"))
    assert {"domain.yml", "config.yml", "endpoints.yml"} <= {path.name for path in files}
    for path in files:
        content = load(path)
        assert (content is None and path.name == "endpoints.yml") or isinstance(content, dict), path
    assert (SAMPLES / bot / "README.md").read_text(encoding="utf-8").count("\n") == 3


def test_moodbot_is_in_rasa_1x_style() -> None:
    domain, config = domain_of("moodbot")["raw"], load(SAMPLES / "moodbot" / "config.yml")
    assert "templates" in domain and "version" not in domain
    assert {p["name"] for p in config["policies"]} == {"MemoizationPolicy", "KerasPolicy", "MappingPolicy"}
    greet = domain["templates"]["utter_greet"][0]
    assert [b["payload"] for b in greet["buttons"]] == ["/mood_great", "/mood_unhappy"]
    assert domain["templates"]["utter_cheer_up"][0]["image"].startswith("https://")
    e2e_lines = (SAMPLES / "moodbot" / "tests" / "test_stories.md").read_text().splitlines()
    assert all(re.fullmatch(r"\* \w+: .+", line) for line in e2e_lines if line.startswith("*"))


@pytest.mark.parametrize("bot", BOTS)
def test_domain_intents_and_nlu_examples_match(bot: str) -> None:
    domain, examples = domain_of(bot), nlu_examples(bot)
    assert set(examples) == domain["intents"] - {"nlu_fallback"}
    for intent, lines in examples.items():
        assert len(lines) >= 10, f"{bot}: {intent} has only {len(lines)} examples"
    all_lines = [MARKUP.sub(lambda m: m["text"], line).lower() for line in chain(*examples.values())]
    duplicates = {line for line in all_lines if all_lines.count(line) > 1}
    assert not duplicates, f"{bot}: examples used twice: {duplicates}"
    used = set(chain.from_iterable(entities_in(line) for line in chain(*examples.values())))
    assert used == domain["entities"], f"{bot}: NLU entities {used} vs domain {domain['entities']}"


@pytest.mark.parametrize("bot", BOTS)
def test_stories_rules_and_tests_use_only_domain_names(bot: str) -> None:
    domain = domain_of(bot)
    known_actions = set(domain["responses"]) | domain["actions"] | domain["forms"] | BUILTIN_ACTIONS
    rule_steps = [(r["rule"], yaml_steps(r["steps"])) for r in rules(bot)]
    for name, steps in chain(training_stories(bot), e2e_stories(bot), rule_steps):
        for step in steps:
            if step[0] == "user":
                assert step[1] in domain["intents"], f"{bot} / {name}: intent {step[1]}"
                assert set(step[2]) <= domain["entities"], f"{bot} / {name}: entities {step[2]}"
            elif step[0] == "action":
                assert step[1] in known_actions, f"{bot} / {name}: action {step[1]}"
            elif step[0] == "slots":
                assert set(step[1]) <= set(domain["slots"]) | {"requested_slot"}, f"{bot} / {name}"
            else:
                assert step[1] is None or step[1] in domain["forms"], f"{bot} / {name}: loop {step[1]}"
    if bot == "moodbot":
        assert set(domain["responses"]) <= domain["actions"], "1.x lists every template under actions"


@pytest.mark.parametrize("bot", BOTS)
def test_responses_fill_only_known_slots(bot: str) -> None:
    domain = domain_of(bot)
    for name, variations in domain["responses"].items():
        assert name.startswith("utter_") and variations, name
        for variation in variations:
            for placeholder in re.findall(r"\{(\w+)\}", variation["text"]):
                assert placeholder in domain["slots"], f"{name} fills unknown slot {placeholder}"


@pytest.mark.parametrize("bot", YAML_BOTS)
def test_slot_mappings_and_forms_refer_to_domain(bot: str) -> None:
    domain = domain_of(bot)
    for slot, spec in domain["slots"].items():
        for mapping in spec["mappings"]:
            assert mapping["type"] in {"from_entity", "from_intent", "from_text", "custom"}, slot
            assert "entity" not in mapping or mapping["entity"] in domain["entities"], slot
            for key in ("intent", "not_intent"):
                wanted = mapping.get(key) or []
                assert set([wanted] if isinstance(wanted, str) else wanted) <= domain["intents"], slot
            for condition in mapping.get("conditions", []):
                assert condition["active_loop"] in domain["forms"], slot
                assert condition.get("requested_slot", slot) in domain["slots"], slot
    for form, spec in (domain["raw"].get("forms") or {}).items():
        assert set(spec["required_slots"]) <= set(domain["slots"]), form
        assert set(spec.get("ignored_intents", [])) <= domain["intents"], form
        assert f"validate_{form}" in domain["actions"]
        for slot in spec["required_slots"]:
            assert f"utter_ask_{slot}" in domain["responses"], f"{form} cannot ask for {slot}"


@pytest.mark.parametrize("bot", YAML_BOTS)
def test_stories_record_what_unconditional_intent_mappings_set(bot: str) -> None:
    """After `intent: X`, a featurized slot mapped from X (with no conditions) is set to its value."""
    domain = domain_of(bot)
    featurized = featurized_slots(domain)
    for name, steps in training_stories(bot) + e2e_stories(bot):
        for index, step in enumerate(steps):
            if step[0] != "user":
                continue
            recorded = steps[index + 1][1] if index + 1 < len(steps) and steps[index + 1][0] == "slots" else {}
            for slot in featurized:
                for mapping in domain["slots"][slot]["mappings"]:
                    if (
                        mapping["type"] == "from_intent"
                        and not mapping.get("conditions")
                        and step[1]
                        in ([mapping["intent"]] if isinstance(mapping["intent"], str) else mapping["intent"])
                    ):
                        assert recorded.get(slot, "<unset>") == mapping["value"], f"{bot} / {name}: {slot}"


@pytest.mark.parametrize("bot", BOTS)
def test_no_two_windows_teach_different_actions(bot: str) -> None:
    """Across training and test stories, and against the most specific matching rule."""
    featurized = featurized_slots(domain_of(bot))
    by_rule = rule_predictions(bot, featurized)
    teaches: dict[tuple, set[tuple[str, str]]] = {}
    for window, action, story in story_predictions(bot, training_stories(bot) + e2e_stories(bot)):
        teaches.setdefault(window, set()).add((action, story))
        verdict = rule_verdict(window, by_rule)
        assert verdict is None or verdict == {action}, f"{bot} / {story}: {action} but rules say {verdict}"
    conflicts = {w: t for w, t in teaches.items() if len({action for action, _ in t}) > 1}
    assert not conflicts, f"{bot}: contradicting stories {list(conflicts.values())}"


@pytest.mark.parametrize("bot", ["moodbot", "concertbot"])
def test_every_test_story_step_is_taught(bot: str) -> None:
    """Test stories expect nothing the training data does not teach by a story or a rule."""
    featurized = featurized_slots(domain_of(bot))
    by_rule = rule_predictions(bot, featurized)
    taught = {(window, action) for window, action, _ in story_predictions(bot, training_stories(bot))}
    for window, action, story in story_predictions(bot, e2e_stories(bot)):
        assert (window, action) in taught or rule_verdict(window, by_rule) == {action}, f"{story}: {action}"


def test_concertbot_teaches_concert_reviews_after_a_concert_search() -> None:
    """Issue 6 types `/search_concerts` then `/compare_reviews` at the start of a conversation."""
    conversation = [
        ("user", "search_concerts", []),
        ("action", "action_search_concerts"),
        ("user", "compare_reviews", []),
        ("action", "action_show_concert_reviews"),
    ]
    taught = {(w, a) for w, a, _ in story_predictions("concertbot", training_stories("concertbot"))}
    asked = story_predictions("concertbot", [("issue 6", conversation)])
    assert len(asked) == 4 and all((w, a) in taught for w, a, _ in asked)
    wrong = {a for w, a, _ in story_predictions("concertbot", training_stories("concertbot")) if w == asked[-1][0]}
    assert wrong == {"action_show_concert_reviews"}


# ---------------------------------------------------------------- custom actions


def import_actions(bot: str) -> Any:
    path = SAMPLES / bot / "actions" / "actions.py"
    spec = importlib.util.spec_from_file_location(f"sample_{bot}_actions", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("bot", YAML_BOTS)
def test_actions_package_serves_exactly_the_domain_actions(bot: str) -> None:
    domain = domain_of(bot)
    package = SAMPLES / bot / "actions"
    assert (package / "__init__.py").exists()
    source = (package / "actions.py").read_text(encoding="utf-8")
    imported = {node.module for node in ast.walk(ast.parse(source)) if isinstance(node, ast.ImportFrom)}
    assert imported <= {
        "typing",
        "core.sdk",
        "core.sdk.events",
        "core.sdk.executor",
        "core.sdk.forms",
        "core.sdk.types",
    }
    for response in re.findall(r'response="(\w+)"', source):
        assert response in domain["responses"], response
    module = import_actions(bot)
    served = {
        cls().name()
        for cls in vars(module).values()
        if isinstance(cls, type) and issubclass(cls, Action) and cls.__module__ == module.__name__
    }
    assert served == domain["actions"]


def run_action(module: Any, class_name: str, slots: dict[str, Any]) -> tuple[list, list]:
    dispatcher = CollectingDispatcher()
    tracker = Tracker.from_dict({"sender_id": "test", "slots": slots, "events": []})
    events = getattr(module, class_name)().run(dispatcher, tracker, {})
    return events, dispatcher.messages


def test_concert_actions_store_and_rank_their_results() -> None:
    module = import_actions("concertbot")
    events, _ = run_action(module, "ActionSearchConcerts", {})
    assert events[0]["event"] == "slot" and events[0]["name"] == "concerts"
    _, messages = run_action(module, "ActionShowConcertReviews", {"concerts": events[0]["value"]})
    ranking = messages[0]["text"]
    assert ranking.index("The Midnight Lanterns") < ranking.index("Juniper") < ranking.index("Cobalt")
    _, messages = run_action(module, "ActionShowVenueReviews", {"venues": None})
    assert "first" in messages[0]["text"]


def test_restaurant_form_validation() -> None:
    module = import_actions("formbot")
    form, dispatcher = module.ValidateRestaurantForm(), CollectingDispatcher()
    assert form.validate_cuisine("Thai", dispatcher, None, {}) == {"cuisine": "thai"}
    assert form.validate_cuisine("martian", dispatcher, None, {}) == {"cuisine": None}
    assert [
        form.validate_num_people(v, dispatcher, None, {})["num_people"]
        for v in ("four", "4", 4.0, "0", -2, 2.5, "lots")
    ] == [4, 4, 4, None, None, None, None]
    assert [
        form.validate_outdoor_seating(v, dispatcher, None, {})["outdoor_seating"]
        for v in (True, False, "on the terrace", "inside", "whatever")
    ] == [True, False, True, False, None]
    assert [m["response"] for m in dispatcher.messages] == (
        ["utter_wrong_cuisine"] + ["utter_wrong_num_people"] * 4 + ["utter_wrong_outdoor_seating"]
    )
    events, messages = run_action(module, "ActionCancelBooking", {"cuisine": "thai"})
    assert [event["event"] for event in events] == ["reset_slots"]
    assert messages[0]["response"] == "utter_booking_cancelled"
