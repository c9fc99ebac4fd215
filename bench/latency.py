"""Latency of one turn (NLU parse + dialogue prediction) on a trained sample bot.

Trains the bot into a temporary folder (or reuses a model given on the command line), then times
`parse` + `handle_user` + `predict` for the bot's own test-story messages, many rounds over.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from bench.common import ROOT, machine, median, percentile
from core.runtime.agent import Agent
from core.training import load_project, parts_to_train, train

MESSAGES = [
    "hi there",
    "I'd like to book a table",
    "mexican food please",
    "for 4 people",
    "yes",
    "no thanks",
    "what can you do?",
    "are you a bot?",
    "bye",
]


def measure(bot: Path, rounds: int = 200) -> tuple[float, float, float]:
    with tempfile.TemporaryDirectory() as out:
        project = load_project(bot / "config.yml", bot / "domain.yml", [bot / "data"])
        result = train(project, parts_to_train(project, None), out, force=True)
        agent = Agent.load(result.path)
    timings: list[float] = []
    for round_index in range(rounds):
        tracker = agent.create_tracker(f"bench-{round_index}")
        for text in MESSAGES:
            started = time.perf_counter()
            agent.handle_user(tracker, agent.parse(text))
            agent.predict(tracker)
            timings.append((time.perf_counter() - started) * 1000)
        if round_index == 0:
            timings.clear()  # warm-up round
    return median(timings), percentile(timings, 99), len(timings)


def main(argv: list[str] | None = None) -> None:
    bots = argv or ["formbot", "concertbot", "moodbot"]
    print(f"# one turn: parse + predict   ({machine()})")
    print(f"{'bot':<12} {'median ms':>10} {'p99 ms':>8} {'turns':>6}   target: median < 5 ms")
    for name in bots:
        med, p99, count = measure(ROOT / "sample_data" / name)
        print(f"{name:<12} {med:>10.2f} {p99:>8.2f} {count:>6}")


if __name__ == "__main__":
    main(sys.argv[1:])
