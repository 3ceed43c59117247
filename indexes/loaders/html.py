"""HTML pages, rendered to Markdown so their headings drive chunking."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from indexes.loaders.document import LoadedDocument, RedirectStub
from indexes.loaders.markdown import body_line, markdown_title
from indexes.tables import markdown_table

_HTML_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_HTML_LINES = {"p", "li", "dt", "dd", "blockquote", "figcaption", "summary"}
_HTML_INLINE = {
    "a", "abbr", "b", "bdi", "bdo", "br", "cite", "code", "data", "del", "dfn", "em", "font",
    "i", "img", "ins", "kbd", "label", "mark", "q", "s", "samp", "small", "span", "strong",
    "sub", "sup", "time", "tt", "u", "var", "wbr",
}  # fmt: skip


def _inline_text(element: Any) -> str:
    """An element's text on one line, as a reader sees it.

    Inline markup joins up ("<b>72 h</b>." reads "72 h."); line breaks and nested blocks
    become spaces.
    """
    from bs4 import NavigableString, Tag
    from bs4.element import PreformattedString

    parts: list[str] = []
    for node in element.descendants:
        if isinstance(node, NavigableString) and not isinstance(node, PreformattedString):
            parts.append(str(node))
        elif isinstance(node, Tag) and (node.name == "br" or node.name not in _HTML_INLINE):
            parts.append(" ")
    return " ".join("".join(parts).split())


def _html_table(table: Any) -> list[str]:
    """A <table> as a caption line and pipe-table lines, headed when its first row is.

    The first row heads the table when it sits in <thead> or all its cells are <th>; a cell
    spanning columns is repeated in each, so rows line up with the header. Rows of tables
    nested in this one are left to those tables.
    """
    caption = table.find("caption")
    said = _inline_text(caption) if caption else ""
    lines = [body_line(said)] if said else []
    rows: list[list[str]] = []
    header = False
    for tr in table.find_all("tr"):
        if tr.find_parent("table") is not table:
            continue
        found = tr.find_all(["th", "td"], recursive=False)
        row: list[str] = []
        for cell in found:
            span = str(cell.get("colspan", "1"))
            row += [_inline_text(cell)] * (
                int(span) if span.isdigit() and 0 < int(span) < 50 else 1
            )
        if not any(row):
            continue
        if not rows:
            header = tr.find_parent("thead") is not None or all(c.name == "th" for c in found)
        rows.append(row)
    return lines + markdown_table(rows, header=header) if rows else lines


# <meta http-equiv="refresh" content="0; url=...">: the page a browser leaves at once.
_REFRESH = re.compile(r"\s*0*(?:\.0*)?\s*[;,]\s*(?:url\s*=\s*)?['\"]?([^'\"\s]+)", re.I)


def _refresh_target(soup: Any) -> str:
    """Where an immediate meta refresh sends the reader, or "" when the page has none.

    A site generator writes such a page for every moved one ("Redirecting...", a link); its
    few words are no document. A refresh after a delay reloads a page that is read.
    """
    for meta in soup.find_all("meta"):
        if str(meta.get("http-equiv", "")).strip().lower() == "refresh":
            found = _REFRESH.match(str(meta.get("content", "")))
            if found:
                return found.group(1)
    return ""


def _html_to_markdown(markup: str, path: Path) -> tuple[str, str]:
    """Markdown lines for an HTML page (headings kept), and its <title>; RedirectStub for a
    page that only sends its reader elsewhere."""
    from bs4 import BeautifulSoup, NavigableString, Tag
    from bs4.element import PreformattedString

    soup = BeautifulSoup(markup, "html.parser")
    target = _refresh_target(soup)
    if target:
        raise RedirectStub(f"{path}: a redirect to {target} (an HTML refresh page)", target)
    title = " ".join(soup.title.get_text(" ").split()) if soup.title else ""
    for tag in soup(["head", "title", "script", "style", "noscript", "template", "nav"]):
        tag.decompose()
    lines: list[str] = []
    loose: list[str] = []  # text outside any block element, e.g. directly inside a <div>

    def flush() -> None:
        text = " ".join("".join(loose).split())
        loose.clear()
        if text:
            lines.append(body_line(text))

    def walk(node: Tag) -> None:
        for child in node.children:
            if isinstance(child, PreformattedString):
                continue  # comments, doctype, CDATA
            if isinstance(child, NavigableString):
                loose.append(str(child))
                continue
            if not isinstance(child, Tag):
                continue
            name = child.name
            if name in _HTML_INLINE:
                loose.append(" " if name == "br" else "")
                walk(child)
                continue
            flush()
            text = _inline_text(child)
            if name in _HTML_HEADINGS:
                if text:
                    lines.extend(["", "#" * int(name[1]) + " " + text])
            elif name == "pre":
                # Fenced, so code lines such as "# comment" never read as headings.
                code = child.get_text().strip("\n")
                longest = max((len(run) for run in re.findall(r"`+", code)), default=0)
                fence = "`" * max(3, longest + 1)
                if code.strip():
                    lines.extend([fence, code, fence])
            elif name == "table":
                lines.extend(_html_table(child))
            elif name in _HTML_LINES:
                if text:
                    lines.append(("- " if name == "li" else "") + body_line(text))
            else:
                walk(child)
                flush()

    walk(soup)
    flush()
    return "\n".join(lines).strip() + "\n", title


def load_html(text: str, path: Path) -> LoadedDocument:
    """An HTML page as Markdown, titled by its <title>, else its first H1, else file name."""
    body, title = _html_to_markdown(text, path)
    return LoadedDocument(body, title or markdown_title(body, path.stem), "html", "markdown")
