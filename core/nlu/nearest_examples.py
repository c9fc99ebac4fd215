"""The closest training example of each intent, by cosine similarity of sentence vectors.

On a small bot this votes with the linear classifier. A linear model spreads an example's
evidence over all of its n-grams, so a short paraphrase of one example ("good by" beside
"good bye") can lose to n-grams that are common in another intent; its nearest example keeps
it. It also makes an example taught in the app count at once and at full strength, since the
example is its own nearest neighbour. Vote and temperature were chosen by cross-validation on
the compat and sample bots with other fold seeds than the ones bench.versus_rasa reports.
"""

from __future__ import annotations

import numpy as np
import torch

from core.nlu.sentence_features import SentenceVocabulary

NEAREST_VOTE = 0.3  # the nearest examples' share of a small bot's intent probabilities
TEMPERATURE = 0.2  # a softmax over best similarities in [0, 1]: 0.2 apart is e (2.7) times likelier


class NearestExamples:
    """The examples' L2-normalised sentence vectors, stored by feature (an inverted index), so a
    message's similarities cost one gather over the examples that share one of its features."""

    def __init__(self, vocabulary: SentenceVocabulary, messages: list[list[str]], intents: list[int], n_intents: int):
        vectors = [vocabulary.vector(words) for words in messages]
        examples = np.repeat(np.arange(len(vectors)), [len(ids) for ids, _ in vectors])
        features = np.concatenate([ids for ids, _ in vectors]) if vectors else np.zeros(0, dtype=np.int64)
        values = np.concatenate([w for _, w in vectors]) if vectors else np.zeros(0, dtype=np.float32)
        order = np.argsort(features, kind="stable")
        self.n_features = len(vocabulary)
        self.starts = np.searchsorted(features[order], np.arange(self.n_features + 1))
        self.examples, self.values = examples[order], values[order]
        self.n_examples = len(vectors)
        self.intents = np.asarray(intents, dtype=np.int64)
        self.n_intents = n_intents

    def probabilities(self, vector: tuple[np.ndarray, np.ndarray]) -> torch.Tensor:
        """(1, intents): a softmax over each intent's best similarity (-1 for an intent with no
        example). Features the vocabulary learnt after this index was built are ignored."""
        ids, weights = vector
        known = ids < self.n_features
        ids, weights = ids[known], weights[known]
        starts, ends = self.starts[ids], self.starts[ids + 1]
        lengths = ends - starts
        positions = np.repeat(starts - np.cumsum(lengths) + lengths, lengths) + np.arange(lengths.sum())
        products = self.values[positions] * np.repeat(weights, lengths)
        similarities = np.bincount(self.examples[positions], weights=products, minlength=self.n_examples)
        best = np.full(self.n_intents, -1.0)
        np.maximum.at(best, self.intents, similarities)
        return torch.from_numpy(best / TEMPERATURE).float().softmax(-1)[None]
