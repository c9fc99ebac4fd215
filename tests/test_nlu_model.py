"""The joint NLU model on real Rasa data: learning, roles/groups, synonyms, fallback, retrieval
intents, incremental updates, reproducibility and save/load. The full SNIPS run is a benchmark
(bench/nlu_snips.py); here a small SNIPS subset checks that the model generalises at all."""

from __future__ import annotations

import io
import json
import random
from dataclasses import replace

import pytest
import torch

from core.domain.items import NLU_FALLBACK_INTENT as FALLBACK_INTENT
from core.nlu.interpreter import Interpreter
from core.nlu.interpreter_state import interpreter_from_state, interpreter_state
from core.nlu.model import JointNLU, NLUModelConfig
from core.nlu.trainer import WeightAverage
from core.training_data.loader import load_nlu
from core.training_data.nlu_model import Example, NLUData
from tests.conftest import COMPAT as RASA
from tests.conftest import SHARED

SNIPS = SHARED / "bench-data" / "snips"

# A smaller model than the default keeps each training to a second or two.
SMALL = NLUModelConfig(embed_dim=48, hidden_dim=64, word_buckets=4096, char_buckets=8192, bag_buckets=4096)


def _entity_keys(entities: list[dict]) -> set[tuple]:
    return {(e["start"], e["end"], e["entity"], e.get("role"), e.get("group")) for e in entities}


def _example(text: str, intent: str, **entities: str) -> Example:
    spans = [
        {"start": text.index(value), "end": text.index(value) + len(value), "value": value, "entity": name}
        for name, value in entities.items()
    ]
    return Example(text, intent, spans, {})


def _intent_accuracy(interpreter: Interpreter, examples: list[Example]) -> float:
    hits = sum(interpreter.parse(e.text)["intent_ranking"][0]["name"] == e.intent for e in examples)
    return hits / len(examples)


@pytest.fixture(scope="module")
def moodbot_data() -> NLUData:
    return load_nlu(RASA / "moodbot-3x" / "data" / "nlu.yml")


@pytest.fixture(scope="module")
def moodbot(moodbot_data) -> Interpreter:
    return Interpreter.train(moodbot_data, SMALL)


@pytest.fixture(scope="module")
def demo() -> Interpreter:
    """Rasa's demo data: retrieval intents, synonyms, regexes and restaurant entities."""
    return Interpreter.train(load_nlu(RASA / "test-data" / "data" / "examples" / "rasa" / "demo-rasa.yml"), SMALL)


def test_learns_the_training_data_and_ranks_every_intent(moodbot, moodbot_data):
    assert _intent_accuracy(moodbot, moodbot_data.examples) >= 0.97
    parse = moodbot.parse("hello there")
    assert parse["intent"]["name"] == "greet"
    names = [r["name"] for r in parse["intent_ranking"]]
    assert sorted(names) == sorted(moodbot_data.intents)
    confidences = [r["confidence"] for r in parse["intent_ranking"]]
    assert confidences == sorted(confidences, reverse=True)
    assert sum(confidences) == pytest.approx(1.0, abs=1e-4)
    assert parse["intent"]["confidence"] == pytest.approx(confidences[0])


def test_training_reports_progress_and_is_reproducible(moodbot, moodbot_data):
    seen = []
    again = Interpreter.train(moodbot_data, SMALL, on_epoch=lambda e, n, loss: seen.append((e, n, loss)))
    assert seen and seen[0][0] == 1 and all(n == seen[0][1] for _, n, _ in seen)
    assert seen[-1][2] < seen[0][2]
    for text in ("good morning", "i am sad", "not really", "that is perfect, thanks"):
        assert again.parse(text) == moodbot.parse(text)


def test_entities_with_roles_and_groups_are_learned():
    data = load_nlu(RASA / "test-data" / "data" / "test" / "demo-rasa-composite-entities.yml")
    interpreter = Interpreter.train(data, SMALL)
    annotated = [e for e in data.examples if e.entities]
    exact = sum(_entity_keys(interpreter.parse(e.text)["entities"]) == _entity_keys(e.entities) for e in annotated)
    assert exact / len(annotated) >= 0.9
    parse = interpreter.parse("i am looking for a flight from Amsterdam to New York")
    roles = {e["value"]: e.get("role") for e in parse["entities"] if e["entity"] == "location"}
    assert roles == {"Amsterdam": "from", "New York": "to"}
    for entity in parse["entities"]:
        assert 0.0 < entity["confidence_entity"] <= 1.0
        assert entity["extractor"] == "botcoach"
        assert parse["text"][entity["start"] : entity["end"]] == entity["value"]


def test_synonyms_are_mapped_after_extraction_case_insensitively(demo):
    for text in ("show me chines restaurants in the north", "show me CHINES restaurants in the north"):
        entities = demo.parse(text)["entities"]
        assert [(e["entity"], e["value"]) for e in entities] == [("cuisine", "chinese"), ("location", "north")]
        assert text[entities[0]["start"] : entities[0]["end"]].lower() == "chines"


