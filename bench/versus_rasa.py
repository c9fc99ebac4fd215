"""botcoach's NLU beside Rasa 3.6's default DIET pipeline: same training and test examples, both
systems' parses scored by the same code (bench.nlu_snips.score: top intent, exact entity spans).

Rasa runs in a chroot (bench/rasa_side.py; without it this benchmark says so and stops), and
its results are kept by their inputs. It is not part of `make bench`: DIET's 100 epochs take
minutes even on these small sets (on all of SNIPS, hours). Run:
`.venv/bin/python -m bench.versus_rasa [set-name-prefix ...]`.

Sets (see `sets`): SNIPS samples of 1,000 and of 10 per intent against the whole SNIPS test
set, and 5-fold cross-validation on Rasa's small 3.x bots. Rasa's side runs the default pipeline of
`rasa init` (the tokenizer, regex, lexical and two count-vector featurizers, DIETClassifier
with 100 epochs, the synonym mapper); its fallback and response selector leave out nothing
scored here.
"""

from __future__ import annotations

import json
import random
import shutil
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

from bench import rasa_side
from bench.common import COMPAT, machine
from bench.nlu_snips import SNIPS, score
from core.evaluation.cross_validation import stratified_folds
from core.nlu.interpreter import Interpreter
from core.nlu.model import NLUModelConfig
from core.training_data.loader import load_nlu
from core.training_data.nlu_model import NLUData
from core.training_data.nlu_yaml import write_nlu_yaml

FOLDS = 5
INSIDE = Path("/tmp/botcoach-versus-rasa")  # the work folder as the chroot sees it
# an assistant_id of our own: without one, Rasa writes a random one into the file (and the cache misses)
CONFIG = """recipe: default.v1
assistant_id: botcoach-versus-rasa
language: en
pipeline:
  - name: WhitespaceTokenizer
  - name: RegexFeaturizer
  - name: LexicalSyntacticFeaturizer
  - name: CountVectorsFeaturizer
  - name: CountVectorsFeaturizer
    analyzer: char_wb
    min_ngram: 1
    max_ngram: 4
  - name: DIETClassifier
    epochs: 100
    random_seed: 0
  - name: EntitySynonymMapper
policies: []
"""
PARSE = """import asyncio, json, statistics, sys, time
from rasa.core.agent import Agent
agent = Agent.load(sys.argv[1])
texts = json.load(open(sys.argv[2]))
async def main():
    parses, seconds = [], []
    for text in texts:
        started = time.perf_counter()
        parses.append(await agent.parse_message(text))
        seconds.append(time.perf_counter() - started)
    return {"parses": parses, "parse_ms_median": 1000 * statistics.median(seconds)}
json.dump(asyncio.run(main()), open(sys.argv[3], "w"))
"""


def stratified(examples: list, share: float, seed: int = 0) -> tuple[list, list]:
    """(chosen, rest): `share` of each intent's examples, at least one, chosen at random."""
    rng = random.Random(seed)
    by_intent: dict[str, list] = {}
    for example in examples:
        by_intent.setdefault(example.intent, []).append(example)
    chosen, rest = [], []
    for name in sorted(by_intent):
        group = by_intent[name][:]
        rng.shuffle(group)
        cut = max(1, round(share * len(group)))
        chosen += group[:cut]
        rest += group[cut:]
    return chosen, rest


Split = tuple[NLUData, list]  # training data, test examples


def sets() -> list[tuple[str, list[Split]]]:
    """(name, splits); a set's figures pool the test predictions of all its splits.

    SNIPS: 1,000 training examples, and three samples of 10 per intent (a small bot's share),
    each against the whole test set (700 examples: one error is 0.14 points). Rasa's small
    3.x bots: 5-fold cross-validation, as `rasa test nlu --cross-validation` does, every
    example tested once (a single 80/20 split of formbot swings by several points).
    """
    snips = load_nlu(SNIPS / "train.md")
    snips_test = load_nlu(SNIPS / "test.md").examples
    train, _ = stratified(snips.examples, 1000 / len(snips.examples))
    chosen = [("snips-1000", [(replace(snips, examples=train), snips_test)])]
    few = [stratified(snips.examples, 70 / len(snips.examples), seed)[0] for seed in range(3)]
    chosen.append(("snips-10-per-intent", [(replace(snips, examples=sample), snips_test) for sample in few]))
    for bot in ("formbot-3x", "moodbot-3x", "concertbot-3x"):
        data = load_nlu(COMPAT / bot / "data" / "nlu.yml")
        splits = []
        for held_out in stratified_folds(data.examples, FOLDS, seed=0):
            out = set(held_out)
            rest = [e for i, e in enumerate(data.examples) if i not in out]
            splits.append((replace(data, examples=rest), [data.examples[i] for i in held_out]))
        chosen.append((f"{bot}-{FOLDS}fold", splits))
    return chosen


