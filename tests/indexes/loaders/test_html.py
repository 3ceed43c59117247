"""HTML pages rendered to Markdown: headings, lists, tables and code kept apart."""

from __future__ import annotations

from pathlib import Path

from indexes.loaders.document import RedirectStub
from indexes.loaders.markdown import markdown_headings
from indexes.sentences import split_sentences
from tests.indexes.loaders.sample_files import load, refused, write


def test_html_becomes_markdown_with_headings_lists_and_tables(tmp_path: Path) -> None:
    page = """<!DOCTYPE html><html><head><title>Tessel Guide</title>
    <style>body { color: red; }</style><script>alert("x")</script></head>
    <body><nav><a href="#a">Skip me</a></nav>
    <h1>Tessel Admin Guide</h1>
    <p>Applies to   <strong>Tessel 3.8</strong>.<br>Published 2024.</p>
    <h2>Roles</h2>
    <ul><li>Fleet Admin</li><li>Viewer</li></ul>
    <table><tr><th>Role</th><th>Can do</th></tr><tr><td>Viewer</td><td>Read only</td></tr></table>
    <!-- an HTML comment -->
    </body></html>"""
    doc = load(write(tmp_path, "guide.html", page))
    assert doc.title == "Tessel Guide"
    assert (doc.format, doc.structure) == ("html", "markdown")
    assert doc.text == (
        "# Tessel Admin Guide\n"
        "Applies to Tessel 3.8. Published 2024.\n\n"
        "## Roles\n"
        "- Fleet Admin\n"
        "- Viewer\n"
        "| Role | Can do |\n"
        "|---|---|\n"
        "| Viewer | Read only |\n"
    )


def test_an_html_table_reads_each_row_with_its_column_names(tmp_path: Path) -> None:
    page = """<h1>Travel</h1><table><caption>Daily rates</caption>
    <thead><tr><td>City</td><td colspan="2">Rate</td></tr></thead>
    <tbody><tr><td>Denver</td><td>$68</td><td>meals</td></tr>
    <tr><td>Boston <table><tr><td>inner</td></tr></table></td><td>$79</td><td>meals</td></tr>
    </tbody></table>"""
    doc = load(write(tmp_path, "travel.html", page))
    assert split_sentences(doc.text) == [
        "Travel",
        "Daily rates",
        "City: Denver; Rate: $68; Rate: meals",
        "City: Boston inner; Rate: $79; Rate: meals",
    ]


def test_an_html_table_without_header_cells_keeps_its_rows_as_written(tmp_path: Path) -> None:
    page = (
        "<table><tr><td>Phone</td><td>555-0101</td></tr><tr><td>Room</td><td>B2</td></tr></table>"
    )
    doc = load(write(tmp_path, "contacts.html", page))
    assert doc.text == "| Phone | 555-0101 |\n| Room | B2 |\n"
    assert split_sentences(doc.text) == ["Phone | 555-0101", "Room | B2"]


def test_html_text_outside_paragraphs_is_not_lost(tmp_path: Path) -> None:
    page = "<body><h1>Notice</h1><div class='note'>Gate B closes at <b>18:00</b>.</div></body>"
    doc = load(write(tmp_path, "notice.html", page))
    assert doc.text == "# Notice\nGate B closes at 18:00.\n"


def test_html_code_and_hash_lines_do_not_become_headings(tmp_path: Path) -> None:
    page = (
        "<h1>Install</h1><pre>apt update\n# comment in code\napt install agent</pre>"
        "<p>\n# of robots per pad: 4</p>"
    )
    doc = load(write(tmp_path, "install.html", page))
    assert "```\napt update\n# comment in code\napt install agent\n```" in doc.text
    assert "\\# of robots per pad: 4" in doc.text
    assert [name for _, _, name in markdown_headings(doc.text)] == ["Install"]


def test_html_without_title_tag_is_titled_by_its_h1(tmp_path: Path) -> None:
    doc = load(write(tmp_path, "page.htm", "<h1>Zones</h1><p>Draw zones on the map.</p>"))
    assert doc.title == "Zones"


# The page a site generator writes for a moved one (jekyll-redirect-from's layout).
REDIRECT_PAGE = """<!DOCTYPE html><html lang="en-US"><meta charset="utf-8">
<title>Redirecting&hellip;</title><link rel="canonical" href="https://example.org/new/">
<script>location="https://example.org/new/"</script>
<meta http-equiv="refresh" content="0; url=https://example.org/new/">
<meta name="robots" content="noindex"><h1>Redirecting&hellip;</h1>
<a href="https://example.org/new/">Click here if you are not redirected.</a></html>"""


def test_an_immediate_refresh_page_is_a_redirect_stub(tmp_path: Path) -> None:
    path = write(tmp_path, "old.html", REDIRECT_PAGE)
    error = refused(path)
    assert isinstance(error, RedirectStub) and error.target == "https://example.org/new/"
    assert "a redirect to https://example.org/new/" in error.message
    bare = write(tmp_path, "bare.html", '<meta http-equiv="Refresh" content="0;/new/">')
    assert isinstance(refused(bare), RedirectStub)


def test_a_page_that_reloads_after_a_delay_is_read(tmp_path: Path) -> None:
    page = REDIRECT_PAGE.replace('content="0; url=', 'content="300; url=')
    doc = load(write(tmp_path, "board.html", page))
    assert "Click here if you are not redirected." in doc.text
