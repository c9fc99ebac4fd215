"""`botcoach data validate`: the checks Rasa's validator makes, each finding with file and line.

Reading errors (malformed files) stop early as DataError. What can be read is cross-checked here:
names a story or rule uses that the domain lacks, responses without content, intents without
examples, examples labelled with two intents, form mappings to unknown entities, and story
conflicts (the same `max_history` history followed by different actions; a warning, as in Rasa).

`botcoach train` runs the same checks and refuses to train on any error, so validation and
training agree: a data file that gives no training data, an empty domain, an example or a data
set past botcoach's limits (core/limits.py) are errors here and refusals there.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from core.config import PolicyConfig
from core.domain import DEFAULT_INTENTS, LEGACY_ACTIONS, Domain
from core.domain.items import RESPONSE_CONTENT_KEYS
from core.errors import DataError, Location
from core.limits import EXAMPLE_MAX_CHARS, FEATURE_MAX_TOKENS, MAX_ACTIONS, MAX_INTENTS
from core.nlu.tokenizer import is_truncated
from core.policies.conflicts import find_story_conflicts
from core.policies.rules import RulePolicy
from core.training_data.loader import TrainingData
from core.training_data.story_model import (
    ActionStep,
    ActiveLoopStep,
    OrStep,
    SlotStep,
    Story,
    UserStep,
)
from core.training_data.trackers import training_trackers


@dataclass
class Finding:
    level: str  # "error" or "warning"
    message: str
    location: Location | None = None
    hint: str | None = None

    def __str__(self) -> str:
        text = f"{self.location}: {self.message}" if self.location else self.message
        return f"{text}\n  fix: {self.hint}" if self.hint else text


@dataclass
class Report:
    findings: list[Finding] = field(default_factory=list)

    def error(self, message: str, location: Location | None = None, hint: str | None = None) -> None:
        self.findings.append(Finding("error", message, location, hint))

    def warning(self, message: str, location: Location | None = None, hint: str | None = None) -> None:
        self.findings.append(Finding("warning", message, location, hint))

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.level == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.level == "warning"]


def validate(domain: Domain, data: TrainingData, max_history: int = 5, policies: PolicyConfig | None = None) -> Report:
    """Every check, in Rasa's order: data files and limits, domain, NLU, stories and rules, story
    structure; with `policies` that use rules, also what the rule policy's training refuses (rules
    that contradict each other or a story, incomplete rules)."""
    report = check_data(data, domain)
    if domain == Domain():
        report.error(
            "the domain is empty: it declares no intents, entities, slots, responses, actions or forms",
            hint="pass the project's domain with -d (e.g. -d domain.yml)",
        )
    _check_responses(domain, report)
    _check_forms(domain, report)
    _check_nlu(domain, data, report)
    _check_stories(domain, data.stories, report)
    if data.stories:
        _check_conflicts(domain, data.stories, max_history, report)
        if policies is not None and policies.rules and not report.errors:
            _check_rules(domain, data.stories, policies, report)
    return report


def check_data(data: TrainingData, domain: Domain | None = None) -> Report:
    """What training refuses or skips, with or without a domain (`train nlu` has none): data files
    that gave no training data, and the limits."""
    report = Report()
    for unused in data.unused:
        report.error(f"{unused.path.name} {unused.reason}", Location(unused.path), unused.hint)
    report.findings.extend(limit_findings(data, domain))
    return report


def limit_findings(data: TrainingData, domain: Domain | None = None) -> list[Finding]:
    """Errors for what passes botcoach's limits, and a warning naming the examples whose
    features are truncated. Training refuses these errors even when validation is skipped."""
    found: list[Finding] = []
    truncated: list[Location | None] = []
    for example in data.nlu.examples:
        if len(example.text) > EXAMPLE_MAX_CHARS:
            found.append(
                Finding(
                    "error",
                    f"an NLU example of {len(example.text):,} characters is longer than {EXAMPLE_MAX_CHARS:,}, "
                    "the limit for one example",
                    example.location,
                    "shorten it or split it into several examples (is it a pasted file?)",
                )
            )
        elif is_truncated(example.text):
            truncated.append(example.location)
    if truncated:
        shown = ", ".join(str(where) for where in truncated[:5]) + (", ..." if len(truncated) > 5 else "")
        found.append(
            Finding(
                "warning",
                f"{len(truncated)} NLU example(s) have more than {FEATURE_MAX_TOKENS} tokens; the NLU features "
                f"read only their first {FEATURE_MAX_TOKENS}: {shown}",
                truncated[0],
                "shorten them: a message a user types is rarely this long",
            )
        )
    intents = {i.split("/", 1)[0] for i in data.nlu.intents} | set(domain.intents if domain else ())
    if len(intents) > MAX_INTENTS:
        found.append(
            Finding(
                "error",
                f"the project has {len(intents):,} intents, more than {MAX_INTENTS:,}, the limit",
                data.nlu.examples[0].location if data.nlu.examples else None,
                "merge intents that mean the same (retrieval intents like faq/ask_x count once, as faq)",
            )
        )
    if domain is not None and len(domain.action_names) > MAX_ACTIONS:
        found.append(
            Finding(
                "error",
                f"the domain has {len(domain.action_names):,} actions (responses and forms included), "
                f"more than {MAX_ACTIONS:,}, the limit",
                None,
                "merge responses that say the same, or split the bot",
            )
        )
    return found


def _check_responses(domain: Domain, report: Report) -> None:
    for name, variations in domain.responses.items():
        for variation in variations:
            if not any(variation.get(key) for key in RESPONSE_CONTENT_KEYS):
                report.error(
                    f"the response '{name}' has a variation without text, image, buttons, custom or attachment",
                    domain.sources.get(("responses", name)),
                    f"give every variation of '{name}' a `text:`",
                )


def _check_forms(domain: Domain, report: Report) -> None:
    checked: set[str] = set()  # a slot that several forms ask for is reported once
    for form_name, form in domain.forms.items():
        for slot_name in form.required_slots or []:
            if slot_name in checked:
                continue
            checked.add(slot_name)
            unknown: list[str] = []
            for mapping in domain.slot_mappings(slot_name):
                entity = mapping.get("entity")
                if mapping.get("type") == "from_entity" and entity not in domain.entities:
                    report.error(
                        f"the slot '{slot_name}' of form '{form_name}' is filled from the entity "
                        f"'{entity}', which is not in the domain",
                        domain.sources.get(("slots", slot_name)),
                        f"add '{entity}' under `entities:` or map the slot to an existing entity",
                    )
                for intent in _as_list(mapping.get("intent")) + _as_list(mapping.get("not_intent")):
                    if intent not in domain.intents and intent not in unknown:
                        unknown.append(intent)
            if unknown:
                names = ", ".join(f"'{intent}'" for intent in unknown)
                several = len(unknown) > 1
                report.warning(
                    f"the mappings of slot '{slot_name}' name {'intents' if several else 'the intent'} "
                    f"{names}, which the domain lacks, so no message matches {'them' if several else 'it'} there",
                    domain.sources.get(("slots", slot_name)),
                )


def _as_list(value) -> list:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _base_intent(intent: str) -> str:
    return intent.split("/", 1)[0]


def _check_nlu(domain: Domain, data: TrainingData, report: Report) -> None:
    if data.nlu.is_empty:
        return
    nlu_intents = {_base_intent(i) for i in data.nlu.intents}
    first_example: dict[str, Location | None] = {}
    for example in data.nlu.examples:
        if example.intent:
            first_example.setdefault(_base_intent(example.intent), example.location)
    for intent in sorted(nlu_intents - set(domain.intents)):
        report.error(
            f"the intent '{intent}' has NLU examples but is not in the domain",
            first_example.get(intent),
            f"add '{intent}' under `intents:` in the domain",
        )
    for intent in domain.intents:
        if intent not in nlu_intents and intent not in DEFAULT_INTENTS:
            report.warning(
                f"the intent '{intent}' is in the domain but has no NLU examples",
                domain.sources.get(("intents", intent)),
                f"add examples for '{intent}' to the NLU data, or remove it from the domain",
            )
    labels: dict[str, dict[str, Location | None]] = defaultdict(dict)
    for example in data.nlu.examples:
        if example.intent:
            labels[example.text.strip().lower()].setdefault(example.intent, example.location)
    for text, intents in labels.items():
        if len(intents) > 1:
            where = ", ".join(f"'{i}' ({loc})" for i, loc in intents.items())
            report.warning(
                f"the example '{text}' is labelled with several intents: {where}",
                next(iter(intents.values())),
                "keep each example under one intent",
            )


def _user_steps(story: Story):
    for step in [*story.condition, *story.steps]:
        if isinstance(step, OrStep):
            yield from step.alternatives
        else:
            yield step


def _check_stories(domain: Domain, stories: list[Story], report: Report) -> None:
    actions = set(domain.action_names) | set(domain.action_texts) | set(LEGACY_ACTIONS)
    slots = set(domain.all_slots)
    used_intents: set[str] = set()
    used_actions: set[str] = set()
    for story in stories:
        what = f"{story.kind} '{story.name}'"
        for step in _user_steps(story):
            where = step.location or story.location
            if isinstance(step, UserStep) and step.intent:
                intent = _base_intent(step.intent)
                used_intents.add(intent)
                if intent not in domain.intents and intent not in DEFAULT_INTENTS:
                    report.error(
                        f"the intent '{intent}' used in {what} is not in the domain",
                        where,
                        f"add '{intent}' under `intents:` in the domain, or fix the story",
                    )
                for entity in step.entities:
                    if entity.get("entity") not in domain.entities:
                        report.error(
                            f"the entity '{entity.get('entity')}' used in {what} is not in the domain",
                            where,
                            "add it under `entities:` in the domain",
                        )
            elif isinstance(step, ActionStep) and step.name:
                used_actions.add(step.name)
                if step.name not in actions:
                    kind = "response" if step.name.startswith("utter_") else "action"
                    report.error(
                        f"the {kind} '{step.name}' used in {what} is not in the domain",
                        where,
                        f"add a response '{step.name}' under `responses:`"
                        if kind == "response"
                        else f"add '{step.name}' under `actions:` in the domain",
                    )
            elif isinstance(step, SlotStep):
                for slot in step.slots:
                    if slot not in slots:
                        report.error(
                            f"the slot '{slot}' used in {what} is not in the domain",
                            where,
                            f"add '{slot}' under `slots:` in the domain",
                        )
            elif (
                isinstance(step, ActiveLoopStep)
                and step.name
                and step.name not in domain.forms
                and step.name not in actions
            ):
                report.error(
                    f"the form '{step.name}' used in {what} is not in the domain",
                    where,
                    f"add '{step.name}' under `forms:` in the domain",
                )
    for utterance in domain.utterance_actions:
        if utterance not in used_actions and not _used_implicitly(utterance, domain):
            report.warning(
                f"the response '{utterance}' is not used in any story or rule",
                domain.sources.get(("responses", utterance)),
            )


# Responses that built-in actions say on their own.
_DEFAULT_RESPONSES = {"utter_default", "utter_restart", "utter_back", "utter_ask_rephrase", "utter_ask_affirmation"}


def _used_implicitly(utterance: str, domain: Domain) -> bool:
    """Said by a default action, or a form's question for a slot (1.x forms ask any slot)."""
    if utterance in _DEFAULT_RESPONSES:
        return True
    if not domain.forms:
        return False
    asked = utterance.removeprefix("utter_ask_")
    return asked != utterance and any(
        asked == slot or asked == f"{form}_{slot}" for form in domain.forms for slot in domain.all_slots
    )


def _check_rules(domain: Domain, stories: list[Story], policies: PolicyConfig, report: Report) -> None:
    """Train the rule policy as `train` will, so that what it refuses is found here first."""
    try:
        RulePolicy(policies).train(training_trackers(stories, domain, augmentation_factor=0), domain)
    except DataError as problem:
        report.error(problem.message, problem.location, problem.hint)


def _check_conflicts(domain: Domain, stories: list[Story], max_history: int, report: Report) -> None:
    trackers = [t for t in training_trackers(stories, domain, augmentation_factor=0) if not t.is_rule]
    for conflict in find_story_conflicts(trackers, domain, max_history):  # a warning, as in Rasa
        report.warning(str(conflict), hint="make the stories agree, or give them different histories")
