"""The nearest-example vote of small bots: its inverted index against brute-force cosine
similarity on Rasa's moodbot data, and an example taught in the app counting at once."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from core.nlu.interpreter import Interpreter
from core.nlu.nearest_examples import TEMPERATURE, NearestExamples
from core.nlu.sentence_features import SentenceVocabulary
from core.nlu.tokenizer import normalised_words
from core.training_data.loader import load_nlu
from core.training_data.nlu_model import Example
from tests.conftest import COMPAT

MOODBOT = load_nlu(COMPAT / "moodbot-3x" / "data" / "nlu.yml")


def _brute_force(
    vocabulary: SentenceVocabulary, messages: list[list[str]], intents: list[int], n_intents: int, query: list[str]
) -> np.ndarray:
    dense = np.zeros((len(messages), len(vocabulary)))
    for row, words in enumerate(messages):
        ids, weights = vocabulary.vector(words)
        dense[row, ids] = weights
    q = np.zeros(len(vocabulary))
    ids, weights = vocabulary.vector(query)
    q[ids] = weights
    best = np.full(n_intents, -1.0)
    for similarity, intent in zip(dense @ q, intents):
        best[intent] = max(best[intent], similarity)
    return torch.from_numpy(best / TEMPERATURE).softmax(-1).numpy()


@pytest.mark.parametrize("text", ["I am feeling very good", "good by", "not very good at all", "zzqx", "hi there"])
def test_the_inverted_index_gives_the_best_cosine_similarity_of_each_intent(text):
    names = sorted({e.intent for e in MOODBOT.examples}) + ["intent_without_examples"]
    messages = [normalised_words(e.text, False) for e in MOODBOT.examples]
    intents = [names.index(e.intent) for e in MOODBOT.examples]
    vocabulary = SentenceVocabulary(2, 2, 5)
    vocabulary.fit(messages)
    index = NearestExamples(vocabulary, messages, intents, len(names))
    query = normalised_words(text, False)
    expected = _brute_force(vocabulary, messages, intents, len(names), query)
    assert index.probabilities(vocabulary.vector(query))[0].numpy() == pytest.approx(expected, abs=1e-5)


def test_features_learnt_after_the_index_was_built_are_ignored():
    vocabulary = SentenceVocabulary(1, 2, 3)
    vocabulary.fit([["hello"], ["bye"]])
    index = NearestExamples(vocabulary, [["hello"], ["bye"]], [0, 1], 2)
    vocabulary.fit([["zebra"]])
    probabilities = index.probabilities(vocabulary.vector(["zebra"]))[0]
    assert probabilities.tolist() == pytest.approx([0.5, 0.5])  # shares nothing with either example


def test_an_example_taught_in_the_app_is_its_own_nearest_example_at_once():
    interpreter = Interpreter.train(MOODBOT)
    assert interpreter._nearest_examples().n_examples == len(MOODBOT.examples)
    interpreter.update([Example("meh, could be better", "mood_unhappy", [], {})])
    nearest = interpreter._nearest_examples()
    assert nearest.n_examples == len(MOODBOT.examples) + 1  # rebuilt with the taught example
    vector = interpreter.sentence.vector(normalised_words("meh, could be better", False))
    top = int(nearest.probabilities(vector).argmax())
    assert interpreter.intents[top] == "mood_unhappy"
    assert interpreter.parse("meh, could be better")["intent"]["name"] == "mood_unhappy"
