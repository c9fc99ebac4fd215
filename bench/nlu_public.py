"""Public NLU benchmarks botcoach was not developed on, tried as a new user would: default
config, 2-core CPU, every seed trained in a fresh process.

- CLINC150 imbalanced (150 intents of 25-100 training examples, plus out-of-scope queries):
  `clinc-oos-intent` trains the out-of-scope queries as an intent of their own (`oos`);
  `clinc-fallback` trains without them and catches them with `nlu_fallback`, the
  FallbackClassifier settings a bot sets (threshold and ambiguity threshold), chosen on `val` +
  `oos_val` only (the pair with the best accuracy over both, out-of-scope counted right when it
  falls back). Reported:
  in-scope accuracy, out-of-scope recall (and precision), and the mean recall of the 15
  intents with the fewest training examples (ties by name). With `oos` as an intent, the
  classifier's own answer and the answer with the fallback threshold chosen the same way.
- BANKING77 (77 near-neighbour intents): intent accuracy.
- SNIPS (7 intents, entities): intent accuracy and entity micro-F1 (bench.nlu_snips.score).

Per seed: training wall and CPU seconds, the peak resident memory of the process when training
has finished (imports and data included, as `botcoach train` would have), and the median parse
time. Figures: the median over the seeds, the worst seed, and every seed.

Nothing was tuned on the test files: `--validation` runs the same on the data the settings
were chosen on (CLINC's `val`/`oos_val`, a seeded 10% of BANKING77's training set held out,
SNIPS's `val.md`) instead of the test files. A reported run reads the test files once; the
process of each seed parses their texts.

Run: `.venv/bin/python -m bench.nlu_public [--seeds N] [--validation] [set ...]`, sets among
`clinc-oos-intent clinc-fallback banking77 snips` (all by default); 5 seeds take about 25 minutes.
"""

from __future__ import annotations

import csv
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path

from bench.common import ROOT, SHARED, machine, own_peak_mb
from bench.nlu_snips import score
from core.domain.items import NLU_FALLBACK_INTENT as FALLBACK_INTENT
from core.nlu.interpreter import Interpreter
from core.nlu.model import NLUModelConfig
from core.training_data.loader import load_nlu
from core.training_data.nlu_model import Example, NLUData

DATA = SHARED / "bench-data"
SEEDS = 5  # 42-46
SETS = ("clinc-oos-intent", "clinc-fallback", "banking77", "snips")
OUT_OF_SCOPE = "oos"
RARE = 15
HELD_OUT = 0.1  # BANKING77's share of its training set held out for validation

Split = tuple[NLUData, list[Example], list[Example]]  # training data, tuning examples, test examples


def clinc(part: str) -> list[Example]:
    with open(DATA / "clinc150" / "data_imbalanced.json", encoding="utf-8") as handle:
        return [Example(text, intent) for text, intent in json.load(handle)[part]]


def banking(file: str) -> list[Example]:
    with open(DATA / "banking77" / file, encoding="utf-8", newline="") as handle:
        return [Example(row["text"], row["category"]) for row in csv.DictReader(handle)]


def held_out(examples: list[Example], share: float, seed: int = 0) -> tuple[list[Example], list[Example]]:
    """(rest, held out): a seeded `share` of each intent's examples held out."""
    rng = random.Random(seed)
    by_intent: dict[str, list[Example]] = {}
    for example in examples:
        by_intent.setdefault(example.intent or "", []).append(example)
    rest: list[Example] = []
    chosen: list[Example] = []
    for name in sorted(by_intent):
        group = by_intent[name][:]
        rng.shuffle(group)
        cut = max(1, round(share * len(group)))
        chosen += group[:cut]
        rest += group[cut:]
    return rest, chosen


def split(name: str, validation: bool) -> Split:
    """The set's training data, the examples a threshold is chosen on, and the examples scored."""
    if name.startswith("clinc"):
        train = clinc("train") + (clinc("oos_train") if name == "clinc-oos-intent" else [])
        tuning = clinc("val") + clinc("oos_val")
        return NLUData(examples=train), tuning, tuning if validation else clinc("test") + clinc("oos_test")
    if name == "banking77":
        train = banking("train.csv")
        if validation:
            rest, held = held_out(train, HELD_OUT)
            return NLUData(examples=rest), [], held
        return NLUData(examples=train), [], banking("test.csv")
    if name == "snips":
        snips = DATA / "snips"
        return load_nlu(snips / "train.md"), [], load_nlu(snips / ("val.md" if validation else "test.md")).examples
    raise ValueError(f"unknown set {name}; choose from {', '.join(SETS)}")


def out_of_scope(prediction: str | None) -> bool:
    return prediction in (OUT_OF_SCOPE, FALLBACK_INTENT)


AMBIGUITIES = (0.0, 0.05, 0.1)  # 0.1 is Rasa's default; on CLINC's val it costs 1.2 points in scope


def choose_fallback(interpreter: Interpreter, tuning: list[Example]) -> tuple[float, float]:
    """The FallbackClassifier settings (threshold, ambiguity threshold) with the best accuracy
    on the tuning examples, an out-of-scope one counted right when the parse falls back (or
    names the out-of-scope intent); the decision is the interpreter's own (`falls_back`)."""
    config = interpreter.config
    interpreter.config = replace(config, fallback_threshold=0.0)
    rankings = [interpreter.parse(e.text)["intent_ranking"] for e in tuning]  # threshold 0: no fallback
    best, chosen = -1, (0.0, config.ambiguity_threshold)
    for ambiguity in AMBIGUITIES:
        for step in range(100):
            interpreter.config = replace(config, fallback_threshold=step / 100, ambiguity_threshold=ambiguity)
            right = 0
            for example, ranking in zip(tuning, rankings, strict=True):
                answer = FALLBACK_INTENT if interpreter.falls_back(ranking) else ranking[0]["name"]
                right += out_of_scope(answer) if out_of_scope(example.intent) else answer == example.intent
            if right > best:
                best, chosen = right, (step / 100, ambiguity)
    interpreter.config = config
    return chosen


