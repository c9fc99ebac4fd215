"""Every bound botcoach puts on what it reads, in one place, so the code, `--help` and the README
say the same numbers.

Each limit is far above what real Rasa projects and the benchmark sets need (the largest NLU file
in ../shared is 1.2 MB, the longest example 89 tokens, the most intents 151), and low enough that
a hostile or mistaken file is refused in seconds instead of filling the machine's memory.
"""

from __future__ import annotations

MiB = 1024 * 1024

# -- files a user gives us (YAML, Markdown, JSON) -------------------------------------------------
FILE_MAX_BYTES = 16 * MiB  # one data, domain, config or endpoints file
YAML_MAX_DEPTH = 64  # nesting of mappings and lists
YAML_MAX_ALIAS_VALUES = 100_000  # values that `*alias` references may repeat in one file, in all
JSON_MAX_DEPTH = 64  # nesting in JSON we parse (model metadata, action server requests)

# -- training data --------------------------------------------------------------------------------
EXAMPLE_MAX_CHARS = 10_000  # one NLU example: longer is an error (a pasted file, not a message)
FEATURE_MAX_TOKENS = 200  # tokens of one message the NLU features read; the rest is ignored
MAX_INTENTS = 2_000
MAX_ACTIONS = 2_000  # actions, responses and forms of the domain together
# The linear intent classifier holds one weight per (sentence feature, intent): its vocabulary is
# cut to the most frequent features so that this product stays below the bound (CLINC150 needs
# 9.5 million).
CLASSIFIER_MAX_WEIGHTS = 1 << 24

# -- model archives -------------------------------------------------------------------------------
ARCHIVE_MAX_MEMBERS = 64
ARCHIVE_MAX_MEMBER_BYTES = 256 * MiB
ARCHIVE_MAX_BYTES = 512 * MiB  # all members unpacked, tar headers included
ARCHIVE_METADATA_MAX_BYTES = 1 * MiB  # metadata.json

# -- local HTTP servers (action server, conversation graph) --------------------------------------
REQUEST_MAX_BYTES = 16 * MiB  # one request body
HEADER_TIMEOUT = 10.0  # seconds a connection may take to send a whole request head, or sit idle
BODY_TIMEOUT = 30.0  # seconds to receive a request body


def _size(n: int) -> str:
    return f"{n // MiB} MiB" if n >= MiB and n % MiB == 0 else f"{n:,} bytes"


def data_limits_help() -> str:
    """The limits on project files and training, as `--help` prints them."""
    return (
        f"limits: one file at most {_size(FILE_MAX_BYTES)}; YAML nested at most {YAML_MAX_DEPTH} deep, "
        f"aliases repeating at most {YAML_MAX_ALIAS_VALUES:,} values, and no explicit tags (!!python/..., "
        f"!custom); one NLU example at most {EXAMPLE_MAX_CHARS:,} characters, of which "
        f"the NLU features read the first {FEATURE_MAX_TOKENS} tokens (a warning names longer ones); "
        f"at most {MAX_INTENTS:,} intents and {MAX_ACTIONS:,} actions."
    )


def archive_limits_help() -> str:
    return (
        f"Model archives: at most {ARCHIVE_MAX_MEMBERS} members, one at most {_size(ARCHIVE_MAX_MEMBER_BYTES)}, "
        f"{_size(ARCHIVE_MAX_BYTES)} unpacked, metadata.json at most {_size(ARCHIVE_METADATA_MAX_BYTES)} and "
        f"JSON nested at most {JSON_MAX_DEPTH} deep; every member must match the hash recorded at training."
    )


def server_limits_help() -> str:
    return (
        f"limits: a request body at most {_size(REQUEST_MAX_BYTES)}, sent within {BODY_TIMEOUT:g} s; a request "
        f"head within {HEADER_TIMEOUT:g} s of connecting (idle connections close after as long); JSON nested at "
        f"most {JSON_MAX_DEPTH} deep."
    )
