"""The interpreter's paths that test_nlu_model.py leaves alone: the small-bot n-gram intent
classifier, the vote of both models on large data, format-3 save/load with and without a
joint model (and loading format 2), `update()` growing a joint model
when the first entities arrive, `fallback_threshold` 0, padded batches and the adaptive
training schedule (Rasa's DIET epochs and learning rate are not ours)."""

from __future__ import annotations

import io
import json
from dataclasses import replace

import numpy as np
import pytest
import torch

from core.config import NLUConfig
from core.domain.items import NLU_FALLBACK_INTENT as FALLBACK_INTENT
from core.nlu.featurizer import build_featurizer, collate
from core.nlu.intent_classifier import SparseIntentClassifier, fit, sparse_batch
from core.nlu.interpreter import CLASSIFIER_VOTE, NETWORK_VOTE, Interpreter
from core.nlu.interpreter_state import interpreter_from_state, interpreter_state
from core.nlu.model import JointNLU, NLUModelConfig
from core.nlu.nearest_examples import NEAREST_VOTE
from core.nlu.sentence_network import SentenceNetwork
from core.nlu.small_bot_vote import VOTE_POWER, sharpened
from core.training import nlu_model_config
from core.training_data.loader import load_nlu
from core.training_data.nlu_model import Example, NLUData
from tests.conftest import COMPAT as RASA

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
    meta, tensors = interpreter_state(interpreter)
    meta = json.loads(json.dumps(meta))
    buffer = io.BytesIO()
    torch.save(tensors, buffer)
    buffer.seek(0)
    return meta, interpreter_from_state(meta, torch.load(buffer, weights_only=True))


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
    nearest = formbot._nearest_examples().probabilities(formbot.sentence.vector(norm))[0]
    by_name = {r["name"]: r["confidence"] for r in parse["intent_ranking"]}
    p, q = sharpened(sparse_only, VOTE_POWER), sharpened(nearest, VOTE_POWER)
    for name, expected in zip(formbot.intents, ((1 - NEAREST_VOTE) * p + NEAREST_VOTE * q).tolist()):
        assert by_name[name] == pytest.approx(expected, abs=1e-6)


def test_sharpening_keeps_each_members_ranking_and_raises_its_top_confidence():
    probabilities = torch.tensor([[0.6, 0.3, 0.1], [0.2, 0.2, 0.6]])
    assert torch.allclose(sharpened(probabilities, 1.0), probabilities)
    sharper = sharpened(probabilities, VOTE_POWER)
    assert torch.allclose(sharper.sum(-1), torch.ones(2))
    assert torch.equal(sharper.argsort(-1), probabilities.argsort(-1))
    assert bool((sharper.max(-1).values > probabilities.max(-1).values).all())
    assert torch.allclose(sharper[1, :2], torch.full((2,), float(sharper[1, 0])))  # ties stay ties


@pytest.fixture(scope="module")
def large() -> Interpreter:
    """Past `sparse_intent_max_examples`: the size at which the joint model votes on intents."""
    snips = load_nlu(RASA.parents[1] / "bench-data" / "snips" / "train.md")
    return Interpreter.train(NLUData(examples=snips.examples[::12]), replace(SMALL, epochs=2, min_steps=0))


def _vote(
    interpreter: Interpreter, text: str, *, network: SentenceNetwork | None = None, classifier=None
) -> dict[str, float]:
    encoded = interpreter.featurizer.encode(text)
    (logits, _), _ = interpreter.model(collate([encoded])[0])
    probs = logits.softmax(-1)[0]
    x = sparse_batch(interpreter.sentence, [encoded.norm])
    if network is not None:
        probs = NETWORK_VOTE * network(x)[0].softmax(-1)[0] + (1 - NETWORK_VOTE) * probs
    if classifier is not None:
        probs = CLASSIFIER_VOTE * classifier(x).softmax(-1)[0] + (1 - CLASSIFIER_VOTE) * probs
    return dict(zip(interpreter.intents, probs.tolist(), strict=True))


def test_on_large_data_the_sentence_network_and_the_joint_model_vote_with_their_probabilities(large):
    assert len(large.replay) >= large.config.sparse_intent_max_examples and large.joint_intents
    assert isinstance(large.network, SentenceNetwork) and large.classifier is None
    for text in ["play some jazz by miles davis", "book a table for two in paris", "will it rain tomorrow"]:
        by_name = {r["name"]: r["confidence"] for r in large.parse(text)["intent_ranking"]}
        for name, p in _vote(large, text, network=large.network).items():
            assert by_name[name] == pytest.approx(p, abs=1e-6)


