"""`make bench`: every benchmark in turn, each printing its own figures."""

import importlib

from bench.common import machine

BENCHMARKS = [
    "train",
    "latency",
    "accuracy",
    "nlu_snips",
    "nlu_public",
    "action_server",
    "agent_remote",
    "startup",
    "projects",
    "conversations",
    "export",
    "online",
    "vote_power",
]

if __name__ == "__main__":
    print(f"botcoach benchmarks on {machine()}\n")
    for name in BENCHMARKS:
        try:
            module = importlib.import_module(f"bench.{name}")
        except ModuleNotFoundError as exc:
            print(f"## {name}: not available ({exc.name} missing)\n")
            continue
        print(f"## {name}")
        module.main()
        print()
