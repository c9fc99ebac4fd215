"""The interpreter's paths that test_nlu_model.py leaves alone: the small-bot n-gram intent
classifier, format-2 save/load with and without a joint model, `update()` growing a joint model
when the first entities arrive, `fallback_threshold` 0, padded batches and the adaptive
training schedule (Rasa's DIET epochs and learning rate are not ours)."""

from __future__ import annotations

import io
import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch

from core.config import NLUConfig
from core.nlu.featurizer import build_featurizer, collate
from core.nlu.interpreter import FALLBACK_INTENT, Interpreter
from core.nlu.intent_classifier import SparseIntentClassifier, sparse_batch
from core.nlu.model import JointNLU, NLUModelConfig
from core.training import nlu_model_config
from core.training_data.nlu_model import Example, load_nlu

RASA = Path(__file__).resolve().parents[1].parent / "shared" / "compat" / "rasa"
SMALL = NLUModelConfig(embed_dim=48, hidden_dim=64, word_buckets=4096, char_buckets=8192, bag_buckets=4096)

# Paraphrases of moodbot's intents: each mixes words moodbot never saw ("robot", "gladly",
# "absolutely", "today") with n-grams it did.
PARAPHRASES = {
    "hello my dear robot friend": "greet",
    "goodbye and take care, see you": "goodbye",
    "yes of course, gladly": "affirm",
    "no way, absolutely never": "deny",
    "i am feeling wonderful and amazing today": "mood_great",
    "i feel so sad and horrible today": "mood_unhappy",
    "are you a real human or a bot?": "bot_challenge",
}


def _entity(text: str, value: str, name: str) -> dict:
    start = text.index(value)
    return {"start": start, "end": start + len(value), "value": value, "entity": name}


def _roundtrip(interpreter: Interpreter) -> tuple[dict, Interpreter]:
    """Through JSON and torch.save/torch.load(weights_only=True), as the archive stores it."""
    meta, tensors = interpreter.to_state()
    meta = json.loads(json.dumps(meta))
    buffer = io.BytesIO()
    torch.save(tensors, buffer)
    buffer.seek(0)
    return meta, Interpreter.from_state(meta, torch.load(buffer, weights_only=True))


@pytest.fixture(scope="module")
def moodbot() -> Interpreter:
    return Interpreter.train(load_nlu(RASA / "moodbot-3x" / "data" / "nlu.yml"), SMALL)


@pytest.fixture(scope="module")
def formbot() -> Interpreter:
    return Interpreter.train(load_nlu(RASA / "formbot-3x" / "data" / "nlu.yml"), SMALL)


def test_a_small_bot_without_entities_uses_only_the_sparse_classifier(moodbot):
    assert isinstance(moodbot.classifier, SparseIntentClassifier)
    assert moodbot.model is None  # no entities and few examples: no joint model to train
    predicted = {text: moodbot.parse(text)["intent"]["name"] for text in PARAPHRASES}
    assert predicted == PARAPHRASES
    for text in PARAPHRASES:
        assert moodbot.parse(text)["intent"]["confidence"] > 0.5
    assert moodbot.parse("hello")["entities"] == []


def test_unknown_words_alone_give_the_sparse_classifier_nothing_to_go_on(moodbot):
    ranking = moodbot.parse("zzqx blorf")["intent_ranking"]
    known = [r for r in ranking if r["name"] != FALLBACK_INTENT]
    assert known[0]["confidence"] - known[-1]["confidence"] < 0.3  # near-uniform, no strong guess


def test_a_small_bot_with_entities_tags_with_the_joint_model_but_asks_the_classifier_for_intents(formbot):
    assert formbot.model is not None and formbot.classifier is not None
    parse = formbot.parse("i would like some italian food")
    assert [(e["entity"], e["value"]) for e in parse["entities"]] == [("cuisine", "italian")]
    norm = formbot.featurizer.encode("i would like some italian food").norm
    sparse_only = formbot.classifier(sparse_batch(formbot.sentence, [norm])).softmax(-1)[0]
    by_name = {r["name"]: r["confidence"] for r in parse["intent_ranking"]}
    for name, p in zip(formbot.intents, sparse_only.tolist()):
        assert by_name[name] == pytest.approx(p, abs=1e-6)


@pytest.mark.parametrize("bot", ["moodbot", "formbot"])
def test_format_2_state_round_trips_with_identical_parses(bot, request):
    interpreter: Interpreter = request.getfixturevalue(bot)
    meta, loaded = _roundtrip(interpreter)
    assert meta["format"] == 2
    assert meta["has_joint"] == (bot == "formbot")
    assert meta["has_classifier"] is True
    assert (loaded.model is None) == (interpreter.model is None)
    texts = [*PARAPHRASES, "a table for 4 people serving chinese food", "zzqx blorf", ""]
    for text in texts:
        assert loaded.parse(text) == interpreter.parse(text)


