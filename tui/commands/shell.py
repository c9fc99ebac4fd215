"""`botcoach shell`: talk to a trained bot line by line in the terminal.

Bot messages are printed as they come; buttons are listed as numbered choices, and typing the
number sends the button's payload. `/stop` or Ctrl-D ends the chat. An action server that cannot
run the bot's custom actions is said before the chat starts; a problem in a turn (an action
server that is down, a bot that will not stop) is printed and the chat goes on.
"""

from __future__ import annotations

import json
import sys
import uuid
from typing import Any, TextIO

from core.errors import BotcoachError
from core.events import BotUttered
from core.runtime import Agent
from core.runtime.action_server_check import action_server_problem
from tui.settings import ShellSettings

PROMPT = "Your input -> "
STOP_COMMAND = "/stop"
CHANNEL = "cmdline"


def run(options: ShellSettings) -> int:
    """Chat until /stop or end of input; 0 then. A model that cannot be loaded raises
    BotcoachError for the CLI to print."""
    out = sys.stdout
    agent = Agent.load(
        options.model,
        options.endpoints,
        channel=CHANNEL,
        on_problem=lambda problem: _print_problem(problem, out),
    )
    try:
        _chat(agent, options.conversation_id or uuid.uuid4().hex, out)
    finally:
        agent.close()  # the connection to the action server
    return 0


def _chat(agent: Agent, sender: str, out: TextIO) -> None:
    """Read a line, print the bot's turn, until /stop or the end of input."""
    problem = action_server_problem(agent.registry.action_endpoint, agent.domain)
    if problem:
        print(f"! {problem}", file=out)
    print(f"Bot loaded. Type a message and press enter (use '{STOP_COMMAND}' or Ctrl-D to exit).", file=out)
    buttons: list[dict[str, Any]] = []
    while True:
        try:
            text = input(PROMPT).strip()
        except (EOFError, KeyboardInterrupt):
            print(file=out)
            break
        if text == STOP_COMMAND:
            break
        if not text:
            continue
        text = _button_payload(text, buttons)
        try:
            turn = agent.handle_message(sender, text, input_channel=CHANNEL)
        except BotcoachError as problem:
            _print_problem(problem, out)
            continue
        except Exception as error:  # noqa: BLE001 - one bad turn must not end the chat with a traceback
            print(f"! internal error: {type(error).__name__}: {error}", file=out)
            continue
        buttons = []
        for message in turn.messages:
            buttons = _print_message(message, out) or buttons
        for reported in turn.problems:
            _print_problem(reported, out)


def _button_payload(text: str, buttons: list[dict[str, Any]]) -> str:
    """The payload of button number `text` when the bot just offered buttons, else `text`."""
    if text.isdigit() and 1 <= int(text) <= len(buttons):
        payload = buttons[int(text) - 1].get("payload")
        if isinstance(payload, str) and payload:
            return payload
    return text


def _print_message(message: BotUttered, out: TextIO) -> list[dict[str, Any]]:
    """Prints one bot message; returns its buttons (numbered from 1 on screen)."""
    data = message.data or {}
    if message.text:
        print(message.text, file=out)
    if data.get("image"):
        print(f"Image: {data['image']}", file=out)
    elif data.get("attachment"):
        print(f"Attachment: {data['attachment']}", file=out)
    buttons = [b for b in data.get("buttons") or [] if isinstance(b, dict)]
    for number, button in enumerate(buttons, start=1):
        title = button.get("title") or button.get("payload") or "?"
        payload = button.get("payload")
        print(f"  {number}: {title}" + (f" ({payload})" if payload and payload != title else ""), file=out)
    if data.get("custom"):
        print(json.dumps(data["custom"], ensure_ascii=False, default=str), file=out)
    for element in data.get("elements") or []:
        print(json.dumps(element, ensure_ascii=False, default=str), file=out)
    return buttons


def _print_problem(problem: BotcoachError, out: TextIO) -> None:
    print("! " + str(problem).replace("\n", "\n  "), file=out)
