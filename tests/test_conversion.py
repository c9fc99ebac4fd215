"""`botcoach data convert` between Markdown, YAML and JSON, on real Rasa data."""

import pytest

from core.conversion import convert
from core.domain import load_domain
from core.errors import DataError
from core.training_data.loader import load_nlu
from core.training_data.stories_md import read_stories_md
from core.training_data.stories_yaml import load_stories
from tests.conftest import COMPAT
from tui.cli import main


def _convert(*args) -> int:
    return main(["data", "convert", *args])


@pytest.mark.parametrize("name", ["moodbot-1x", "formbot-1x"])
def test_markdown_project_to_yaml_and_back(tmp_path, name):
    data = COMPAT / name / "data"
    assert _convert("nlu", "--data", str(data), "-f", "yaml", "--out", str(tmp_path / "yaml")) == 0
    assert _convert("core", "--data", str(data), "-f", "yaml", "--out", str(tmp_path / "yaml")) == 0
    assert load_nlu(tmp_path / "yaml" / "nlu.yml") == load_nlu(data / "nlu.md")
    assert load_stories(tmp_path / "yaml" / "stories.yml") == load_stories(data / "stories.md")
    assert _convert("core", "--data", str(tmp_path / "yaml"), "-f", "md", "--out", str(tmp_path / "md")) == 0
    assert load_stories(tmp_path / "md" / "stories.md") == load_stories(data / "stories.md")


def test_nlu_to_json_and_back(tmp_path):
    source = COMPAT / "test-data" / "data" / "examples" / "rasa" / "demo-rasa.yml"
    assert _convert("nlu", "--data", str(source), "-f", "json", "--out", str(tmp_path / "demo.json")) == 0
    assert load_nlu(tmp_path / "demo.json") == load_nlu(source)


def test_domain_1x_to_3x_and_back(tmp_path):
    source = COMPAT / "formbot-1x" / "domain.yml"
    assert _convert("domain", "--data", str(source), "-f", "yaml", "--out", str(tmp_path / "d3.yml")) == 0
    assert "responses:" in (tmp_path / "d3.yml").read_text()
    assert load_domain(tmp_path / "d3.yml") == load_domain(source)
    assert _convert("domain", "--data", str(tmp_path / "d3.yml"), "-f", "md", "--out", str(tmp_path / "d1.yml")) == 0
    assert "templates:" in (tmp_path / "d1.yml").read_text()
    assert load_domain(tmp_path / "d1.yml") == load_domain(source)


def test_form_story_keeps_its_prefixes_through_yaml(tmp_path):
    story = COMPAT / "formbot-1x" / "data" / "stories.md"
    assert _convert("core", "--data", str(story), "-f", "yaml", "--out", str(tmp_path / "s.yml")) == 0
    text = (tmp_path / "s.yml").read_text()
    assert '"form: inform"' in text and '"form: restaurant_form"' in text
    _convert("core", "--data", str(tmp_path / "s.yml"), "-f", "md", "--out", str(tmp_path / "s.md"))
    assert read_stories_md((tmp_path / "s.md").read_text()) == read_stories_md(story.read_text())


def test_rules_cannot_become_markdown_and_nothing_is_written(tmp_path, capsys):
    rules = COMPAT / "formbot-3x" / "data" / "rules.yml"
    assert _convert("core", "--data", str(rules), "-f", "md", "--out", str(tmp_path / "r.md")) == 1
    err = capsys.readouterr().err
    assert "cannot be written in Markdown" in err and "rules.yml:" in err
    assert not (tmp_path / "r.md").exists()


def test_a_broken_file_in_a_folder_writes_nothing(tmp_path, capsys):
    data = tmp_path / "data"
    data.mkdir()
    (data / "a.md").write_text("## intent:greet\n- hi\n")
    (data / "b.md").write_text("## intent:bye\n- [bye](farewell\n")
    assert _convert("nlu", "--data", str(data), "-f", "yaml", "--out", str(tmp_path / "out")) == 1
    assert "b.md:2" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_json_only_for_nlu():
    with pytest.raises(DataError):
        convert("core", COMPAT / "formbot-1x" / "data", "json", "x")


def test_what_rasa_converted_comes_out_the_same(tmp_path):
    """Rasa's own moodbot went from 1.x Markdown to 3.x YAML; our conversion of the 1.x stories
    gives the same stories as Rasa's 3.x files wherever the two releases share a story."""
    assert (
        _convert(
            "core",
            "--data",
            str(COMPAT / "moodbot-1x" / "data" / "stories.md"),
            "-f",
            "yaml",
            "--out",
            str(tmp_path / "stories.yml"),
        )
        == 0
    )
    ours = {s.name: s for s in load_stories(tmp_path / "stories.yml")}
    rasas = {s.name: s for s in load_stories(COMPAT / "moodbot-3x" / "data" / "stories.yml")}
    shared = set(ours) & set(rasas)
    assert {"happy path", "sad path 1", "sad path 2"} <= shared
    for name in shared:
        assert ours[name].steps == rasas[name].steps, name
