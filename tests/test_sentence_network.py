"""The sentence network of large data on real BANKING77 queries: it learns near-neighbour
intents, an intent with few examples is not swallowed by the large ones (balanced classes),
growing keeps what it knows, and its checkpoint restores it exactly."""

from __future__ import annotations

import csv
import io
import random
from collections import Counter

import pytest
import torch

from core.nlu.intent_classifier import class_weights, stack
from core.nlu.sentence_features import SentenceMatrix, SentenceVocabulary
from core.nlu.sentence_network import NetworkConfig, SentenceNetwork, fit
from core.nlu.tokenizer import normalised_words
from tests.conftest import SHARED

BANKING = SHARED / "bench-data" / "banking77"
INTENTS = ["card_arrival", "card_delivery_estimate", "lost_or_stolen_card", "card_not_working", "activate_my_card"]
RARE = "activate_my_card"  # trained on 6 examples beside 4 intents of about 120


def _banking(file: str) -> list[tuple[str, str]]:
    with open(BANKING / file, encoding="utf-8", newline="") as handle:
        return [(row["text"], row["category"]) for row in csv.DictReader(handle) if row["category"] in INTENTS]


@pytest.fixture(scope="module")
def trained() -> tuple[SentenceVocabulary, SentenceNetwork, list[tuple[str, str]]]:
    rows = _banking("train.csv")
    rare = [r for r in rows if r[1] == RARE]
    rows = [r for r in rows if r[1] != RARE] + random.Random(0).sample(rare, 6)
    vocabulary = SentenceVocabulary(2, 2, 5, pair_window=6)
    messages = [normalised_words(text, False) for text, _ in rows]
    vocabulary.fit(messages)
    labels = torch.tensor([INTENTS.index(intent) for _, intent in rows])
    torch.manual_seed(0)
    network = SentenceNetwork(NetworkConfig(n_features=len(vocabulary), n_intents=len(INTENTS)))
    fit(network, SentenceMatrix([vocabulary.vector(m) for m in messages]), labels)
    return vocabulary, network, _banking("test.csv")


def _predict(vocabulary: SentenceVocabulary, network: SentenceNetwork, texts: list[str]) -> list[str]:
    with torch.no_grad():
        logits, _ = network(stack([vocabulary.vector(normalised_words(t, False)) for t in texts]))
    return [INTENTS[i] for i in logits.argmax(-1).tolist()]


def test_it_tells_near_neighbour_intents_apart_and_the_rare_one_is_not_swallowed(trained):
    vocabulary, network, tests = trained
    predicted = _predict(vocabulary, network, [text for text, _ in tests])
    right = Counter(gold for (_, gold), guess in zip(tests, predicted, strict=True) if gold == guess)
    support = Counter(gold for _, gold in tests)
    assert sum(right.values()) / len(tests) > 0.85  # 5 card intents that share most of their words
    assert right[RARE] / support[RARE] > 0.6  # 6 examples beside ~120 each (unbalanced: 1 of 40 right)


def test_classes_weigh_the_same_whatever_their_number_of_examples():
    weights = class_weights(torch.tensor([0, 0, 0, 0, 1, -100, 2, 2]), 4)
    assert weights.tolist() == pytest.approx([7 / 12, 7 / 3, 7 / 6, 0.0])  # 7 labelled examples over 3 intents


def test_grown_keeps_the_old_answers_and_a_new_intent_starts_with_no_say(trained):
    vocabulary, network, tests = trained
    texts = [text for text, _ in tests[:20]]
    x = stack([vocabulary.vector(normalised_words(t, False)) for t in texts])
    bigger = network.grown(len(vocabulary) + 10, len(INTENTS) + 1).eval()
    with torch.no_grad():
        old, new = network(x)[0], bigger(x)[0]
    assert torch.allclose(new[:, : len(INTENTS)], old, atol=1e-6)
    assert torch.allclose(new[:, -1], torch.full((len(texts),), float(network.out.bias.detach().mean())), atol=1e-6)


def test_the_checkpoint_restores_the_same_network(trained):
    vocabulary, network, tests = trained
    config, tensors = network.checkpoint()
    buffer = io.BytesIO()
    torch.save(tensors, buffer)
    buffer.seek(0)
    loaded = SentenceNetwork.from_checkpoint(config, torch.load(buffer, weights_only=True))
    texts = [text for text, _ in tests[:50]]
    assert _predict(vocabulary, loaded, texts) == _predict(vocabulary, network, texts)