def run_child(name: str, seed: int, validation: bool, texts_file: Path, out: Path) -> None:
    """Train and parse one seed in this process; write what the parent scores to `out`."""
    data, tuning, _ = split(name, validation)
    texts = json.loads(texts_file.read_text())
    started, cpu = time.perf_counter(), time.process_time()
    interpreter = Interpreter.train(data, NLUModelConfig(seed=seed))
    figures = {
        "train_s": time.perf_counter() - started,
        "train_cpu_s": time.process_time() - cpu,
        "peak_mb": own_peak_mb(),
    }
    if tuning:
        threshold, ambiguity = choose_fallback(interpreter, tuning)
        interpreter.config = replace(interpreter.config, fallback_threshold=threshold, ambiguity_threshold=ambiguity)
        figures["threshold"], figures["ambiguity"] = threshold, ambiguity
    parses, seconds = [], []
    for text in texts:
        started = time.perf_counter()
        parses.append(interpreter.parse(text))
        seconds.append(time.perf_counter() - started)
    figures["parse_ms"] = 1000 * statistics.median(seconds)
    counts = Counter(e.intent for e in data.examples)
    out.write_text(json.dumps({"figures": figures, "parses": parses, "counts": counts}))


def clinc_figures(parses: list[dict], tests: list[Example], counts: dict[str, int]) -> dict[str, float]:
    """In-scope accuracy, out-of-scope recall and precision, the rare intents' mean recall:
    with the fallback (what a bot does) and from the classifier's own top intent."""
    rare = sorted((i for i in counts if i != OUT_OF_SCOPE), key=lambda i: (counts[i], i))[:RARE]
    figures: dict[str, float] = {}
    for kind in ("", "classifier "):
        if kind:
            predicted = [next(r["name"] for r in p["intent_ranking"] if r["name"] != FALLBACK_INTENT) for p in parses]
        else:
            predicted = [p["intent"]["name"] for p in parses]
        pairs = list(zip((e.intent for e in tests), predicted, strict=True))
        inside = [(gold, guess) for gold, guess in pairs if not out_of_scope(gold)]
        outside = [guess for gold, guess in pairs if out_of_scope(gold)]
        flagged = [gold for gold, guess in pairs if out_of_scope(guess)]
        if kind and OUT_OF_SCOPE not in counts:
            continue  # nothing to say: without the intent the classifier never answers out-of-scope
        figures[f"{kind}in-scope acc"] = 100 * sum(g == p for g, p in inside) / len(inside)
        figures[f"{kind}oos recall"] = 100 * sum(map(out_of_scope, outside)) / len(outside)
        figures[f"{kind}oos precision"] = 100 * sum(map(out_of_scope, flagged)) / max(1, len(flagged))
        recalls = [sum(p == g for gg, p in inside if gg == g) / sum(gg == g for gg, _ in inside) for g in rare]
        figures[f"{kind}rare-{RARE} recall"] = 100 * sum(recalls) / len(recalls)
    return figures


def run_seed(name: str, seed: int, validation: bool, tests: list[Example]) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="bench-nlu-public-") as folder:
        texts, out = Path(folder) / "texts.json", Path(folder) / "result.json"
        texts.write_text(json.dumps([e.text for e in tests]))
        command = [sys.executable, "-m", "bench.nlu_public", "--child", name, str(seed), str(texts), str(out)]
        if validation:
            command.append("--validation")
        subprocess.run(command, cwd=ROOT, check=True, env={**os.environ, "PYTHONHASHSEED": "0"})
        result = json.loads(out.read_text())
    parses, figures = result["parses"], result["figures"]
    if name.startswith("clinc"):
        return {**clinc_figures(parses, tests, result["counts"]), **figures}
    scored = score(parses, tests)
    if name == "banking77":
        return {"intent acc": scored["intent_accuracy"], **figures}
    return {"intent acc": scored["intent_accuracy"], "entity F1": scored["entity_micro_f1"], **figures}


LOWER_IS_BETTER = ("train_s", "train_cpu_s", "peak_mb", "parse_ms")


def report(name: str, runs: list[dict[str, float]]) -> None:
    print(f"{name}: median | worst seed | seeds 42..{41 + len(runs)}")
    for key in runs[0]:
        values = [run[key] for run in runs]
        worst = max(values) if key in LOWER_IS_BETTER else min(values)
        if key in ("threshold", "ambiguity"):
            worst = statistics.median(values)  # neither better nor worse: the chosen setting
        each = ", ".join(f"{v:.2f}" for v in values)
        print(f"  {key:26s} {statistics.median(values):8.2f} {worst:8.2f}   {each}", flush=True)


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["--child"]:
        run_child(args[1], int(args[2]), "--validation" in args, Path(args[3]), Path(args[4]))
        return
    if {"-h", "--help"} & set(args) or [
        a for a in args if not a.startswith("--") and a not in SETS and not a.isdigit()
    ]:
        print(__doc__)
        return
    validation = "--validation" in args
    seeds = int(args[args.index("--seeds") + 1]) if "--seeds" in args else SEEDS
    names = [a for a in args if a in SETS] or list(SETS)
    print(machine())
    print(f"{'validation data' if validation else 'test data'}, {seeds} seed(s), default config, one process per seed")
    for name in names:
        tests = split(name, validation)[2]  # read once per reported run; each child parses its texts
        report(name, [run_seed(name, 42 + i, validation, tests) for i in range(seeds)])


if __name__ == "__main__":
    main()
