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

import copy
import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any, TypedDict

import numpy as np
import torch

from core.domain.items import NLU_FALLBACK_INTENT
from core.limits import CLASSIFIER_MAX_WEIGHTS
from core.nlu.featurizer import (
    Encoded,
    EntityLabel,
    bio_tags,
    build_featurizer,
    collate,
    entity_label,
    tag_spans,
)
from core.nlu.intent_classifier import STEPS, UPDATE_STEPS, SparseIntentClassifier, Vector, fit, stack
from core.nlu.model import JointNLU, NLUModelConfig
from core.nlu.nearest_examples import NearestExamples
from core.nlu.parse import Entity, IntentGuess, Parse, base_ranking, response_selector
from core.nlu.sentence_features import SentenceMatrix, SentenceVocabulary
from core.nlu.sentence_network import NetworkConfig, SentenceNetwork
from core.nlu.sentence_network import fit as fit_network
from core.nlu.small_bot_vote import vote as small_bot_vote
from core.nlu.tokenizer import normalised_words
from core.nlu.trainer import EpochCallback, fine_tune, train
from core.torch_threads import torch_threads

EXTRACTOR = "botcoach"
REPLAY_POOL = 2000  # examples kept (in the saved state too) for replay during updates
UPDATE_MAX_STEPS = 100
LEARNED_SHARE = 0.98  # small data: the joint model stops once it tags this share of its examples right
SMALL_EMBED, SMALL_HIDDEN = 48, 64  # the joint model's size when it only tags entities of a small bot
# large data: the sentence network's share of the intent probabilities beside the joint model's
# (chosen on CLINC150's val, a held-out part of BANKING77's training set and SNIPS's val.md)
NETWORK_VOTE = 0.5
CLASSIFIER_VOTE = 0.6  # the linear classifier's share beside the joint model (large models saved before format 4)
LARGE_MIN_COUNT = 2  # large data: n-grams and pairs of a single example are left out of the vocabulary
NETWORK_UPDATE_STEPS = 30  # each: the taught examples and a fresh rehearsal sample of NETWORK_REPLAY
NETWORK_REPLAY = 16
KEPT_TAUGHT = 32  # the newest examples taught by updates, replayed in every step of the next ones
REHEARSAL_POOL = 128  # training examples the network's and the joint model's update steps draw 16 from
# the linear classifier (small bots) trains full-batch: it replays up to this many, all of a small bot's
# (with fewer, the bias of every intent left out sinks: -8.5 points of accuracy on concertbot's own data)
CLASSIFIER_REHEARSAL = 1000


@dataclass
class Labelled:
    """A message's words and intent id: all the linear classifier reads of an example."""

    norm: list[str]
    intent: int


