"""End to end: the real `botcoach interactive` in a real terminal (tmux, 80x24), driven with
send-keys and read with capture-pane, exactly as a person would use it.

Every screen read is kept, so that a traceback shown at any moment fails the test. Each test runs
its own tmux server on a private socket, killed in a `finally`.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from core.training_data.stories_yaml import load_stories
from core.training_data.story_model import ActionStep, SlotStep, UserStep
from tests.conftest import ROOT

BOTCOACH = ROOT / ".venv" / "bin" / "botcoach"
CONCERTBOT = ROOT / "sample_data" / "concertbot"

pytestmark = [
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
    pytest.mark.timeout(600),
]

QUESTION = re.compile(
    r"Next user input|Is the NLU classification for '[^']*' with intent '[^']*' correct\?"
    r"|The bot wants to run '(\w+)', correct\?|Should '[^']*' validate user input"
)


class Terminal:
    """One command in a detached 80x24 tmux pane on a private tmux server; every screen read is
    recorded. A shell around the command writes its exit status to a file (tmux itself sometimes
    leaves a dead pane's status unknown), and `remain-on-exit` keeps the last screen readable."""

    def __init__(self, command: str, cwd: Path) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="botcoach-e2e-"))  # short: a socket path has a limit
        self.socket = str(self.folder / "tmux")
        self.status_file = self.folder / "status"
        self.screens: list[str] = []
        config = self.folder / "tmux.conf"
        config.write_text("set -g remain-on-exit on\nset -g status off\n")
        self.env = {**os.environ, "TERM": "xterm-256color"}
        wrapped = f"{command}; echo $? > {shlex.quote(str(self.status_file))}"
        self._tmux(
            "-f",
            str(config),
            "new-session",
            "-d",
            "-s",
            "e2e",
            "-x",
            "80",
            "-y",
            "24",
            "-c",
            str(cwd),
            "sh -c " + shlex.quote(wrapped),
        )

    def _tmux(self, *args: str) -> str:
        return subprocess.run(
            ["tmux", "-S", self.socket, *args], env=self.env, capture_output=True, text=True, check=True, timeout=10
        ).stdout

    def screen(self) -> str:
        text = self._tmux("capture-pane", "-p", "-t", "e2e")
        self.screens.append(text)
        return text

    def type(self, text: str) -> None:
        self._tmux("send-keys", "-t", "e2e", "-l", text)

    def press(self, *keys: str) -> None:
        self._tmux("send-keys", "-t", "e2e", *keys)

    def resize(self, width: int, height: int) -> None:
        self._tmux("resize-window", "-t", "e2e", "-x", str(width), "-y", str(height))

    def exited(self) -> bool:
        return self.status_file.exists()

    def wait_for(self, wanted: str | re.Pattern, timeout: float = 20.0, gone: str | None = None) -> str:
        """The first screen that shows `wanted` (text or regex) and no longer shows `gone`."""
        deadline = time.monotonic() + timeout
        while True:
            screen = self.screen()
            found = wanted.search(screen) if isinstance(wanted, re.Pattern) else wanted in screen
            if found and (gone is None or gone not in screen):
                return screen
            if self.exited() or time.monotonic() > deadline:
                pytest.fail(f"{wanted!r} never showed (process exited: {self.exited()}); last screen:\n{screen}")
            time.sleep(0.05)

    def wait_for_question(self, previous: str, timeout: float = 20.0) -> str:
        """After an answer: the next screen whose question differs from `previous`, read twice
        alike (one update can reach the terminal in more than one frame).

        Only the question counts, not the history: the history scrolls to its newest row a frame
        after the question shows (the table settles its height when idle), so a screen that
        differs from `previous` by its rows alone can still be the question just answered, and
        a key sent on it reaches the next one (a stray `y` in the message line)."""
        deadline = time.monotonic() + timeout
        candidate = None
        while True:
            screen = self.screen()
            if QUESTION.search(screen) and _signature(screen) != _signature(previous):
                if candidate is not None and _signature(candidate) == _signature(screen):
                    return screen
                candidate = screen
            else:
                candidate = None
            if self.exited() or time.monotonic() > deadline:
                pytest.fail(f"no new question after:\n{previous}\nlast screen:\n{screen}")
            time.sleep(0.05)

    def submit_export_dialog(self) -> None:
        """Enter through the stories, NLU and domain fields (the project's own files) until the
        dialog closes. A key sent while the dialog is still opening can be lost, so Enter is sent
        again only when nothing changed for a while."""
        screen = self.wait_for("Export the session")
        for _ in range(6):
            self.press("Enter")
            deadline = time.monotonic() + 3.0
            while time.monotonic() < deadline:
                changed = self.screen()
                if "Export the session" not in changed or self.exited():
                    return
                if changed != screen:
                    screen = changed
                    break
                time.sleep(0.05)
        pytest.fail(f"the export dialog did not close:\n{screen}")

    def exit_status(self, timeout: float = 20.0) -> int:
        deadline = time.monotonic() + timeout
        while not self.exited():
            if time.monotonic() > deadline:
                pytest.fail(f"botcoach did not exit; the screen:\n{self.screen()}")
            time.sleep(0.05)
        time.sleep(0.2)  # the shell ends right after writing the status
        self.screen()  # what is left on the terminal after the app (a crash prints here)
        return int(self.status_file.read_text().strip())

    def close(self) -> None:
        subprocess.run(["tmux", "-S", self.socket, "kill-server"], env=self.env, capture_output=True, timeout=10)
        shutil.rmtree(self.folder, ignore_errors=True)

    def assert_no_traceback(self) -> None:
        shown = [s for s in self.screens if "Traceback" in s]
        assert not shown, "a traceback reached the screen:\n" + shown[0]


