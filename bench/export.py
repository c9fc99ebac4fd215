"""Export of a teaching session into large project files (issue 13: a 1.15 MB stories.yml froze the
app for ~37 s). concertbot is copied with its stories and NLU grown to the given size by repeating
its own stories and examples under new names; one session teaches three conversations and is
exported three times: first export, after one more turn (the story is updated in place), and with
nothing new (no byte changes). Times are the whole `Session.export`: read, plan, write as one
transaction, fsync. Run: `python -m bench.export [--mb 1.15]`.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

from bench.common import SAMPLES, machine, median
from core.interactive.export import default_paths
from core.interactive.questions import QuestionKind
from core.interactive.session import ProjectFiles, Session
from core.runtime.agent import Agent
from core.training import load_project, parts_to_train, train
from core.training_data.loader import load_training_data

RUNS = 3


def grown(text: str, header_end: str, item: str, megabytes: float) -> str:
    """`text` with its items (after `header_end`) repeated, renamed, until it has `megabytes`."""
    head, body = text.split(header_end, 1)
    copies = []
    size = len(text)
    number = 0
    while size < megabytes * 1_000_000:
        number += 1
        copy = body.replace(f"- {item}: ", f"- {item}: copy {number} of ")
        copies.append(copy)
        size += len(copy)
    return head + header_end + body + "".join(copies)


def project(folder: Path, megabytes: float) -> Path:
    bot = folder / "concertbot"
    shutil.copytree(SAMPLES / "concertbot", bot, ignore=shutil.ignore_patterns("models", ".botcoach"))
    stories = bot / "data" / "stories.yml"
    stories.write_text(grown(stories.read_text(), "stories:\n", "story", megabytes))
    nlu = bot / "data" / "nlu.yml"
    nlu.write_text(grown(nlu.read_text(), "nlu:\n", "intent", megabytes / 2).replace("- intent: copy ", "- intent: c"))
    return bot


def teach(session: Session, message: str) -> None:
    session.submit(message)
    if session.question.kind == QuestionKind.NLU:
        session.confirm_parse(session.correct_parse())
    while session.question.kind == QuestionKind.ACTION:
        name = session.question.prediction.action
        session.run_action(name if name != "action_search_concerts" else "action_listen")


def one_run(model: Path, megabytes: float) -> tuple[float, float, float, float]:
    with tempfile.TemporaryDirectory() as folder:
        bot = project(Path(folder), megabytes)
        size = (bot / "data" / "stories.yml").stat().st_size / 1e6
        agent = Agent.load(model)
        files = ProjectFiles([str(bot / "data")], str(bot / "domain.yml"))
        session = Session(agent, Path(folder) / ".botcoach", project=files)
        session.load_training_stories = lambda: load_training_data([bot / "data"]).stories
        paths = default_paths([bot / "data"], bot / "domain.yml")
        for message in ("hello there", "/thankyou", "good evening friend"):
            teach(session, message)
            session.start_fresh()
        session.contradictions()  # the consistency check reads the stories once, as the app does while teaching
        started = time.perf_counter()
        session.export(paths)
        first = time.perf_counter() - started
        teach(session, "bye for now")
        started = time.perf_counter()
        session.export(paths)
        again = time.perf_counter() - started
        started = time.perf_counter()
        plan = session.export(paths)
        unchanged = time.perf_counter() - started
        assert plan.changes == []
        return size, first, again, unchanged


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.export", description=__doc__.split("\n\n")[0])
    parser.add_argument("--mb", type=float, default=1.15, help="size of the stories file (default: 1.15)")
    args = parser.parse_args()
    print(f"Export of a teaching session into a grown concertbot ({machine()})")
    with tempfile.TemporaryDirectory() as folder:
        source = SAMPLES / "concertbot"
        loaded = load_project(source / "config.yml", source / "domain.yml", [source / "data"])
        model = train(loaded, parts_to_train(loaded, None), Path(folder), force=True).path
        runs = [one_run(model, args.mb) for _ in range(RUNS)]
    print(f"stories.yml {runs[0][0]:.2f} MB, {RUNS} runs, median seconds:")
    print(f"  first export (3 conversations)      {median([r[1] for r in runs]):.3f} s")
    print(f"  export after one more turn          {median([r[2] for r in runs]):.3f} s")
    print(f"  export with nothing new (no writes) {median([r[3] for r in runs]):.3f} s")


if __name__ == "__main__":
    main()
