"""The public NLU object: train on NLU data, parse messages into Rasa's parse dict, learn a
few corrected examples on the fly, and save/load as (JSON meta, tensors).

Parse output (Rasa's shape)::

    {"text", "intent": {"name", "confidence"}, "intent_ranking": [every intent, best first],
     "entities": [{start, end, value, entity, role?, group?, confidence_entity, extractor}],
     "response_selector": {...}}   # only when the data has retrieval intents

Retrieval intents ("faq/ask_name") are predicted by their full name; as in Rasa, "intent" and
the ranking report the base name ("faq", confidence summed over its sub-intents) and
`response_selector[base]["response"]["intent_response_key"]` holds the full name.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

import torch

from core.nlu.featurizer import (
    EntityLabel,
    Encoded,
    bio_tags,
    build_featurizer,
    collate,
    entity_label,
    tag_spans,
)
from core.nlu.model import JointNLU, NLUModelConfig
from core.nlu.trainer import EpochCallback, fine_tune, train

FALLBACK_INTENT = "nlu_fallback"
EXTRACTOR = "botcoach"
STATE_FORMAT = 1
REPLAY_POOL = 2000  # examples kept (in the saved state too) for replay during updates
UPDATE_MAX_STEPS = 100


class Interpreter:
    """A trained joint model plus what it needs to turn text into a parse and back."""

    def __init__(
        self,
        model: JointNLU,
        intents: list[str],
        labels: list[EntityLabel],
        synonyms: dict[str, str],
        regexes: list[tuple[str, str]],
        lookups: list[tuple[str, list[str]]],
        replay: list[dict],
    ):
        self.model = model
        self.config = model.config
        self.intents = intents
        self.labels = labels
        self.synonyms = {k.lower(): v for k, v in synonyms.items()}
        self.regexes = regexes
        self.lookups = lookups
        self.replay = replay
        self.featurizer = build_featurizer(self.config, regexes, lookups)
        self._replay_encoded: list[Encoded] | None = None
        self._label_ids: dict[EntityLabel, int] = {}

    # ---- training ----

    @classmethod
    def train(
        cls,
        data: Any,
        config: NLUModelConfig | None = None,
        on_epoch: EpochCallback | None = None,
    ) -> Interpreter:
        """Train on an NLUData (duck-typed: examples, synonyms, regexes, lookups)."""
        config = config or NLUModelConfig()
        examples = [_plain(e) for e in data.examples if e.text.strip()]
        intents = sorted({e["intent"] for e in examples if e["intent"]})
        labels = sorted({entity_label(x) for e in examples for x in e["entities"]}, key=_label_key)
        synonyms = dict(getattr(data, "synonyms", {}) or {})
        synonyms.update(_synonyms_in(examples))
        regexes = [(r.name, r.pattern) for r in getattr(data, "regexes", []) or []]
        lookups = [(t.name, list(t.elements)) for t in getattr(data, "lookups", []) or []]
        replay = random.Random(config.seed).sample(examples, min(len(examples), REPLAY_POOL))
        n_dense = build_featurizer(config, regexes, lookups).n_dense
        config = replace(config, n_dense=n_dense, n_intents=max(1, len(intents)), n_tags=1 + 2 * len(labels))
        torch.manual_seed(config.seed)
        interpreter = cls(JointNLU(config), intents, labels, synonyms, regexes, lookups, replay)
        encoded = [interpreter._encode(e) for e in examples]
        train(interpreter.model, encoded, on_epoch)
        return interpreter

    def _encode(self, example: dict) -> Encoded:
        encoded = self.featurizer.encode(example["text"])
        intent = example["intent"]
        encoded.intent = self.intents.index(intent) if intent in self.intents else -100
        encoded.tags = bio_tags(encoded.tokens, example["entities"], self._label_index())
        return encoded

    def _label_index(self) -> dict[EntityLabel, int]:
        if len(self._label_ids) != len(self.labels):
            self._label_ids = {label: i for i, label in enumerate(self.labels)}
        return self._label_ids

    # ---- parsing ----

    @torch.inference_mode()
    def parse(self, text: str) -> dict:
        encoded = self.featurizer.encode(text)
        x, _ = collate([encoded])
        (intent_logits, tag_scores), _ = self.model(x)
        probs = intent_logits[0].softmax(-1).tolist()
        full_ranking = sorted(
            ({"name": n, "confidence": p} for n, p in zip(self.intents, probs)),
            key=lambda r: -r["confidence"],
        )
        parse: dict[str, Any] = {"text": text}
        ranking = _base_ranking(full_ranking)
        parse["intent"] = dict(ranking[0]) if ranking else {"name": None, "confidence": 0.0}
        parse["intent_ranking"] = ranking
        parse["entities"] = self._entities(text, encoded, tag_scores)
        selector = _response_selector(full_ranking)
        if selector:
            parse["response_selector"] = selector
        self._apply_fallback(parse)
        return parse

    def _entities(self, text: str, encoded: Encoded, tag_scores: torch.Tensor) -> list[dict]:
        if not self.config.extract_entities or not self.labels:
            return []
        path = self.model.viterbi(tag_scores)[0]
        if not any(path):
            return []
        marginals = self.model.marginals(tag_scores)[0]
        entities = []
        for label, first, last in tag_spans(path):
            start, end = encoded.tokens[first].start, encoded.tokens[last].end
            if end <= start:
                continue
            confidence = sum(float(marginals[i, path[i]]) for i in range(first, last + 1))
            name, role, group = self.labels[label]
            value = text[start:end]
            if self.config.use_synonyms:
                value = self.synonyms.get(value.lower(), value)
            entity: dict[str, Any] = {"start": start, "end": end, "value": value, "entity": name}
            if role is not None:
                entity["role"] = role
            if group is not None:
                entity["group"] = group
            entity["confidence_entity"] = confidence / (last - first + 1)
            entity["extractor"] = EXTRACTOR
            entities.append(entity)
        return entities

    def _apply_fallback(self, parse: dict) -> None:
        """Rasa's FallbackClassifier: a low or ambiguous top intent becomes `nlu_fallback`."""
        ranking = parse["intent_ranking"]
        if not ranking:
            return
        threshold = self.config.fallback_threshold
        top = ranking[0]["confidence"]
        second = ranking[1]["confidence"] if len(ranking) > 1 else 0.0
        if top < threshold or top - second < self.config.ambiguity_threshold:
            fallback = {"name": FALLBACK_INTENT, "confidence": threshold}
            parse["intent"] = dict(fallback)
            ranking.insert(0, fallback)

    # ---- incremental learning ----

    def update(self, examples: Iterable[Any]) -> int:
        """Learn new or corrected examples in place (new intents/entities grow the model).

        Returns the number of fine-tuning steps taken.
        """
        new = [_plain(e) for e in examples if e.text.strip()]
        if not new:
            return 0
        added_intents = sorted({e["intent"] for e in new if e["intent"]} - set(self.intents))
        known = set(self.labels)
        added_labels = sorted({entity_label(x) for e in new for x in e["entities"]} - known, key=_label_key)
        if added_intents or added_labels:
            self.intents = self.intents + added_intents
            self.labels = self.labels + added_labels
            self.model = self.model.grown(len(self.intents), 1 + 2 * len(self.labels))
            self.config = self.model.config
        self.synonyms.update({k.lower(): v for k, v in _synonyms_in(new).items()})
        texts = {e["text"].strip().lower() for e in new}  # corrections replace what they correct
        if self._replay_encoded is None or len(self._replay_encoded) != len(self.replay):
            self._replay_encoded = [self._encode(e) for e in self.replay]
        kept = [i for i, e in enumerate(self.replay) if e["text"].strip().lower() not in texts]
        self.replay = [self.replay[i] for i in kept]
        self._replay_encoded = [self._replay_encoded[i] for i in kept]
        new_encoded = [self._encode(e) for e in new]
        steps = fine_tune(
            self.model,
            new_encoded,
            self._replay_encoded,
            max_steps=UPDATE_MAX_STEPS,
            learned=lambda: self._predicts(new_encoded),
            seed=self.config.seed,
        )
        self.replay = (self.replay + new)[-REPLAY_POOL:]
        self._replay_encoded = (self._replay_encoded + new_encoded)[-REPLAY_POOL:]
        return steps

    @torch.inference_mode()
    def _predicts(self, examples: list[Encoded]) -> bool:
        for example in examples:
            x, _ = collate([example])
            (intent_logits, tag_scores), _ = self.model(x)
            if example.intent >= 0 and int(intent_logits[0].argmax()) != example.intent:
                return False
            if self.labels and self.model.viterbi(tag_scores)[0] != example.tags.tolist():
                return False
        return True

    # ---- save / load ----

    def to_state(self) -> tuple[dict, dict[str, torch.Tensor]]:
        """(JSON-able meta, tensors) for the archive: tensors load with weights_only=True."""
        config, tensors = self.model.checkpoint()
        meta = {
            "format": STATE_FORMAT,
            "config": config,
            "intents": list(self.intents),
            "labels": [list(label) for label in self.labels],
            "synonyms": dict(self.synonyms),
            "regexes": [list(r) for r in self.regexes],
            "lookups": [[name, list(elements)] for name, elements in self.lookups],
            "replay": self.replay,
        }
        return meta, tensors

    @classmethod
    def from_state(cls, meta: dict, tensors: dict[str, torch.Tensor]) -> Interpreter:
        model = JointNLU.from_checkpoint(meta["config"], tensors)
        return cls(
            model,
            list(meta["intents"]),
            [tuple(label) for label in meta["labels"]],
            dict(meta["synonyms"]),
            [(name, pattern) for name, pattern in meta["regexes"]],
            [(name, list(elements)) for name, elements in meta["lookups"]],
            list(meta["replay"]),
        )


