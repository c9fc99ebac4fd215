"""Startup of `botcoach interactive` in a real terminal (tmux, 80x24) on concertbot with its model
trained. Times from the command, per run:

- screen: the app has drawn (its status line is on the terminal);
- "Next user input": the question bar asks for the first message (the 1.5 s target);
- model: the status line names the model archive (the model is loaded);
- first parse: "hello" is typed the moment "Next user input" shows; its NLU question is on screen
  (includes waiting for the model if the app asks before it is loaded).

Each run is a fresh process (nothing cached in memory), the screen is polled every 20 ms, and the
app is quit through the Ctrl-C menu.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from bench.common import ROOT, machine, median

BOTCOACH = ROOT / ".venv" / "bin" / "botcoach"
CONCERTBOT = ROOT / "sample_data" / "concertbot"
RUNS = 5
POLL = 0.02
TIMEOUT = 60.0
TARGET = 1.5


class Terminal:
    """One command in a detached 80x24 tmux pane on a private tmux server whose socket lives in
    `folder` (the person's own tmux is never touched); the pane stays readable after the exit."""

    def __init__(self, command: str, cwd: Path, folder: Path) -> None:
        own = Path(tempfile.mkdtemp(prefix="t", dir=folder))  # a fresh socket: a killed server may linger
        self.socket = str(own / "tmux")
        config = own / "tmux.conf"
        config.write_text("set -g remain-on-exit on\nset -g status off\n")
        self.env = {**os.environ, "TERM": "xterm-256color"}
        self._tmux(
            "-f", str(config), "new-session", "-d", "-s", "bench", "-x", "80", "-y", "24", "-c", str(cwd), command
        )

    def _tmux(self, *args: str) -> str:
        return subprocess.run(
            ["tmux", "-S", self.socket, *args], env=self.env, capture_output=True, text=True, check=True
        ).stdout

    def screen(self) -> str:
        return self._tmux("capture-pane", "-p", "-t", "bench")

    def keys(self, *keys: str, literal: bool = False) -> None:
        self._tmux("send-keys", "-t", "bench", *(["-l"] if literal else []), *keys)

    def exited(self) -> bool:
        return self._tmux("display-message", "-p", "-t", "bench", "#{pane_dead}").strip() == "1"

    def wait_for(self, text: str, since: float, gone: str | None = None) -> float:
        """Seconds from `since` until `text` is on the screen (and `gone` is not)."""
        deadline = time.perf_counter() + TIMEOUT
        while time.perf_counter() < deadline:
            screen = self.screen()
            if text in screen and (gone is None or gone not in screen):
                return time.perf_counter() - since
            time.sleep(POLL)
        raise TimeoutError(f"'{text}' did not show within {TIMEOUT:.0f} s; the screen:\n{self.screen()}")

    def close(self) -> None:
        subprocess.run(["tmux", "-S", self.socket, "kill-server"], env=self.env, capture_output=True)


MARKS = ("screen", "next user input", "model", "first parse")


def trained_copy() -> Path:
    """concertbot in a temporary folder, trained once with the real CLI."""
    folder = Path(tempfile.mkdtemp(prefix="botcoach-bench-startup-")) / "concertbot"
    shutil.copytree(CONCERTBOT, folder, ignore=shutil.ignore_patterns("models", ".botcoach", "__pycache__"))
    subprocess.run([str(BOTCOACH), "train", "--quiet"], cwd=folder, check=True, capture_output=True, timeout=600)
    return folder


def one_run(bot: Path, model_name: str) -> dict[str, float]:
    """Seconds from the command to each of MARKS."""
    seen: dict[str, float] = {}
    started = time.perf_counter()
    terminal = Terminal(f"{BOTCOACH} interactive --skip-visualization", bot, bot.parent)
    try:
        deadline = started + TIMEOUT
        while not all(mark in seen for mark in MARKS):
            screen = terminal.screen()
            now = time.perf_counter() - started
            shows = {
                "screen": "model:" in screen,
                "next user input": "Next user input" in screen,
                "model": model_name in screen,
                "first parse": "Is the NLU classification" in screen,
            }
            for mark, shown in shows.items():
                if shown and mark not in seen:
                    seen[mark] = now
            if "next user input" in seen and "typed" not in seen:
                terminal.keys("hello", literal=True)
                terminal.keys("Enter")
                seen["typed"] = now
            if time.perf_counter() > deadline:
                raise TimeoutError(f"not all of {MARKS} showed within {TIMEOUT:.0f} s; the screen:\n{screen}")
            time.sleep(POLL)
        quit_from_menu(terminal)
        return seen
    finally:
        terminal.close()


def quit_from_menu(terminal: Terminal) -> None:
    terminal.keys("C-c")
    terminal.wait_for("Quit without exporting", time.perf_counter())
    terminal.keys("without", literal=True)
    terminal.wait_for("Quit without exporting", time.perf_counter(), gone="Start Fresh")
    terminal.keys("Enter")
    deadline = time.perf_counter() + 10
    while not terminal.exited():
        if time.perf_counter() > deadline:
            raise TimeoutError(f"botcoach interactive did not quit from the menu; the screen:\n{terminal.screen()}")
        time.sleep(POLL)


def import_baseline() -> float:
    """Seconds for a bare `import textual.app, torch` in a fresh interpreter: the floor under any
    startup that loads a model, measured in the same run because the machine is noisy."""
    python = ROOT / ".venv" / "bin" / "python"
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        subprocess.run([str(python), "-c", "import textual.app, torch"], check=True, capture_output=True)
        times.append(time.perf_counter() - started)
    return median(times)


def main() -> None:
    print(f"machine: {machine()}")
    if shutil.which("tmux") is None:
        print("startup: skipped (tmux is not installed)")
        return
    if not BOTCOACH.exists():
        print(f"startup: skipped ({BOTCOACH} is missing: run `make setup`)")
        return
    bot = trained_copy()
    try:
        model_name = sorted((bot / "models").glob("*.tar.gz"))[-1].name
        runs = [one_run(bot, model_name) for _ in range(RUNS)]
        baseline = import_baseline()
    finally:
        shutil.rmtree(bot.parent, ignore_errors=True)
    print(
        f"`botcoach interactive` on concertbot (trained), tmux 80x24, {RUNS} runs, screen polled every "
        f"{POLL * 1000:.0f} ms; seconds from the command"
    )
    for number, run in enumerate(runs, 1):
        print(f"  run {number}: " + ", ".join(f"{mark} {run[mark]:.2f}" for mark in MARKS))
    medians = {mark: median([run[mark] for run in runs]) for mark in MARKS}
    print("median: " + ", ".join(f"{mark} {value:.2f}" for mark, value in medians.items()))
    ready = medians["next user input"]
    print(f"'Next user input' after {ready:.2f} s: {'under' if ready < TARGET else 'OVER'} the {TARGET} s target")
    print(
        f"baseline `python -c 'import textual.app, torch'`: median {baseline:.2f} s; "
        f"'Next user input' / baseline = {ready / baseline:.2f}"
    )


if __name__ == "__main__":
    main()
