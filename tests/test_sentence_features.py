"""The intent classifiers' sentence features: word pairs a few words apart, the vocabulary's
minimum count, ids that do not depend on the process, and the batch matrix."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import torch

from core.nlu.intent_classifier import stack
from core.nlu.sentence_features import SentenceMatrix, SentenceVocabulary
from core.nlu.tokenizer import normalised_words
from core.training_data.loader import load_nlu
from tests.conftest import COMPAT, ROOT


def _pairs(vocabulary: SentenceVocabulary, words: list[str]) -> set[str]:
    return {name for name in vocabulary.names(words) if name.startswith("p:")}


def test_words_are_paired_with_the_words_two_to_window_places_after_them():
    vocabulary = SentenceVocabulary(2, 2, 5, pair_window=3)
    assert _pairs(vocabulary, ["change", "the", "engine", "oil"]) == {
        "p:change|engine",
        "p:change|oil",
        "p:the|oil",
    }  # adjacent words are the bigrams' business; "change" and "oil" are 3 apart
    assert _pairs(SentenceVocabulary(2, 2, 5), ["change", "the", "engine", "oil"]) == set()


def test_min_count_leaves_out_features_of_a_single_message_but_keeps_shared_ones():
    vocabulary = SentenceVocabulary(1, 2, 3, pair_window=6)
    vocabulary.fit([["book", "a", "flight"], ["book", "a", "table"]], min_count=2)
    assert "w1:book" in vocabulary.index and "w1:flight" not in vocabulary.index
    assert "p:book|flight" not in vocabulary.index


def test_a_state_saved_before_word_pairs_loads_without_them():
    vocabulary = SentenceVocabulary(2, 2, 5, pair_window=6)
    vocabulary.fit([["where", "is", "my", "card"]])
    state = vocabulary.state()
    assert SentenceVocabulary.from_state(state).pair_window == 6
    del state["pair_window"]
    assert SentenceVocabulary.from_state(state).pair_window == 0


def test_feature_ids_are_the_same_in_every_process():
    """Python salts string hashes per process; the ids must not follow (the sentence network's
    random initial rows are given out by id)."""
    script = (
        "from core.nlu.sentence_features import SentenceVocabulary; "
        "from core.nlu.tokenizer import normalised_words; from core.training_data.loader import load_nlu; "
        "from tests.conftest import COMPAT; "
        "data = load_nlu(COMPAT / 'formbot-3x' / 'data' / 'nlu.yml'); "
        "v = SentenceVocabulary(2, 2, 5, pair_window=6); "
        "v.fit(normalised_words(e.text, False) for e in data.examples); "
        "import zlib; print(zlib.crc32('\\n'.join(sorted(v.index, key=v.index.__getitem__)).encode()))"
    )
    seen = {
        subprocess.run(
            [sys.executable, "-c", script],
            capture_output=True,
            text=True,
            cwd=ROOT,
            check=True,
            env={"PYTHONHASHSEED": seed, "PATH": ""},
        ).stdout
        for seed in ("1", "2")
    }
    assert len(seen) == 1


def test_a_matrix_batch_is_the_stack_of_the_chosen_messages():
    data = load_nlu(COMPAT / "moodbot-3x" / "data" / "nlu.yml")
    vocabulary = SentenceVocabulary(2, 2, 5, pair_window=6)
    messages = [normalised_words(e.text, False) for e in data.examples]
    vocabulary.fit(messages)
    vectors = [vocabulary.vector(words) for words in messages]
    rows = np.array([5, 0, 17, 5])
    for ours, expected in zip(SentenceMatrix(vectors).batch(rows), stack([vectors[i] for i in rows]), strict=True):
        assert torch.equal(ours, expected)
    ids, offsets, weights = SentenceMatrix(vectors).batch(np.array([3]))
    assert torch.equal(ids, torch.from_numpy(vectors[3][0])) and offsets.tolist() == [0]