def test_update_creates_the_joint_model_when_the_first_entities_appear():
    interpreter = Interpreter.train(load_nlu(RASA / "moodbot-3x" / "data" / "nlu.yml"), SMALL)
    assert interpreter.model is None
    texts = ["what's the weather like in Berlin", "will it rain in Paris tomorrow", "is it sunny in Rome"]
    cities = ["Berlin", "Paris", "Rome"]
    new = [Example(t, "ask_weather", [_entity(t, c, "city")], {}) for t, c in zip(texts, cities)]
    steps = interpreter.update(new)
    assert steps > 0
    assert interpreter.model is not None
    for text, city in zip(texts, cities):
        parse = interpreter.parse(text)
        assert parse["intent"]["name"] == "ask_weather"
        assert [(e["entity"], e["value"]) for e in parse["entities"]] == [("city", city)]
    assert interpreter.parse("i am sad")["intent"]["name"] == "mood_unhappy"  # nothing forgotten
    meta, loaded = _roundtrip(interpreter)  # the grown model saves as format 2 with its joint part
    assert meta["has_joint"] is True
    assert loaded.parse(texts[0]) == interpreter.parse(texts[0])


def test_fallback_threshold_zero_never_falls_back(moodbot):
    gibberish = "zzqx blorf"
    ranking = moodbot.parse(gibberish)["intent_ranking"]
    assert ranking[0]["name"] == FALLBACK_INTENT  # the default threshold falls back here...
    _, never = _roundtrip(moodbot)
    never.config = replace(never.config, fallback_threshold=0.0)
    parse = never.parse(gibberish)
    top, second = parse["intent_ranking"][:2]
    assert top["confidence"] - second["confidence"] < never.config.ambiguity_threshold  # ...and it is ambiguous
    assert parse["intent"]["name"] != FALLBACK_INTENT
    assert FALLBACK_INTENT not in [r["name"] for r in parse["intent_ranking"]]
    assert nlu_model_config(NLUConfig(fallback_threshold=0.0)).fallback_threshold == 0.0


def test_a_padded_batch_scores_each_message_as_if_alone():
    config = replace(SMALL, n_dense=7, n_intents=3, n_tags=5, dropout=0.0, word_dropout=0.0)
    featurizer = build_featurizer(config, [], [])
    encoded = [featurizer.encode(t) for t in ("hi", "book a table for four people tonight", "hello there")]
    for i, example in enumerate(encoded):
        example.intent = i
        example.tags = np.array([(k % 3) * 2 % 5 for k in range(len(example.norm))], dtype=np.int64)
        example.tags[0] = 1 if len(example.norm) > 1 else 0
    torch.manual_seed(0)
    model = JointNLU(config).eval()
    x, targets = collate(encoded)
    assert x["words"].shape == (3, 7) and x["lengths"].tolist() == [1, 7, 2]
    (intents, scores), _ = model(x)
    nll = model.crf_nll(scores, targets["tags"], x["lengths"])
    for i, example in enumerate(encoded):
        alone, alone_targets = collate([example])
        (intent_alone, scores_alone), _ = model(alone)
        n = len(example.norm)
        assert torch.allclose(intents[i], intent_alone[0], atol=1e-5)
        assert torch.allclose(scores[i, :n], scores_alone[0], atol=1e-5)
        assert nll[i].item() == pytest.approx(model.crf_nll(scores_alone, alone_targets["tags"])[0].item(), abs=1e-4)


def test_rasa_epochs_and_learning_rate_do_not_reach_the_joint_model():
    config = nlu_model_config(NLUConfig(epochs=100, learning_rate=0.001))
    assert config.learning_rate == NLUModelConfig.learning_rate
    assert config.epochs == NLUModelConfig.epochs
    assert nlu_model_config(NLUConfig(epochs=3)).epochs == 3  # fewer epochs still lower the ceiling


def test_small_data_training_stops_once_the_tags_are_learned():
    data = load_nlu(RASA / "formbot-3x" / "data" / "nlu.yml")
    seen: list[tuple[int, int]] = []
    interpreter = Interpreter.train(data, SMALL, on_epoch=lambda epoch, total, loss: seen.append((epoch, total)))
    last, ceiling = seen[-1]
    assert last < ceiling  # stopped early, on its own
    assert interpreter._share_learned([interpreter._encode(e) for e in interpreter.replay]) >= 0.98
