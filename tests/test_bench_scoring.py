"""The scorer both systems' parses go through in the NLU benchmarks, the splits they share, and
the cache that spares rerunning Rasa."""

from __future__ import annotations

import pytest

from bench.nlu_snips import score
from bench.rasa_side import cached
from bench.versus_rasa import stratified
from core.training_data.nlu_model import Example


def _parse(intent: str, *entities: tuple[int, int, str]) -> dict:
    ranking = [{"name": "nlu_fallback", "confidence": 0.3}, {"name": intent, "confidence": 0.2}]
    return {"intent_ranking": ranking, "entities": [{"start": s, "end": e, "entity": n} for s, e, n in entities]}


def test_score_reads_the_top_intent_past_a_fallback_and_counts_exact_spans_only():
    examples = [
        Example("play jazz", "PlayMusic", [{"start": 5, "end": 9, "entity": "genre", "value": "jazz"}], {}),
        Example("rain in rome", "GetWeather", [{"start": 8, "end": 12, "entity": "city", "value": "rome"}], {}),
    ]
    parses = [_parse("PlayMusic", (5, 9, "genre")), _parse("PlayMusic", (7, 12, "city"))]
    figures = score(parses, examples)
    assert figures["intent_accuracy"] == 50.0
    assert figures["entity_micro_f1"] == 50.0  # one of two gold spans, one of two predicted
    assert figures["intent_macro_f1"] == pytest.approx(100 * (2 / 3 + 0) / 2)


def test_stratified_keeps_every_intent_and_its_share():
    examples = [Example(f"a{i}", "a", [], {}) for i in range(10)] + [Example("b", "b", [], {})]
    chosen, rest = stratified(examples, 0.2)
    assert sorted(e.intent for e in chosen) == ["a", "a", "b"]
    assert len(chosen) + len(rest) == len(examples) and not set(map(id, chosen)) & set(map(id, rest))
    assert stratified(examples, 0.2) == (chosen, rest)  # seeded


def test_rasa_results_are_reused_only_while_their_inputs_are_unchanged(tmp_path):
    assert not cached(tmp_path, {"nlu.yml": "v1", "data/stories.yml": "s"}, "parses.json")  # nothing there yet
    assert (tmp_path / "nlu.yml").read_text() == "v1" and (tmp_path / "data" / "stories.yml").read_text() == "s"
    (tmp_path / "parses.json").write_text("[]")
    assert cached(tmp_path, {"nlu.yml": "v1", "data/stories.yml": "s"}, "parses.json")
    assert not cached(tmp_path, {"nlu.yml": "v2"}, "parses.json")  # changed data: rerun Rasa
    assert not (tmp_path / "parses.json").exists() and (tmp_path / "nlu.yml").read_text() == "v2"