def run_rasa(name: str, data: NLUData, tests: list) -> tuple[list[dict], float, float]:
    """Rasa's parses of the test texts, its `rasa train nlu` wall time and its median parse time.

    Cached by input: a model whose config and training data are unchanged is not retrained,
    and its parses are kept while the texts and parse script are unchanged too, so rerunning
    the benchmark after a change on our side costs no Rasa time.
    """
    inside = INSIDE / name
    folder = rasa_side.host_path(inside)
    trained = rasa_side.cached(folder, {"config.yml": CONFIG, "nlu.yml": write_nlu_yaml(data)}, "train_seconds")
    if not trained:
        for stale in ("models", ".rasa"):  # or Rasa restores the model, or its parts, from a cache
            shutil.rmtree(folder / stale, ignore_errors=True)
        started = time.perf_counter()
        rasa_side.run(
            inside, "rasa train nlu --config config.yml --nlu nlu.yml --out models --fixed-model-name m", "train.log"
        )
        (folder / "train_seconds").write_text(f"{time.perf_counter() - started}")
    texts = {"texts.json": json.dumps([e.text for e in tests]), "parse.py": PARSE}
    if not (rasa_side.cached(folder, texts, "parses.json") and trained):
        rasa_side.run(inside, "python parse.py models/m.tar.gz texts.json parses.json", "parse.log")
    parsed = json.loads((folder / "parses.json").read_text())
    return parsed["parses"], float((folder / "train_seconds").read_text()), parsed["parse_ms_median"]


def run_ours(data: NLUData, tests: list) -> tuple[list[dict], float, float]:
    """Our parses of the test texts, the training wall time and the median parse time."""
    started = time.perf_counter()
    interpreter = Interpreter.train(data, NLUModelConfig())
    seconds = time.perf_counter() - started
    parses, parse_seconds = [], []
    for example in tests:
        started = time.perf_counter()
        parses.append(interpreter.parse(example.text))
        parse_seconds.append(time.perf_counter() - started)
    return parses, seconds, 1000 * statistics.median(parse_seconds)


def run_set(name: str, splits: list[Split], system: str) -> tuple[list[dict], list, float, float]:
    """All splits' parses and test examples, pooled; the mean training time and the median of
    the splits' median parse times."""
    parses, tests, train_seconds, parse_ms = [], [], [], []
    for number, (data, held_out) in enumerate(splits):
        if system == "Rasa":
            split = run_rasa(f"{name}-{number}", data, held_out)
        else:
            split = run_ours(data, held_out)
        parses += split[0]
        tests += held_out
        train_seconds.append(split[1])
        parse_ms.append(split[2])
    return parses, tests, statistics.mean(train_seconds), statistics.median(parse_ms)


def main(argv: list[str] | None = None) -> None:
    """Every set, or those whose names start with one of the arguments."""
    prefixes = sys.argv[1:] if argv is None else argv
    if not rasa_side.ready():
        return
    print(machine())
    print("NLU on the same data: Rasa 3.6.21 default DIET pipeline vs botcoach; one run each (seeded)")
    print(
        f"{'set':20s} {'system':9s} {'train ex':>8s} {'test ex':>7s} {'intent acc':>10s} {'macro F1':>9s} "
        f"{'entity F1':>9s} {'train s':>8s} {'parse ms':>8s}"
    )
    for name, splits in sets():
        if prefixes and not name.startswith(tuple(prefixes)):
            continue
        for system in ("Rasa", "botcoach"):
            parses, tests, seconds, parse_ms = run_set(name, splits, system)
            figures = score(parses, tests)
            train_size = sum(len(data.examples) for data, _ in splits) / len(splits)
            print(
                f"{name:20s} {system:9s} {train_size:8.0f} {len(tests):7d} "
                f"{figures['intent_accuracy']:9.2f}% {figures['intent_macro_f1']:9.2f} "
                f"{figures['entity_micro_f1']:9.2f} {seconds:8.1f} {parse_ms:8.2f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