def _signature(screen: str) -> str:
    """The question asked: what an answer must change (the flows these tests teach never ask
    the same question twice in a row)."""
    return question_of(screen)


def asked_action(screen: str) -> str | None:
    match = QUESTION.search(screen)
    return match.group(1) if match else None


def dialog_text(screen: str) -> str:
    """The words inside a dialog's frame (between its left and right edge), one line."""
    inside = [line[line.index("█") + 1 : line.rindex("█")] for line in screen.splitlines() if line.count("█") >= 2]
    return " ".join(" ".join(inside).split())


def question_of(screen: str) -> str:
    match = QUESTION.search(screen)
    return match.group(0) if match else ""


def choose_in_list(terminal: Terminal, filter_text: str, entry: str, filtered_out: str) -> None:
    """Type into a pick list's filter until `entry` shows and `filtered_out` is gone, then choose."""
    terminal.type(filter_text)
    terminal.wait_for(entry, gone=filtered_out)
    terminal.press("Enter")


def confirm_until_listening(terminal: Terminal, screen: str, limit: int = 6) -> tuple[str, list[str]]:
    """Answer yes to every question (reading each) until the bot listens; returns the last screen
    and the actions run. After `limit` actions the test picks action_listen itself."""
    ran: list[str] = []
    while question_of(screen) != "Next user input":
        action = asked_action(screen)
        if action is not None and len(ran) >= limit:
            terminal.press("n")
            terminal.wait_for("type to filter")
            choose_in_list(terminal, "action_listen", "action_listen", filtered_out="action_restart")
            action = "action_listen"
        else:
            terminal.press("y")
        if action is not None:
            ran.append(action)
        screen = terminal.wait_for_question(screen)
    return screen, ran