def test_retrieval_intents_report_the_base_name_and_the_full_one(demo):
    parse = demo.parse("What's your name?")
    assert parse["intent"]["name"] == "chitchat"
    assert "chitchat/ask_name" not in [r["name"] for r in parse["intent_ranking"]]
    selector = parse["response_selector"]
    assert selector["all_retrieval_intents"] == ["chitchat"]
    response = selector["chitchat"]["response"]
    assert response["intent_response_key"] == "chitchat/ask_name"
    assert response["utter_action"] == "utter_chitchat/ask_name"
    keys = {r["intent_response_key"] for r in selector["chitchat"]["ranking"]}
    assert keys == {"chitchat/ask_name", "chitchat/ask_weather"}


def test_low_confidence_becomes_nlu_fallback_with_the_ranking_kept(moodbot, moodbot_data):
    strict = interpreter_from_state(*interpreter_state(moodbot))
    strict.config.fallback_threshold = 0.999
    parse = strict.parse("hmm, the quick brown fox")
    assert parse["intent"] == {"name": FALLBACK_INTENT, "confidence": 0.999}
    assert parse["intent_ranking"][0] == parse["intent"]
    assert sorted(r["name"] for r in parse["intent_ranking"][1:]) == sorted(moodbot_data.intents)
    assert moodbot.parse("hello")["intent"]["name"] == "greet"  # the default threshold lets it pass


def test_save_and_load_give_identical_parses(demo):
    meta, tensors = interpreter_state(demo)
    meta = json.loads(json.dumps(meta))  # the meta must be JSON
    buffer = io.BytesIO()
    torch.save(tensors, buffer)
    buffer.seek(0)
    loaded = interpreter_from_state(meta, torch.load(buffer, weights_only=True))
    for text in ("hey there", "i want chinese food in the north", "what's your name", ""):
        assert loaded.parse(text) == demo.parse(text)


def test_update_teaches_new_examples_without_forgetting(moodbot_data):
    interpreter = Interpreter.train(moodbot_data, SMALL)
    before = _intent_accuracy(interpreter, moodbot_data.examples)
    new = [
        _example("what's the weather like in Berlin", "ask_weather", city="Berlin"),
        _example("will it rain in Paris tomorrow", "ask_weather", city="Paris"),
        _example("is it sunny in Rome", "ask_weather", city="Rome"),
        _example("meh", "mood_unhappy"),  # a correction of an existing intent
    ]
    steps = interpreter.update(new)
    assert 0 < steps <= 100
    for example in new:
        parse = interpreter.parse(example.text)
        assert parse["intent_ranking"][0]["name"] == example.intent
        assert _entity_keys(parse["entities"]) == _entity_keys(example.entities)
    after = _intent_accuracy(interpreter, moodbot_data.examples)
    assert after >= before - 0.01
    assert "ask_weather" in [r["name"] for r in interpreter.parse("hi")["intent_ranking"]]


def test_generalises_on_a_snips_subset():
    train = load_nlu(SNIPS / "train.md")
    test = load_nlu(SNIPS / "test.md")
    rng = random.Random(0)
    subset = NLUData(examples=rng.sample(train.examples, 1500))
    interpreter = Interpreter.train(subset, replace(SMALL, epochs=8, min_steps=0))
    sample = rng.sample(test.examples, 200)
    assert _intent_accuracy(interpreter, sample) >= 0.85
    gold = pred = hits = 0
    for example in sample:
        predicted = {(e["start"], e["end"], e["entity"]) for e in interpreter.parse(example.text)["entities"]}
        expected = {(e["start"], e["end"], e["entity"]) for e in example.entities}
        hits, gold, pred = hits + len(predicted & expected), gold + len(expected), pred + len(predicted)
    f1 = 2 * hits / (gold + pred)
    assert f1 >= 0.65


def test_the_weight_average_keeps_the_tables_in_half_precision_and_averages_every_weight():
    """The hashed tables' running mean is float16 (half their size at training's memory peak);
    the model it gives is the mean of the epochs' weights to that precision."""
    config = NLUModelConfig(word_buckets=64, char_buckets=64, bag_buckets=64, n_dense=7, n_intents=3, n_tags=3)
    torch.manual_seed(0)
    model = JointNLU(config)
    average = WeightAverage(start_epoch=1)
    seen = []
    for epoch in range(4):
        with torch.no_grad():
            for p in model.parameters():
                p.add_(torch.randn_like(p))
        average.add(model, epoch)
        if epoch >= 1:
            seen.append({k: v.clone() for k, v in model.state_dict().items()})
    assert {n: average.sums[n].dtype for n in model.sparse_parameter_names} == dict.fromkeys(
        model.sparse_parameter_names, torch.float16
    )
    average.apply(model)
    for name, value in model.state_dict().items():
        mean = torch.stack([s[name] for s in seen]).mean(0)
        assert torch.allclose(value, mean, atol=5e-3), name