def _plain(example: Any) -> dict:
    """A JSON-able copy of an Example (duck-typed: text, intent, entities)."""
    return {
        "text": example.text,
        "intent": example.intent,
        "entities": [dict(e) for e in (example.entities or [])],
    }


def _label_key(label: EntityLabel) -> tuple[str, str, str]:
    return (label[0], label[1] or "", label[2] or "")


def _synonyms_in(examples: list[dict]) -> dict[str, str]:
    """Annotated values that differ from their text are synonyms (Rasa's EntitySynonymMapper)."""
    found = {}
    for example in examples:
        for entity in example["entities"]:
            span = example["text"][entity["start"] : entity["end"]]
            value = entity.get("value", span)
            if isinstance(value, str) and value != span:
                found[span] = value
    return found


def _base_ranking(full_ranking: list[dict]) -> list[dict]:
    totals: dict[str, float] = {}
    for entry in full_ranking:
        base = entry["name"].split("/", 1)[0]
        totals[base] = totals.get(base, 0.0) + entry["confidence"]
    return [{"name": n, "confidence": p} for n, p in sorted(totals.items(), key=lambda kv: -kv[1])]


def _response_selector(full_ranking: list[dict]) -> dict:
    """Rasa's `response_selector` entry, one selector per retrieval intent."""
    by_base: dict[str, list[dict]] = {}
    for entry in full_ranking:
        if "/" in entry["name"]:
            by_base.setdefault(entry["name"].split("/", 1)[0], []).append(entry)
    if not by_base:
        return {}
    selector: dict[str, Any] = {"all_retrieval_intents": sorted(by_base)}
    for base, entries in by_base.items():
        total = sum(e["confidence"] for e in entries) or 1.0
        ranking = [
            {"intent_response_key": e["name"], "confidence": e["confidence"] / total} for e in entries
        ]
        best = ranking[0]
        selector[base] = {
            "response": {
                "intent_response_key": best["intent_response_key"],
                "utter_action": f"utter_{best['intent_response_key']}",
                "confidence": best["confidence"],
            },
            "ranking": ranking,
        }
    return selector

