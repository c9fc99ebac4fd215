"""Stories written into a stories file by editing its lines: a story of the same name is replaced
where it stands, a new one is added after the last story, a story can be taken out; every other
line (comments, rules, blank lines, the person's own stories) stays as it was.

Each edit costs time in proportion to the stories it writes, whatever the size of the file.
"""

from __future__ import annotations

from pathlib import Path

from core.errors import ExportError
from core.training_data.block_yaml import NotBlockYaml, Section, lines_of, list_section, reindented, scan
from core.training_data.stories_md import read_stories_md, write_stories_md
from core.training_data.stories_yaml import read_stories_yaml, write_stories_yaml
from core.training_data.story_model import Story

Edit = tuple[int, int, list[str]]  # replace lines [start, end) with these


def with_stories(text: str, path: Path, stories: dict[str, Story | None]) -> str:
    """`text` (a whole stories file, maybe empty) with each named story written (None: removed)."""
    markdown = path.suffix.lower() == ".md"
    written = [s for s in stories.values() if s is not None]
    _check_round_trip(written, markdown, path)
    if not text.strip():
        return (write_stories_md if markdown else write_stories_yaml)(written) if written else text
    lines = lines_of(text)
    edits = _markdown_edits(lines, stories) if markdown else _yaml_edits(lines, stories, path)
    for start, end, new in sorted(edits, key=lambda edit: (edit[0], edit[1]), reverse=True):
        lines[start:end] = new
    return "\n".join(lines) + "\n"


def _check_round_trip(stories: list[Story], markdown: bool, path: Path) -> None:
    """What we write must read back as the same stories (a 1.x file cannot hold every 3.x step)."""
    if not stories:
        return
    write, read = (write_stories_md, read_stories_md) if markdown else (write_stories_yaml, read_stories_yaml)
    if read(write(stories), path) != stories:
        raise ExportError(
            f"the conversation cannot be written to {path} without changing it",
            hint="export the stories to a YAML file (.yml) instead",
        )


# -- YAML -------------------------------------------------------------------------------------


def _yaml_edits(lines: list[str], stories: dict[str, Story | None], path: Path) -> list[Edit]:
    section = list_section(lines, "stories", path, "stories", "stories")
    edits: list[Edit] = []
    appended: list[list[str]] = []
    indent = _indent(section)
    for name, story in stories.items():
        item = _yaml_item(section, name)
        block = reindented(_yaml_block(story), indent) if story is not None else []
        if item is not None:
            edits.append(_replaced(lines, item.start, item.end, block))
        elif story is not None:
            appended.append(block)
    if appended:
        edits.append(_yaml_append(section, lines, appended))
    return edits


def _replaced(lines: list[str], start: int, end: int, block: list[str]) -> Edit:
    """Replace an item; a removed one takes the blank line before it along."""
    if not block and start > 0 and not lines[start - 1].strip():
        start -= 1
    return start, end, block


def _indent(section: Section | None) -> int:
    return section.indent if section is not None and section.indent is not None else 2


def _yaml_item(section: Section | None, name: str):
    items = [i for i in section.items if i.key == "story" and i.value == name] if section else []
    return items[-1] if items else None


def _yaml_block(story: Story) -> list[str]:
    written = lines_of(write_stories_yaml([story]))
    return written[written.index("stories:") + 1 :]


def _separated(section: Section | None, lines: list[str]) -> bool:
    """Whether the file puts a blank line between its stories."""
    if section is None or len(section.items) < 2:
        return section is not None and bool(section.items)
    second = section.items[1].start
    return not lines[second - 1].strip()


def _yaml_append(section: Section | None, lines: list[str], blocks: list[list[str]]) -> Edit:
    """New items after the last story (blank lines between them if the file has them)."""
    blank = [""] if _separated(section, lines) else []
    joined = [line for index, block in enumerate(blocks) for line in (blank if index else []) + block]
    if section is None:  # a file without stories (say, only rules): a new section at the end
        end = _last_content(lines, 0, len(lines)) + 1
        return end, end, ["", "stories:", *joined]
    if not section.items:  # `stories:` with nothing under it yet
        return section.line + 1, section.line + 1, joined
    end = section.items[-1].end
    return end, end, blank + joined


def _last_content(lines: list[str], start: int, end: int) -> int:
    for index in range(end - 1, start - 1, -1):
        if lines[index].strip() and not lines[index].startswith("#"):
            return index
    return start - 1


# -- Markdown (Rasa 1.x) ------------------------------------------------------------------------


def _markdown_edits(lines: list[str], stories: dict[str, Story | None]) -> list[Edit]:
    sections = _md_sections(lines)
    edits: list[Edit] = []
    appended: list[str] = []
    for name, story in stories.items():
        block = lines_of(write_stories_md([story])) if story is not None else []
        if name in sections:
            edits.append(_replaced(lines, *sections[name], block))
        elif story is not None:
            appended += ["", *block]
    if appended:
        end = _last_content(lines, 0, len(lines)) + 1
        edits.append((end, end, appended))
    return edits


def _md_sections(lines: list[str]) -> dict[str, tuple[int, int]]:
    """Story name -> (its `## ` line, the end of its last step line)."""
    starts = [i for i, line in enumerate(lines) if line.startswith("## ")]
    sections: dict[str, tuple[int, int]] = {}
    for index, start in enumerate(starts):
        end = starts[index + 1] if index + 1 < len(starts) else len(lines)
        while end > start + 1 and (not lines[end - 1].strip() or lines[end - 1].lstrip().startswith("<!--")):
            end -= 1
        sections[lines[start][3:].strip()] = (start, end)
    return sections


def story_names(text: str, path: Path) -> set[str]:
    """The names of the stories (not rules) in a stories file."""
    lines = lines_of(text)
    if path.suffix.lower() == ".md":
        return set(_md_sections(lines))
    try:
        section = scan(lines).get("stories")
    except NotBlockYaml:
        return set()  # with_stories says why it cannot write to this file
    return {item.value for item in section.items if item.key == "story" and item.value} if section else set()
