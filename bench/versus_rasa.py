"""botcoach's NLU beside Rasa 3.6's default DIET pipeline: same training and test examples, both
systems' parses scored by the same code (bench.nlu_snips.score: top intent, exact entity spans).

Rasa 3.6 needs Python <= 3.10; `sudo bash bench/rasa_chroot.sh` builds it in a Debian 11 chroot
(BOTCOACH_RASA_CHROOT, default /opt/bullseye). Without it this benchmark says so and stops. It
is not part of `make bench`: DIET's 100 epochs take minutes even on these small sets (on all of
SNIPS, hours). Run: `.venv/bin/python -m bench.versus_rasa`.

Sets: 1,000 SNIPS training examples (a stratified sample) against the whole SNIPS test set, and
Rasa's formbot-3x NLU data split 80/20 by intent, three ways. `python -m bench.versus_rasa
formbot` runs only the sets whose names start with "formbot". Rasa's side runs the default pipeline of
`rasa init` (the tokenizer, regex, lexical and two count-vector featurizers, DIETClassifier
with 100 epochs, the synonym mapper); its fallback and response selector leave out nothing
scored here.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

from bench.nlu_snips import SNIPS, score
from core.nlu.interpreter import Interpreter
from core.nlu.model import NLUModelConfig
from core.training_data.nlu_model import NLUData, load_nlu
from core.training_data.nlu_yaml import write_nlu_yaml

CHROOT = Path(os.environ.get("BOTCOACH_RASA_CHROOT", "/opt/bullseye"))
INSIDE = Path("/tmp/botcoach-versus-rasa")  # the work folder as the chroot sees it
COMPAT = Path(__file__).resolve().parents[1].parent / "shared" / "compat" / "rasa"
CONFIG = """recipe: default.v1
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
PARSE = """import asyncio, json, sys
from rasa.core.agent import Agent
agent = Agent.load(sys.argv[1])
texts = json.load(open(sys.argv[2]))
async def main():
    return [await agent.parse_message(text) for text in texts]
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


def sets() -> list[tuple[str, NLUData, list]]:
    """(name, training data, test examples): SNIPS, then three formbot-3x splits (59 test
    examples each: one split alone swings by several points)."""
    snips = load_nlu(SNIPS / "train.md")
    train, _ = stratified(snips.examples, 1000 / len(snips.examples))
    chosen = [("snips-1000", replace(snips, examples=train), load_nlu(SNIPS / "test.md").examples)]
    formbot = load_nlu(COMPAT / "formbot-3x" / "data" / "nlu.yml")
    for seed in range(3):
        test, rest = stratified(formbot.examples, 0.2, seed)
        chosen.append((f"formbot-3x-split{seed}", replace(formbot, examples=rest), test))
    return chosen


def run_rasa(name: str, data: NLUData, tests: list) -> tuple[list[dict], float]:
    """Rasa's parses of the test texts and its `rasa train nlu` wall time."""
    folder = CHROOT / INSIDE.relative_to("/") / name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    (folder / "config.yml").write_text(CONFIG)
    (folder / "nlu.yml").write_text(write_nlu_yaml(data))
    (folder / "texts.json").write_text(json.dumps([e.text for e in tests]))
    (folder / "parse.py").write_text(PARSE)
    inside = INSIDE / folder.name
    command = ["chroot", str(CHROOT), "/usr/bin/env", "-i", "PATH=/opt/rasa36/bin:/usr/bin:/bin", "HOME=/root",
               "sh", "-c"]
    started = time.perf_counter()
    subprocess.run([*command, f"cd {inside} && rasa train nlu --config config.yml --nlu nlu.yml --out models "
                    "--fixed-model-name m"], check=True, capture_output=True)
    seconds = time.perf_counter() - started
    subprocess.run([*command, f"cd {inside} && python parse.py models/m.tar.gz texts.json parses.json"],
                   check=True, capture_output=True)
    return json.loads((folder / "parses.json").read_text()), seconds


def run_ours(data: NLUData, tests: list) -> tuple[list[dict], float]:
    started = time.perf_counter()
    interpreter = Interpreter.train(data, NLUModelConfig())
    seconds = time.perf_counter() - started
    return [interpreter.parse(e.text) for e in tests], seconds


def main(argv: list[str] | None = None) -> None:
    """Every set, or those whose names start with one of the arguments."""
    prefixes = sys.argv[1:] if argv is None else argv
    if not (CHROOT / "opt" / "rasa36" / "bin" / "rasa").exists():
        print(f"Rasa 3.6 not found in {CHROOT}: run `sudo bash bench/rasa_chroot.sh` first")
        return
    subprocess.run(["bash", str(Path(__file__).with_name("rasa_chroot.sh"))], check=True, capture_output=True)
    print("NLU on the same data: Rasa 3.6.21 default DIET pipeline vs botcoach; one run each (seeded)")
    print(f"{'set':20s} {'system':9s} {'train ex':>8s} {'test ex':>7s} {'intent acc':>10s} {'macro F1':>9s} "
          f"{'entity F1':>9s} {'train s':>8s}")
    for name, data, tests in sets():
        if prefixes and not name.startswith(tuple(prefixes)):
            continue
        for system, run in (("Rasa", lambda: run_rasa(name, data, tests)), ("botcoach", lambda: run_ours(data, tests))):
            parses, seconds = run()
            figures = score(parses, tests)
            print(f"{name:20s} {system:9s} {len(data.examples):8d} {len(tests):7d} "
                  f"{figures['intent_accuracy']:9.2f}% {figures['intent_macro_f1']:9.2f} "
                  f"{figures['entity_micro_f1']:9.2f} {seconds:8.1f}", flush=True)


if __name__ == "__main__":
    main()
