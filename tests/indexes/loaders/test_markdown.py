"""Markdown files: kept verbatim, titled by front matter, first H1 or file name."""

from __future__ import annotations

from pathlib import Path

from tests.indexes.loaders.sample_files import load, write


def test_markdown_text_is_kept_verbatim_and_titled_by_its_first_h1(tmp_path: Path) -> None:
    source = "Intro line.\n\n# Expense Policy\n\n## Meals\n\nUp to $60 a day.\n\n# Appendix\n"
    doc = load(write(tmp_path, "policy.md", source))
    assert doc.text == source
    assert doc.title == "Expense Policy"
    assert (doc.format, doc.structure) == ("markdown", "markdown")


def test_markdown_title_prefers_front_matter_over_h1(tmp_path: Path) -> None:
    source = "---\ntitle: Travel &amp; Expenses\nowner: finance\n---\n# Heading One\n\nBody.\n"
    doc = load(write(tmp_path, "travel.md", source))
    assert doc.title == "Travel & Expenses"
    assert doc.text == source


def test_folded_multi_line_front_matter_title_is_joined(tmp_path: Path) -> None:
    source = "---\ntitle: >-\n  Remote Work\n  and Hybrid\n  Policy\n---\n## Scope\n\nEveryone.\n"
    assert load(write(tmp_path, "remote.md", source)).title == "Remote Work and Hybrid Policy"


def test_title_ignores_comment_lines_in_front_matter_and_code(tmp_path: Path) -> None:
    source = (
        "---\n# reviewed yearly\nowner: it\n---\n"
        "Install it:\n\n```bash\n# install the agent\napt install agent\n```\n\n"
        "# Agent Setup\n\nDone.\n"
    )
    assert load(write(tmp_path, "setup.md", source)).title == "Agent Setup"


def test_h1_title_is_shown_without_markdown_markup(tmp_path: Path) -> None:
    source = "# [Tessel](https://tessel.example) _Admin_ **Guide** {#top}\n\nText.\n"
    assert load(write(tmp_path, "guide.md", source)).title == "Tessel Admin Guide"


def test_hash_inside_a_heading_name_is_kept_but_closing_hashes_are_not(tmp_path: Path) -> None:
    assert load(write(tmp_path, "a.md", "# Using C#\n\nText.\n")).title == "Using C#"
    assert load(write(tmp_path, "b.md", "# Release Notes ##\n\nText.\n")).title == "Release Notes"


def test_markdown_without_title_or_h1_is_titled_by_file_name(tmp_path: Path) -> None:
    doc = load(write(tmp_path, "meeting-notes.md", "## Attendees\n\nAna, Raj.\n"))
    assert doc.title == "meeting-notes"


def test_leading_thematic_break_is_not_mistaken_for_front_matter(tmp_path: Path) -> None:
    source = "---\n\nThe quick summary.\n\n---\n\nMore text.\n"
    doc = load(write(tmp_path, "notes.md", source))
    assert doc.text == source
    assert doc.title == "notes"
