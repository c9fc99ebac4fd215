"""SNIPS benchmark for botcoach's NLU: train on train.md, report on test.md (val.md chose the
classifier's settings and vote; test.md chose nothing).

Prints intent accuracy, intent macro-F1, entity micro-F1 (exact span + label, the CoNLL way),
training wall and CPU time and per-message parse latency (median, p99), and how long reading
train.md (13,084 examples of Rasa 1.x Markdown) takes. Intent figures use
the classifier's top intent (an `nlu_fallback` decision is set aside), as Rasa's evaluation of
the classifier does. Run as `.venv/bin/python -m bench.nlu_snips [runs]` (default 5, seeds
42 on); every figure is the median, and each run's figure is printed beside it.
"""

from __future__ import annotations

import statistics
import sys
import time

from bench.common import SHARED
from core.nlu.interpreter import Interpreter
from core.nlu.model import NLUModelConfig
from core.training_data.loader import load_nlu
from core.training_data.nlu_md import read_nlu_md

RUNS = 5  # seeds 42-46: one run says little about a model whose seeds differ by 0.6 points
SNIPS = SHARED / "bench-data" / "snips"


def entity_set(entities: list[dict]) -> set[tuple[int, int, str]]:
    return {(e["start"], e["end"], e["entity"]) for e in entities}


def evaluate(interpreter: Interpreter, examples: list) -> dict[str, float]:
    """Accuracy, macro-F1 and entity micro-F1 of `interpreter` on labelled examples, and parse time."""
    parses, latencies = [], []
    for example in examples:
        started = time.perf_counter()
        parses.append(interpreter.parse(example.text))
        latencies.append(time.perf_counter() - started)
    latencies.sort()
    return {
        **score(parses, examples),
        "parse_ms_median": 1000 * statistics.median(latencies),
        "parse_ms_p99": 1000 * latencies[int(0.99 * (len(latencies) - 1))],
    }


def score(parses: list[dict], examples: list) -> dict[str, float]:
    """Intent accuracy and macro-F1, entity micro-F1 of Rasa-shaped parses against the examples."""
    correct = true_pos = n_pred = n_gold = 0
    per_intent: dict[str, list[int]] = {}  # name -> [tp, fp, fn]
    for parse, example in zip(parses, examples, strict=True):
        # the classifier's own top intent: a fallback is a decision on top of it, not a class
        ranking = [r for r in parse["intent_ranking"] if r["name"] != "nlu_fallback"]
        predicted = ranking[0]["name"] if ranking else None
        gold = example.intent
        correct += predicted == gold
        per_intent.setdefault(gold, [0, 0, 0])
        per_intent.setdefault(predicted, [0, 0, 0])
        if predicted == gold:
            per_intent[gold][0] += 1
        else:
            per_intent[predicted][1] += 1
            per_intent[gold][2] += 1
        pred_set, gold_set = entity_set(parse["entities"]), entity_set(example.entities)
        true_pos += len(pred_set & gold_set)
        n_pred += len(pred_set)
        n_gold += len(gold_set)
    f1s = [2 * tp / (2 * tp + fp + fn) if tp else 0.0 for tp, fp, fn in per_intent.values()]
    precision = true_pos / n_pred if n_pred else 0.0
    recall = true_pos / n_gold if n_gold else 0.0
    return {
        "intent_accuracy": 100 * correct / len(examples),
        "intent_macro_f1": 100 * sum(f1s) / len(f1s),
        "entity_micro_f1": 100 * 2 * precision * recall / (precision + recall) if true_pos else 0.0,
    }


def run_once(seed: int) -> dict[str, float]:
    train = load_nlu(SNIPS / "train.md")
    test = load_nlu(SNIPS / "test.md")
    started, cpu_started = time.perf_counter(), time.process_time()
    interpreter = Interpreter.train(train, NLUModelConfig(seed=seed))
    train_seconds = time.perf_counter() - started
    # CPU seconds too: on a shared machine wall time measures the neighbours as well
    train_cpu_seconds = time.process_time() - cpu_started
    return {
        **evaluate(interpreter, test.examples),
        "train_seconds": train_seconds,
        "train_cpu_seconds": train_cpu_seconds,
    }


def reading_times(repeats: int = 5) -> tuple[float, float]:
    """Median wall and CPU seconds to read SNIPS train.md (about 0.2 s of CPU on a quiet machine)."""
    text = (SNIPS / "train.md").read_text()
    wall, cpu = [], []
    for _ in range(repeats):
        started, started_cpu = time.perf_counter(), time.process_time()
        read_nlu_md(text, "train.md")
        wall.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    return statistics.median(wall), statistics.median(cpu)


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    runs = int(args[0]) if args else RUNS
    wall, cpu = reading_times()
    print(f"reading SNIPS train.md: median {wall:.3f} s wall, {cpu:.3f} s CPU (of 5)")
    results = [run_once(seed=42 + i) for i in range(runs)]
    print(f"SNIPS test set, {runs} run(s){' (median)' if runs > 1 else ''}")
    for key in results[0]:
        values = [r[key] for r in results]
        print(f"  {key:18s} {statistics.median(values):8.2f}   runs: {', '.join(f'{v:.2f}' for v in values)}")


if __name__ == "__main__":
    main()