class Interpreter:
    """A trained intent classifier and (when needed) joint model, plus what turns text into a
    parse and back.

    Who answers the intent follows the data's size: below `sparse_intent_max_examples` the
    linear n-gram classifier (it generalises from few examples), voting with each intent's
    nearest training example (core/nlu/nearest_examples.py); above it, the average of the
    probabilities of two models that err on different messages: the sentence network
    (core/nlu/sentence_network.py) and the joint BiLSTM, which reads word order
    (`joint_intents`). The joint model is trained only when it has work to do: entities to tag
    or a large data set.
    """

    def __init__(
        self,
        config: NLUModelConfig,
        model: JointNLU | None,
        classifier: SparseIntentClassifier | None,
        sentence: SentenceVocabulary,
        intents: list[str],
        labels: list[EntityLabel],
        synonyms: dict[str, str],
        regexes: list[tuple[str, str]],
        lookups: list[tuple[str, list[str]]],
        replay: list[dict],
        joint_intents: bool,
        network: SentenceNetwork | None = None,
        taught: list[dict] | None = None,
    ):
        self.config = config
        self.model = model
        self.classifier = classifier
        self.sentence = sentence
        self.intents = intents
        self.labels = labels
        self.synonyms = {k.lower(): v for k, v in synonyms.items()}
        self.regexes = regexes
        self.lookups = lookups
        self.replay = replay
        self.joint_intents = joint_intents
        self.network = network
        self.featurizer = build_featurizer(self.config, regexes, lookups)
        self._nearest: NearestExamples | None = None  # built at the first parse after training or an update
        self._borrowed: set[str] = set()  # parts shared with the interpreter this one was forked from
        self.taught = taught or []  # examples that updates taught (the newest KEPT_TAUGHT), saved
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
        norms = [normalised_words(e["text"], config.case_sensitive) for e in examples]
        config = replace(
            config,
            n_dense=build_featurizer(config, regexes, lookups).n_dense,
            n_intents=max(1, len(intents)),
            n_tags=1 + 2 * len(labels),
            **sized_tables(config, norms),
        )
        small = len(examples) < config.sparse_intent_max_examples
        sentence = SentenceVocabulary(
            config.word_ngram_max,
            max(2, config.char_ngram_min),
            config.char_ngram_max,
            pair_window=config.word_pair_window,
        )
        # large data: an n-gram of one example only says nothing of other messages, and would
        # be a row of each model's table (half the vocabulary on CLINC150)
        sentence.fit(
            norms,
            min_count=1 if small else LARGE_MIN_COUNT,
            max_features=max(1, CLASSIFIER_MAX_WEIGHTS // config.n_intents),
        )
        del norms  # the encodings hold the same words: freed before they are made, their memory reused
        classifier = network = None
        if small:
            classifier = SparseIntentClassifier(len(sentence), config.n_intents)
        else:
            torch.manual_seed(config.seed)
            network = SentenceNetwork(
                NetworkConfig(seed=config.seed, n_features=len(sentence), n_intents=config.n_intents)
            )
        model = None
        if labels or not small:
            torch.manual_seed(config.seed)
            model = JointNLU(config)
        interpreter = cls(
            config,
            model,
            classifier,
            sentence,
            intents,
            labels,
            synonyms,
            regexes,
            lookups,
            replay,
            joint_intents=not small,
            network=network,
        )
        encoded = [interpreter._encode(e) for e in examples]
        with torch_threads():
            losses = interpreter._fit_classifier(encoded, steps=STEPS)
            interpreter._fit_network(encoded)
            # the sentence models have read their vectors: the cache of each word's character
            # n-grams (16 MB on SNIPS) need not sit through the joint model's training, the
            # memory peak; parses fill it again as they meet words
            sentence.drop_cache()
            if model is not None:
                # on small data the joint model only tags entities: stop once it tags them all
                done = (lambda: interpreter._share_learned(encoded) >= LEARNED_SHARE) if small else None
                train(model, encoded, on_epoch, learned=done)
            elif on_epoch is not None:  # no epochs of its own: report the classifier's progress
                quarters = (
                    [losses[min(len(losses) - 1, i * len(losses) // 4)] for i in range(1, 5)] if losses else [0.0]
                )
                for number, loss in enumerate(quarters, start=1):
                    on_epoch(number, len(quarters), loss)
        return interpreter

    def _fit_classifier(
        self, encoded: Sequence[Encoded | Labelled], steps: int, learned: Callable[[], bool] | None = None
    ) -> list[float]:
        labels = torch.tensor([e.intent for e in encoded], dtype=torch.long)
        if self.classifier is None or not bool((labels >= 0).any()):
            return []
        vectors = [self.sentence.vector(e.norm) for e in encoded]
        return fit(self.classifier, vectors, labels, steps=steps, learned=learned)

    def _fit_network(self, encoded: list[Encoded], taught: int = 0) -> None:
        """Train the network on `encoded`; with `taught`, its last `taught` examples are new and
        the rest a replay sample: every step sees the new ones (as the joint model's fine_tune)."""
        labels = torch.tensor([e.intent for e in encoded], dtype=torch.long)
        if self.network is None or not bool((labels >= 0).any()):
            return
        matrix = SentenceMatrix([self.sentence.vector(e.norm) for e in encoded])
        batches = None
        if taught:
            rng, old = random.Random(self.config.seed), range(len(encoded) - taught)
            new = list(range(len(encoded) - taught, len(encoded)))
            sample = min(len(old), NETWORK_REPLAY)
            batches = [np.array(new + rng.sample(old, sample)) for _ in range(NETWORK_UPDATE_STEPS)]
        fit_network(self.network, matrix, labels, batches=batches)

    def _encode(self, example: dict) -> Encoded:
        encoded = self.featurizer.encode(example["text"])
        intent = example["intent"]
        encoded.intent = self.intents.index(intent) if intent in self.intents else -100
        encoded.tags = bio_tags(encoded.tokens, example["entities"], self._label_index())
        encoded.tokens = []  # only the tags read the offsets: 14 MB of tokens on SNIPS, held through training
        return encoded

    def _label_index(self) -> dict[EntityLabel, int]:
        if len(self._label_ids) != len(self.labels):
            self._label_ids = {label: i for i, label in enumerate(self.labels)}
        return self._label_ids

    # ---- parsing ----

    @torch.inference_mode()
    def parse(self, text: str) -> Parse:
        with torch_threads():
            encoded = self.featurizer.encode(text)
            intent_probs, tag_scores = self._predict(encoded)
            probs = intent_probs[0].tolist()
            full_ranking = sorted(
                (IntentGuess(name=n, confidence=p) for n, p in zip(self.intents, probs)),
                key=lambda r: -r["confidence"],
            )
            ranking = base_ranking(full_ranking)
            parse = Parse(
                text=text,
                intent=ranking[0].copy() if ranking else IntentGuess(name=None, confidence=0.0),
                intent_ranking=ranking,
                entities=self._entities(text, encoded, tag_scores) if tag_scores is not None else [],
            )
        selector = response_selector(full_ranking)
        if selector:
            parse["response_selector"] = selector
        self._apply_fallback(parse)
        return parse

    def _predict(self, encoded: Encoded) -> tuple[torch.Tensor, torch.Tensor | None]:
        """(intent probabilities (1, I), tag scores (1, T, K) or None when there is no joint model)."""
        tag_scores: torch.Tensor | None = None
        joint: torch.Tensor | None = None
        sentence: torch.Tensor | None = None
        if self.model is not None and (self.labels or self.joint_intents):
            x, _ = collate([encoded])
            (intent_logits, tag_scores), _ = self.model(x)
            if self.joint_intents:
                joint = intent_logits.softmax(-1)
        vector = self.sentence.vector(encoded.norm)
        if self.network is not None:  # large data
            sentence, share = self.network(stack([vector]))[0].softmax(-1), NETWORK_VOTE
        elif self.classifier is not None and self.joint_intents:  # large data, saved before format 4
            sentence, share = self.classifier(stack([vector])).softmax(-1), CLASSIFIER_VOTE
        elif self.classifier is not None:  # a small bot: no joint vote, its replay pool holds every example
            sentence, share = small_bot_vote(*self.small_bot_members(vector)), 1.0
        if joint is not None and sentence is not None:
            return share * sentence + (1.0 - share) * joint, tag_scores
        if joint is not None:
            return joint, tag_scores
        if sentence is not None:
            return sentence, tag_scores
        return torch.full((1, len(self.intents)), 1.0 / max(1, len(self.intents))), tag_scores

    def small_bot_members(self, vector: Vector) -> tuple[torch.Tensor, torch.Tensor]:
        """The intent probabilities, each (1, I), that a small bot's vote averages
        (core/nlu/small_bot_vote.py): the linear classifier's and the nearest examples'."""
        assert self.classifier is not None, "a small bot has the linear classifier"
        return self.classifier(stack([vector])).softmax(-1), self._nearest_examples().probabilities(vector)

    def _nearest_examples(self) -> NearestExamples:
        if self._nearest is None:
            labelled = [e for e in self.replay if e["intent"] in self.intents]
            self._nearest = NearestExamples(
                self.sentence,
                [normalised_words(e["text"], self.config.case_sensitive) for e in labelled],
                [self.intents.index(e["intent"]) for e in labelled],
                len(self.intents),
            )
        return self._nearest

    def _entities(self, text: str, encoded: Encoded, tag_scores: torch.Tensor) -> list[Entity]:
        if not self.config.extract_entities or not self.labels or self.model is None:
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
            entity = Entity(start=start, end=end, value=value, entity=name)
            if role is not None:
                entity["role"] = role
            if group is not None:
                entity["group"] = group
            entity["confidence_entity"] = confidence / (last - first + 1)
            entity["extractor"] = EXTRACTOR
            entities.append(entity)
        return entities

    def falls_back(self, ranking: list[IntentGuess]) -> bool:
        """Rasa's FallbackClassifier: is the top intent of `ranking` too low or too close to the
        second? Never without a threshold (no FallbackClassifier configured)."""
        threshold = self.config.fallback_threshold
        if not ranking or threshold <= 0.0:
            return False
        top = ranking[0]["confidence"]
        second = ranking[1]["confidence"] if len(ranking) > 1 else 0.0
        return top < threshold or top - second < self.config.ambiguity_threshold

    def _apply_fallback(self, parse: Parse) -> None:
        """A low or ambiguous top intent becomes `nlu_fallback`, the ranking kept below it."""
        ranking = parse["intent_ranking"]
        if self.falls_back(ranking):
            fallback = IntentGuess(name=NLU_FALLBACK_INTENT, confidence=self.config.fallback_threshold)
            parse["intent"] = fallback.copy()
            ranking.insert(0, fallback)

    # ---- incremental learning ----

    def weights(self) -> list[torch.Tensor]:
        """The models' parameters: what a copy of this interpreter costs, mostly."""
        parts = (self.model, self.network, self.classifier)
        return [p for part in parts if part is not None for p in part.parameters()]

    def fork(self) -> Interpreter:
        """A copy to update while this one goes on parsing (then swapped in). It borrows this
        one's models and vocabulary, and copies each only before `update` changes it in place
        (an update with nothing to learn copies nothing); lists and caches that an update only
        replaces are shared."""
        forked = copy.copy(self)
        forked.synonyms = dict(self.synonyms)
        forked._borrowed = {"model", "classifier", "network", "sentence"}
        return forked

    def _own(self, *names: str) -> None:
        """Copy the borrowed parts `names` before changing them in place (see `fork`)."""
        for name in set(names) & self._borrowed:
            part = getattr(self, name)
            setattr(self, name, part.copy() if isinstance(part, SentenceVocabulary) else copy.deepcopy(part))
            self._borrowed.discard(name)

    def update(self, examples: Iterable[Any]) -> int:
        """Learn new or corrected examples in place (new intents/entities grow the models).

        Only what the model gets wrong is trained (a misparsed intent or entity, or a parse
        that would fall back), beside a rehearsal sample of the training data so that nothing
        else moves; an example it already parses right costs no step. Returns the number of
        training steps taken.
        """
        new = [_plain(e) for e in examples if e.text.strip()]
        if not new:
            return 0
        with torch_threads():
            return self._update(new)

    def _update(self, new: list[dict]) -> int:
        added_intents = sorted({e["intent"] for e in new if e["intent"]} - set(self.intents))
        known = set(self.labels)
        added_labels = sorted({entity_label(x) for e in new for x in e["entities"]} - known, key=_label_key)
        self.intents = self.intents + added_intents
        self.labels = self.labels + added_labels
        self.config = replace(self.config, n_intents=max(1, len(self.intents)), n_tags=1 + 2 * len(self.labels))
        if self.model is not None and (added_intents or added_labels):
            self.model = self.model.grown(len(self.intents), 1 + 2 * len(self.labels))  # a new model: its own
            self._borrowed.discard("model")
        if self.labels and self.model is None:
            torch.manual_seed(self.config.seed)
            self.model = JointNLU(self.config)
        self.synonyms.update({k.lower(): v for k, v in _synonyms_in(new).items()})
        texts = {e["text"].strip().lower() for e in new}  # corrections replace what they correct
        self.replay = [e for e in self.replay if e["text"].strip().lower() not in texts]
        self.taught = [e for e in self.taught if e["text"].strip().lower() not in texts]
        self._nearest = None  # the intents or the examples changed: rebuilt when next needed
        self._grow_sentence_models([])  # new intents: their outputs start neutral
        new_encoded = [self._encode(e) for e in new]
        wrong = [e for e in new_encoded if not self._predicts([e])]  # judged before they join the replay
        rehearsal = self._rehearsal(REHEARSAL_POOL) if self.model is not None or self.network is not None else []
        earlier = [self._encode(e) for e in self.taught]
        self.replay = (self.replay + new)[-REPLAY_POOL:]
        self.taught = (self.taught + new)[-KEPT_TAUGHT:]
        self._nearest = None
        if not wrong:
            return 0
        steps = 0
        self._grow_sentence_models(wrong)
        if self.classifier is not None:  # it replays every example (those taught before too)
            self._own("classifier")
            recalled: list[Labelled | Encoded] = [*self._classifier_rehearsal(), *wrong]
            steps += len(self._fit_classifier(recalled, UPDATE_STEPS, learned=lambda: self._predicts(wrong)))
        # the network and the joint model see what earlier updates taught in every step too: a
        # rehearsal sample of large training data would rarely hold it, and the next update undo it
        kept = wrong + earlier
        if self.network is not None:
            self._own("network")
            self._fit_network(rehearsal + kept, taught=len(kept))
            steps += NETWORK_UPDATE_STEPS
        if self.model is not None and (self.labels or self.joint_intents) and not self._predicts(kept):
            self._own("model")
            model = self.model
            assert model is not None
            steps += fine_tune(
                model,
                kept,
                rehearsal,
                max_steps=UPDATE_MAX_STEPS,
                learned=lambda: self._predicts(kept),
                seed=self.config.seed,
            )
        return steps

    def _grow_sentence_models(self, taught: list[Encoded]) -> None:
        """Every feature of a taught example joins the vocabulary; the sentence models grow
        rows for them (and for new intents), which start with no say. Growing makes new
        models: they are this interpreter's own."""
        if self.classifier is None and self.network is None:
            return
        if taught:
            self._own("sentence")
            self.sentence.fit(e.norm for e in taught)
            self._nearest = None
        size = (len(self.sentence), len(self.intents))
        if self.classifier is not None and tuple(self.classifier.weight.weight.shape) != size:
            self.classifier = self.classifier.grown(*size)
            self._borrowed.discard("classifier")
        if self.network is not None and (self.network.config.n_features, self.network.config.n_intents) != size:
            self.network = self.network.grown(*size)
            self._borrowed.discard("network")

    def _classifier_rehearsal(self) -> list[Labelled]:
        """The linear classifier's rehearsal sample: it reads only the words and the intent."""
        labelled = [e for e in self.replay if e["intent"] in self.intents]
        sample = random.Random(self.config.seed).sample(labelled, min(len(labelled), CLASSIFIER_REHEARSAL))
        case = self.config.case_sensitive
        return [Labelled(normalised_words(e["text"], case), self.intents.index(e["intent"])) for e in sample]

    def _rehearsal(self, size: int) -> list[Encoded]:
        """A fixed-seed sample of the training examples, replayed while the taught ones are learned."""
        labelled = [e for e in self.replay if e["intent"] in self.intents]
        sample = random.Random(self.config.seed).sample(labelled, min(len(labelled), size))
        return [self._encode(e) for e in sample]

    @torch.inference_mode()
    def _share_learned(self, examples: list[Encoded]) -> float:
        """The share of `examples` whose entity tags the joint model gets exactly right."""
        by_length: dict[int, list[Encoded]] = {}
        for example in examples:
            by_length.setdefault(len(example.norm), []).append(example)
        model = self.model
        assert model is not None, "the joint model learns entities"
        right = 0
        for batch in by_length.values():  # Viterbi decodes unpadded messages
            x, targets = collate(batch)
            assert targets is not None, "examples for the joint model carry tags"
            (_, tag_scores), _ = model(x)
            right += sum(path == gold for path, gold in zip(model.viterbi(tag_scores), targets["tags"].tolist()))
        return right / max(1, len(examples))

    @torch.inference_mode()
    def _predicts(self, examples: list[Encoded]) -> bool:
        """Does the model parse each of `examples` as labelled: its intent first and not so
        unsure that the parse falls back, and its entity tags exactly?"""
        for example in examples:
            intent_probs, tag_scores = self._predict(example)
            if example.intent >= 0:
                probs = intent_probs[0]
                if int(probs.argmax()) != example.intent:
                    return False
                top2 = probs.topk(min(2, len(probs))).values.tolist()
                ranking: list[IntentGuess] = [{"name": None, "confidence": p} for p in top2]
                if self.falls_back(ranking):
                    return False
            if (
                self.labels
                and tag_scores is not None
                and self.model is not None
                and example.tags is not None
                and self.model.viterbi(tag_scores)[0] != example.tags.tolist()
            ):
                return False
        return True


class TableSizes(TypedDict):
    """The joint model's sizes that `sized_tables` reads from the data (NLUModelConfig fields)."""

    embed_dim: int
    hidden_dim: int
    word_buckets: int
    char_buckets: int
    bag_buckets: int


def sized_tables(config: NLUModelConfig, messages: list[list[str]]) -> TableSizes:
    """The joint model's sizes from the data: hash tables about twice the distinct words and
    character n-grams (few collisions), never above the configured sizes; a small model on a
    small bot, where it only tags entities."""
    words = {w for message in messages for w in message}
    grams: set[str] = set()
    for word in words:
        marked = f"<{word}>"
        for n in range(config.char_ngram_min, config.char_ngram_max + 1):
            grams.update(marked[i : i + n] for i in range(len(marked) - n + 1))
    bigrams = sum(len(m) + 1 for m in messages)
    small = len(messages) < config.sparse_intent_max_examples
    return {
        "embed_dim": min(config.embed_dim, SMALL_EMBED) if small else config.embed_dim,
        "hidden_dim": min(config.hidden_dim, SMALL_HIDDEN) if small else config.hidden_dim,
        "word_buckets": min(config.word_buckets, _power_of_two(2 * len(words))),
        "char_buckets": min(config.char_buckets, _power_of_two(2 * len(grams))),
        "bag_buckets": min(config.bag_buckets, _power_of_two(2 * (len(words) + bigrams))),
    }


def _power_of_two(n: int) -> int:
    return 1 << max(8, (n - 1).bit_length())


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