def test_a_format_3_large_model_still_loads_and_answers_with_its_linear_classifier_and_joint_model(large):
    """Format 3 had the linear classifier where format 4 has the sentence network."""
    encoded = [large._encode(e) for e in large.replay]
    classifier = SparseIntentClassifier(len(large.sentence), len(large.intents))
    fit(classifier, [large.sentence.vector(e.norm) for e in encoded], torch.tensor([e.intent for e in encoded]))
    meta, tensors = interpreter_state(large)
    meta = {**json.loads(json.dumps(meta)), "format": 3, "has_classifier": True}
    del meta["network"]
    tensors = {k: v for k, v in tensors.items() if not k.startswith("network.")}
    tensors.update({f"intent.{k}": v for k, v in classifier.state_dict().items()})
    old = interpreter_from_state(meta, tensors)
    assert old.network is None and old.joint_intents
    text = "add this song to my road trip playlist"
    by_name = {r["name"]: r["confidence"] for r in old.parse(text)["intent_ranking"]}
    for name, p in _vote(large, text, classifier=classifier).items():
        assert by_name[name] == pytest.approx(p, abs=1e-6)


def test_a_format_2_large_model_still_loads_and_answers_with_its_joint_model_alone(large):
    meta, tensors = interpreter_state(large)
    meta = {**json.loads(json.dumps(meta)), "format": 2, "has_classifier": False}
    del meta["joint_intents"], meta["network"]
    old = interpreter_from_state(meta, {k: v for k, v in tensors.items() if not k.startswith("network.")})
    assert old.classifier is None and old.network is None and old.joint_intents
    text = "add this song to my road trip playlist"
    by_name = {r["name"]: r["confidence"] for r in old.parse(text)["intent_ranking"]}
    for name, p in _vote(large, text).items():
        assert by_name[name] == pytest.approx(p, abs=1e-6)


def test_a_large_model_learns_a_new_intent_on_a_fork_while_the_original_answers_as_before(large):
    """The app teaches while it runs: both voters learn, the joint model until the vote is right
    (how fast is measured by the benchmarks, not asserted here), on a fork: the live model the
    person talks to meanwhile is not changed."""
    text = "what is the balance of my savings account"
    before = large.parse(text)
    learner = large.fork()
    assert learner.update([Example(text, "CheckBalance", [], {})]) > 0
    assert learner.parse(text)["intent"]["name"] == "CheckBalance"
    assert learner.parse("play some jazz by miles davis")["intent"]["name"] == "PlayMusic"
    assert large.parse(text) == before
    assert "CheckBalance" not in large.intents


def test_an_example_the_model_already_parses_right_costs_no_training_step(moodbot):
    learner = moodbot.fork()
    assert learner.parse("i am sad")["intent"]["name"] == "mood_unhappy"
    assert learner.update([Example("i am sad", "mood_unhappy", [], {})]) == 0


def test_a_relabelled_phrase_is_learned_by_a_fork_and_the_original_keeps_its_reading(moodbot):
    text = "hello my dear robot friend"
    before = moodbot.parse(text)
    learner = moodbot.fork()
    assert learner.update([Example(text, "bot_challenge", [], {})]) > 0
    assert learner.parse(text)["intent"]["name"] == "bot_challenge"
    assert learner.parse("i am sad")["intent"]["name"] == "mood_unhappy"
    assert moodbot.parse(text) == before


def test_a_grown_joint_model_answers_as_before_for_the_old_intents_and_tags(formbot):
    model = formbot.model
    x, _ = collate([formbot.featurizer.encode("a table for 4 people serving chinese food")])
    (intents, tags), _ = model(x)
    more_intents = model.grown(model.config.n_intents + 2, model.config.n_tags)
    assert torch.allclose(more_intents(x)[0][0][:, : intents.shape[1]], intents)
    bigger = model.grown(model.config.n_intents, model.config.n_tags + 2)  # new tags: the old ones score the same
    assert torch.allclose(bigger(x)[0][1][..., : tags.shape[2]], tags)
    assert torch.equal(bigger.word_emb.weight, model.word_emb.weight)
    assert bigger.word_emb.weight.data_ptr() != model.word_emb.weight.data_ptr()  # a copy, not shared


@pytest.mark.parametrize("bot", ["moodbot", "formbot", "large"])
def test_format_4_state_round_trips_with_identical_parses(bot, request):
    interpreter: Interpreter = request.getfixturevalue(bot)
    meta, loaded = _roundtrip(interpreter)
    assert meta["format"] == 4
    assert meta["has_joint"] == (bot != "moodbot")
    assert meta["has_classifier"] is (bot != "large")
    assert (meta["network"] is not None) is (bot == "large")
    assert meta["joint_intents"] == (bot == "large")
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
    meta, loaded = _roundtrip(interpreter)  # the grown model saves with its joint part
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


def test_rasa_epochs_do_not_raise_the_joint_models_ceiling():
    config = nlu_model_config(NLUConfig(epochs=100))
    assert config.epochs == NLUModelConfig.epochs
    assert nlu_model_config(NLUConfig(epochs=3)).epochs == 3  # fewer epochs still lower the ceiling


def test_small_data_training_stops_once_the_tags_are_learned():
    data = load_nlu(RASA / "formbot-3x" / "data" / "nlu.yml")
    seen: list[tuple[int, int]] = []
    interpreter = Interpreter.train(data, SMALL, on_epoch=lambda epoch, total, loss: seen.append((epoch, total)))
    last, ceiling = seen[-1]
    assert last < ceiling  # stopped early, on its own
    assert interpreter._share_learned([interpreter._encode(e) for e in interpreter.replay]) >= 0.98