def botcoach(*args: str, cwd: Path, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run([str(BOTCOACH), *args], cwd=cwd, capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def trained_bot(tmp_path_factory) -> Path:
    """concertbot copied and trained once with the real CLI."""
    if not BOTCOACH.exists():
        pytest.fail(f"{BOTCOACH} is missing: run `make setup`")
    bot = tmp_path_factory.mktemp("trained") / "concertbot"
    shutil.copytree(CONCERTBOT, bot, ignore=shutil.ignore_patterns("models", ".botcoach", "__pycache__"))
    result = botcoach("train", cwd=bot)
    assert result.returncode == 0, result.stdout + result.stderr
    assert list((bot / "models").glob("*.tar.gz")), "botcoach train wrote no model"
    return bot


@pytest.fixture
def bot(trained_bot: Path, tmp_path: Path) -> Path:
    """A fresh writable copy of the trained bot for one test."""
    target = tmp_path / "concertbot"
    shutil.copytree(trained_bot, target)
    return target


def new_stories(bot: Path) -> list:
    before = {s.name for s in load_stories(CONCERTBOT / "data" / "stories.yml")}
    return [s for s in load_stories(bot / "data" / "stories.yml") if s.name not in before]


def test_a_taught_conversation_with_undo_is_exported_to_the_stories_file(bot: Path):
    original = load_stories(bot / "data" / "stories.yml")
    terminal = Terminal(f"{BOTCOACH} interactive --actions actions --skip-visualization", bot)
    try:
        screen = terminal.wait_for("Next user input", timeout=60)  # shown at once, before the model
        screen = terminal.wait_for("action server: up", timeout=60)  # the model has loaded
        assert "Next user input" in screen

        terminal.type("/greet")
        terminal.press("Enter")
        screen = terminal.wait_for_question(screen)
        screen, greeted = confirm_until_listening(terminal, screen)
        assert greeted[0] == "utter_greet" and greeted[-1] == "action_listen", greeted

        terminal.type("/search_concerts")
        terminal.press("Enter")
        screen = terminal.wait_for_question(screen)
        assert asked_action(screen) == "action_search_concerts", screen
        terminal.press("y")
        screen = terminal.wait_for("The bot wants to run 'action_listen'")
        assert "Midnight Lanterns" in screen  # the action server's reply and the slot it set

        terminal.press("C-z")  # undo takes back action_search_concerts: its message and slot go away
        terminal.wait_for("The bot wants to run 'action_search_concerts'", gone="Midnight Lanterns")
        screen = terminal.wait_for(QUESTION)

        screen, searched = confirm_until_listening(terminal, screen)
        assert searched[0] == "action_search_concerts" and searched[-1] == "action_listen", searched
        assert "Midnight Lanterns" in screen
        export_and_quit(terminal)
    finally:
        terminal.close()

    stories = load_stories(bot / "data" / "stories.yml")
    assert stories[: len(original)] == original, "the stories already in the file changed"
    [story] = new_stories(bot)
    steps = story.steps
    assert [s.intent for s in steps if isinstance(s, UserStep)] == ["greet", "search_concerts"]
    actions = [s.name for s in steps if isinstance(s, ActionStep)]
    assert actions.count("action_search_concerts") == 1, actions  # the undone run is not in the story
    assert actions[0] == "utter_greet" and "action_listen" not in actions, actions
    slots = [s.slots for s in steps if isinstance(s, SlotStep)]
    assert any(slot.get("concerts", [{}])[0].get("artist") == "The Midnight Lanterns" for slot in slots), slots
    journals = list((bot / ".botcoach").glob("journal-*.jsonl"))
    assert journals and '"event": "undo"' in journals[0].read_text()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_serving(port: int, server: subprocess.Popen, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"`botcoach run actions` exited: {server.communicate()[0]}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    pytest.fail(f"`botcoach run actions` is not listening on port {port}")


def test_the_action_server_dying_mid_session_is_a_message_and_the_session_goes_on(bot: Path):
    port = free_port()
    (bot / "endpoints.yml").write_text(f'action_endpoint:\n  url: "http://127.0.0.1:{port}/webhook"\n')
    server = subprocess.Popen(
        [str(BOTCOACH), "run", "actions", "--actions", "actions", "-p", str(port)],
        cwd=bot,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    terminal = None
    try:
        wait_until_serving(port, server)
        terminal = Terminal(f"{BOTCOACH} interactive --endpoints endpoints.yml --skip-visualization", bot)
        screen = terminal.wait_for("Next user input", timeout=60)  # shown at once, before the model
        screen = terminal.wait_for("action server: up", timeout=60)  # the model has loaded
        assert "Next user input" in screen

        server.terminate()
        server.wait(10)
        terminal.type("/search_concerts")
        terminal.press("Enter")
        screen = terminal.wait_for_question(screen)
        assert asked_action(screen) == "action_search_concerts", screen
        terminal.press("y")
        message = dialog_text(terminal.wait_for("'action_search_concerts' failed"))
        assert re.search(r"action server at \S+ is not running", message), message
        assert "botcoach run actions" in message, message

        # Go on: the action is logged as run, without its effects.
        choose_in_list(terminal, "go on", "Go on", filtered_out="Retry the action")
        screen = terminal.wait_for("The bot wants to run 'action_listen'")
        screen, _ = confirm_until_listening(terminal, screen)

        terminal.type("hello")  # the session goes on: NLU still answers
        terminal.press("Enter")
        terminal.wait_for("Is the NLU classification for 'hello'")

        terminal.press("C-c")
        terminal.wait_for("Export & Quit")
        choose_in_list(terminal, "& quit", "Export & Quit", filtered_out="Start Fresh")
        terminal.submit_export_dialog()
        assert terminal.exit_status() == 0
        terminal.assert_no_traceback()
    finally:
        if terminal is not None:
            terminal.close()
        if server.poll() is None:
            server.kill()
            server.wait(10)

    [story] = new_stories(bot)
    assert [s.name for s in story.steps if isinstance(s, ActionStep)] == ["action_search_concerts"]
    assert not [s for s in story.steps if isinstance(s, SlotStep)], "a failed action set no slot"


def teach_greet_and_search(terminal: Terminal, screen: str, kill_after_search: bool = False) -> str:
    """/greet and /search_concerts, each confirmed until the bot listens."""
    terminal.type("/greet")
    terminal.press("Enter")
    screen = terminal.wait_for_question(screen)
    screen, _ = confirm_until_listening(terminal, screen)
    terminal.type("/search_concerts")
    terminal.press("Enter")
    screen = terminal.wait_for_question(screen)
    if kill_after_search:
        return screen
    screen, _ = confirm_until_listening(terminal, screen)
    return screen


def export_and_quit(terminal: Terminal) -> None:
    terminal.press("C-e")
    terminal.submit_export_dialog()
    terminal.wait_for("Exported:")
    terminal.press("C-c")
    terminal.wait_for("Quit without exporting")
    choose_in_list(terminal, "without", "Quit without exporting", filtered_out="Start Fresh")
    assert terminal.exit_status() == 0
    terminal.assert_no_traceback()


def botcoach_pids(terminal: Terminal) -> list[int]:
    """The botcoach process under the pane's shell."""
    shell = terminal._tmux("display-message", "-p", "-t", "e2e", "#{pane_pid}").strip()
    found = subprocess.run(["pgrep", "-P", shell], capture_output=True, text=True).stdout.split()
    return [int(pid) for pid in found]


def project_files(bot: Path) -> dict[str, bytes]:
    return {name: (bot / name).read_bytes() for name in ("data/stories.yml", "data/nlu.yml", "domain.yml")}


def test_a_session_killed_with_sigkill_resumes_and_exports_what_an_unbroken_one_does(bot: Path, tmp_path: Path):
    """Issue 13: kill -9 mid-conversation, `--resume`, finish, export: the same files as a run
    that was never interrupted."""
    unbroken = tmp_path / "unbroken"
    shutil.copytree(bot, unbroken)
    command = f"{BOTCOACH} interactive --actions actions --skip-visualization"

    terminal = Terminal(command, unbroken)
    try:
        screen = terminal.wait_for("action server: up", timeout=60)
        teach_greet_and_search(terminal, screen)
        export_and_quit(terminal)
    finally:
        terminal.close()

    terminal = Terminal(command, bot)
    try:
        screen = terminal.wait_for("action server: up", timeout=60)
        screen = teach_greet_and_search(terminal, screen, kill_after_search=True)
        assert asked_action(screen) == "action_search_concerts", screen
        pids = botcoach_pids(terminal)
        assert pids, "botcoach is not running under the pane"
        for pid in pids:
            os.kill(pid, 9)
        assert terminal.exit_status() == 137
    finally:
        terminal.close()

    terminal = Terminal(f"{command} --resume", bot)
    try:
        screen = terminal.wait_for("The bot wants to run 'action_search_concerts'", timeout=60)
        screen, _ = confirm_until_listening(terminal, screen)
        export_and_quit(terminal)
    finally:
        terminal.close()
    resumed = project_files(bot)
    assert b"interactive conversation 1" in resumed["data/stories.yml"]
    assert resumed == project_files(unbroken)


@pytest.mark.parametrize("signal_number", [1, 15], ids=["SIGHUP", "SIGTERM"])
def test_a_closed_terminal_or_sigterm_leaves_a_session_to_resume(bot: Path, signal_number: int):
    """Issue 13 case 11: the app ends (status 128+n) with the journal complete, and offers the
    session back at the next start."""
    terminal = Terminal(f"{BOTCOACH} interactive --actions actions --skip-visualization", bot)
    try:
        screen = terminal.wait_for("action server: up", timeout=60)
        terminal.type("/greet")
        terminal.press("Enter")
        screen = terminal.wait_for_question(screen)
        confirm_until_listening(terminal, screen)
        for pid in botcoach_pids(terminal):
            os.kill(pid, signal_number)
        assert terminal.exit_status() == 128 + signal_number
    finally:
        terminal.close()
    listed = botcoach("sessions", cwd=bot)
    assert listed.returncode == 0 and "not exported" in listed.stdout, listed.stdout + listed.stderr
    terminal = Terminal(f"{BOTCOACH} interactive --actions actions --skip-visualization", bot)
    try:
        terminal.wait_for("An unfinished session", timeout=60)
        terminal.press("Enter")  # "Resume it"
        screen = terminal.wait_for("utter_greet", timeout=30)
        assert "/greet" in screen
        terminal.assert_no_traceback()
    finally:
        terminal.close()
