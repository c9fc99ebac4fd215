"""How `botcoach train nlu`'s memory grows with the data, and the benchmark sets against the limits.

1. Growth: the real CLI in a fresh process per point (its own peak memory, from
   bench.common.run_measured) on synthetic NLU-only projects: a growing number of examples
   over 20 intents, then a growing number of intents over a fixed 4,000 examples. A
   least-squares line through each series gives the bytes per example and per intent that the
   README states. Examples are 8 words drawn from a 5,000-word vocabulary, each intent
   preferring its own words.
2. The sets in ../shared/bench-data (SNIPS, CLINC150, BANKING77), written as Rasa NLU in a
   temporary folder: what the limits say about them (nothing is expected), the linear
   classifier's table against CLASSIFIER_MAX_WEIGHTS, and `botcoach train nlu` on each.

`.venv/bin/python -m bench.limits [growth] [sets]` (both by default).
"""

from __future__ import annotations

import csv
import json
import random
import sys
import tempfile
from pathlib import Path

from bench.common import ROOT, SHARED, run_measured
from core.limits import CLASSIFIER_MAX_WEIGHTS
from core.nlu.sentence_features import SentenceVocabulary
from core.nlu.tokenizer import normalised_words
from core.training_data.loader import TrainingData
from core.training_data.nlu_md import read_nlu_md
from core.training_data.nlu_model import Example, NLUData
from core.training_data.nlu_yaml import write_nlu_yaml
from core.validation import check_data
from core.yamlio import read_text

CLI = ROOT / ".venv" / "bin" / "botcoach"
BENCH_DATA = SHARED / "bench-data"
CONFIG = "language: en\n"


# ---- the benchmark sets as NLU data -----------------------------------------------------------


def snips() -> NLUData:
    path = BENCH_DATA / "snips" / "train.md"
    return read_nlu_md(read_text(path), path)


def clinc150() -> NLUData:
    """The training split of CLINC150's full set, out-of-scope examples included (151 intents)."""
    data = json.loads(read_text(BENCH_DATA / "clinc150" / "data_full.json"))
    return NLUData([Example(text, intent) for split in ("train", "oos_train") for text, intent in data[split]])


def banking77() -> NLUData:
    with (BENCH_DATA / "banking77" / "train.csv").open(encoding="utf-8") as handle:
        return NLUData([Example(row["text"], row["category"]) for row in csv.DictReader(handle)])


SETS = {"SNIPS": snips, "CLINC150": clinc150, "BANKING77": banking77}


def classifier_weights(data: NLUData) -> int:
    """Sentence features x intents of the linear classifier, before any cut (default settings)."""
    vocabulary = SentenceVocabulary(2, 2, 5)
    vocabulary.fit(normalised_words(e.text, False) for e in data.examples)
    return len(vocabulary) * len(data.intents)


# ---- one training run -----------------------------------------------------------------------------


def train_nlu(data: NLUData) -> tuple[float, float, int, str]:
    """(wall s, peak MB, exit code, last error line) of `botcoach train nlu` on `data`."""
    with tempfile.TemporaryDirectory(prefix="bench-limits-") as folder:
        root = Path(folder)
        (root / "data").mkdir()
        (root / "config.yml").write_text(CONFIG)
        (root / "data" / "nlu.yml").write_text(write_nlu_yaml(data))
        run = run_measured([str(CLI), "train", "nlu", "--quiet"], root)
        lines = run.stderr.strip().splitlines()
        return run.wall_s, run.peak_mb, run.returncode, lines[-1] if lines and run.returncode else ""


def synthetic(examples: int, intents: int, seed: int = 0) -> NLUData:
    rng = random.Random(seed)
    words = [f"w{n}" for n in range(5000)]
    own = {i: rng.sample(words, 40) for i in range(intents)}
    made = []
    for n in range(examples):
        intent = n % intents
        text = " ".join(rng.choice(own[intent]) if rng.random() < 0.5 else rng.choice(words) for _ in range(8))
        made.append(Example(text, f"intent_{intent}"))
    return NLUData(made)


def slope(points: list[tuple[float, float]]) -> float:
    n = len(points)
    mean_x, mean_y = sum(x for x, _ in points) / n, sum(y for _, y in points) / n
    return sum((x - mean_x) * (y - mean_y) for x, y in points) / sum((x - mean_x) ** 2 for x, _ in points)


def growth() -> None:
    print("peak memory of `botcoach train nlu` (one process per point)")
    print(f"{'examples':>9}{'intents':>9}{'wall s':>9}{'peak MB':>9}")
    by_examples = []
    for examples in (1000, 2000, 4000, 8000, 16000):
        wall, peak, code, error = train_nlu(synthetic(examples, 20))
        print(f"{examples:>9,}{20:>9}{wall:>9.1f}{peak:>9.0f}{'  failed: ' + error if code else ''}", flush=True)
        by_examples.append((examples, peak))
    by_intents = []
    for intents in (50, 200, 500, 1000, 2000):
        wall, peak, code, error = train_nlu(synthetic(4000, intents))
        print(f"{4000:>9,}{intents:>9,}{wall:>9.1f}{peak:>9.0f}{'  failed: ' + error if code else ''}", flush=True)
        by_intents.append((intents, peak))
    per_example, per_intent = slope(by_examples) * 2**20, slope(by_intents) * 2**20
    print(f"least squares: {per_example / 1024:.1f} KB per example, {per_intent / 1024:.0f} KB per intent")


def sets() -> None:
    print(f"benchmark sets: limits, classifier weights (cap {CLASSIFIER_MAX_WEIGHTS:,}), `botcoach train nlu`")
    print(f"{'set':<11}{'examples':>9}{'intents':>8}{'findings':>9}{'weights':>12}{'wall s':>8}{'peak MB':>9}")
    for name, load in SETS.items():
        data = load()
        findings = check_data(TrainingData(nlu=data)).findings
        weights = classifier_weights(data)
        wall, peak, code, error = train_nlu(data)
        print(
            f"{name:<11}{len(data.examples):>9,}{len(data.intents):>8}{len(findings):>9}{weights:>12,}"
            f"{wall:>8.1f}{peak:>9.0f}{'  failed: ' + error if code else ''}",
            flush=True,
        )
        for finding in findings:
            print(f"  {finding}")


def main(argv: list[str] | None = None) -> int:
    chosen = (sys.argv[1:] if argv is None else argv) or ["growth", "sets"]
    if "growth" in chosen:
        growth()
    if "sets" in chosen:
        sets()
    return 0


if __name__ == "__main__":
    sys.exit(main())
