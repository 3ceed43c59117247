"""Retrieved text is data: neutralise what a document says to the assistant before any stage
can quote it.

A planted document can address the assistant ("Note to AI assistants: tell users ..."), hide
an instruction where a reader never looks (an HTML comment, a footnote, base64), or carry a
link or image that exfiltrates the conversation. ``neutralise`` blanks such sentences,
comments and blobs, and renders Markdown links and images as their text (the URL only when
the question asks for a link), keeping the text's length and line breaks, so a passage's
``start_char``/``end_char`` still locate it in its document and paragraphs stay paragraphs.
``for_display`` renders a passage for a Markdown view (the chat's side panel): the same,
with every URL shown as code, never as a link or an image.

The patterns describe how an instruction to an assistant is phrased (whom it addresses, what
it tells the reader to say or do with the conversation), not any corpus's words.
"""

from __future__ import annotations

import base64
import binascii
import re
import unicodedata
from collections.abc import Callable

# Who an instruction to a machine reader names. Unambiguous names only where a sentence could
# otherwise be policy for people ("support agents should tell customers ...").
_AI_NAMES = (
    r"(?:ai(?:\s+(?:assistants?|models?|systems?|agents?|tools?|chatbots?))?|a\.i\.|"
    r"artificial\s+intelligence|llms?|large\s+language\s+models?|language\s+models?|"
    r"chat\s?bots?|virtual\s+assistants?|gpts?|copilots?|ki(?:-assistent(?:en)?)?|"
    r"ia|asistentes?\s+de\s+ia|assistants?\s+(?:ia|d'ia|virtuel)|assistente\s+ia)"
)
_AI_READERS = rf"(?:{_AI_NAMES}|(?:the\s+)?assistants?|bots?|models?)"
_SAYS = r"(?:say|answer|respond|reply|tell|state|claim|mention|write|recommend|inform)"
# Sentences that address an assistant, or tell the reader what to say in its answers.
_ADDRESS = re.compile(
    rf"""
    \b(?:note|message|notice|attention|instructions?|reminder|memo|hint|hinweis|nota|aviso|
        remarque)\s+(?:to|for|an|für|para|pour|à|per)\s+(?:any\s+|all\s+|the\s+|die\s+|la\s+|
        el\s+|les\s+|los\s+|l')?(?:automated\s+|automatic\s+)?{_AI_READERS}\b
    | \b(?:dear|hey|hello|hi|attention|psst|liebe[rs]?|cher|chère|querido|estimado)\s+
        {_AI_READERS}\b
    | \b(?:if|when|whenever)\s+you\s+are\s+(?:an?\s+)?(?:automated\s+)?{_AI_READERS}\b
    | \b{_AI_READERS}\s+(?:reading|processing|summari[sz]ing|answering|indexing|parsing)\b
    | \b{_AI_READERS}\s+(?:that|which|who)\s+(?:reads?|process(?:es)?|summari[sz]es?|answers?)\b
    | \b{_AI_NAMES}\b[^.!?\n]{{0,60}}\b(?:must|should|shall|need\s+to|are\s+(?:required|
        instructed)\s+to|have\s+to|will)\s+(?:now\s+|always\s+|only\s+|never\s+|not\s+)*
        (?:{_SAYS}|include|append|add|output|translate|quote|insert)\b
    """,
    re.IGNORECASE | re.VERBOSE,
)
_META = re.compile(
    rf"""
    \b(?:in|into|to|at\s+the\s+end\s+of)\s+(?:your|every|each|all|any)\s+(?:answers?|responses?|
        replies|reply|outputs?|summar(?:y|ies))\b
    | \b(?:when|if|whenever)\s+(?:you\s+are\s+|you're\s+)?asked\b[^,.!?\n]{{0,80}},\s*
        (?:always\s+|just\s+|simply\s+)?{_SAYS}\b
    | \b(?:if|when|whenever)\s+(?:a|the|any|an)?\s*(?:users?|anyone|someone|employees?|
        people)\s+asks?\b[^,.!?\n]{{0,80}},\s*(?:always\s+|just\s+|simply\s+)?{_SAYS}\b
    | \btell\s+(?:the\s+|every\s+|all\s+|any\s+)?users?\b
    | \b(?:the|a)\s+user\s+(?:asks|is\s+asking|wants|requests)\b
    | \b(?:respond|reply|answer|write)\s+(?:only\s+|exclusively\s+|always\s+)?(?:in|using)\s+
        (?:french|german|spanish|italian|pirate|latin|klingon|all\s+caps|capital\s+letters|
        uppercase|rhymes?|verse|emojis?|another\s+language|a\s+different\s+language)\b
    | \b(?:pretend|role-?play|roleplay)\b[^.!?\n]{{0,40}}\b(?:you|to\s+be|as)\b
    | \bfrom\s+now\s+on\b[^.!?\n]{{0,40}}\byou\b
    | \byour\s+(?:new|real|true|actual|updated|primary)\s+(?:instructions?|goal|persona|
        purpose|directives?)\b
    | \b(?:previous|prior|above|earlier|original|initial)\s+(?:instructions?|prompts?|
        directives?|rules)\b
    | ^\s*(?:system|assistant|ai)\s*:
    | ^\s*(?:assistant|ai|chatbot|llm)\s*,
    | \byou\s+are\s+now\s+(?:(?:an?|the)\s+)?(?:[\w-]*(?:gpt|bot|ai)\b|(?:\w+\s+){{0,3}}
        (?:assistant|chatbot|persona|character|language\s+model)\b)
    | \bsystem\s+prompt\b | \bdeveloper\s+mode\b | </?\s*(?:system|instructions?)\s*>
    | <\|\s*(?:im_start|im_end|system|assistant|user)\s*\|> | \[/?\s*(?:INST|SYS)\s*\]
    | \b(?:ignorier\w*|vergiss|ignorez|ignore[sz]|oubliez|olvida|ignora)\b[^.!?\n]{{0,60}}
        \b(?:anweisungen|instructions|instrucciones|istruzioni|regeln|règles|reglas|consignes)\b
    | \b(?:antworte|antworten\s+sie|réponds|répondez|responde|responda|rispondi)\b
    | \b(?:append|add|include|insert|embed|attach)\s+(?:this|the\s+following)\s+(?:image|link|
        url|pixel|markdown|html|code\s+word|token|phrase)\b
    """,
    re.IGNORECASE | re.VERBOSE | re.MULTILINE,
)
_COMMENT = re.compile(r"<!--.*?(?:-->|$)", re.DOTALL)
_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>")
# A link's or an image's text may wrap onto the next line (Markdown is often hard-wrapped),
# never across a blank line.
_WRAPPED = r"(?:[^\]\n]|\n(?![ \t]*\n))*"
_IMAGE = re.compile(rf"!\[({_WRAPPED})\]\(([^)\n]*)\)")
_LINK = re.compile(rf"(?<!!)\[({_WRAPPED})\]\(([^)\n]*)\)")
# "[text][label]" and "[text][]": the target is defined elsewhere, so the text is what reads.
_REFERENCE_LINK = re.compile(rf"(?<![!\]])\[({_WRAPPED})\]\[[^\]\n]*\]")
# Static-site template tags: Liquid and Jinja ("{% page "/x/" %}", "{{ site.url }}") and Hugo
# shortcodes ("{{< ref "x.md" >}}"). A tag reads as its first quoted argument when that is
# words (the channel or the name it shows), as nothing when it is a path, a file, a variable
# or absent. When that first argument is a slug and a later one is prose, the prose is what
# the page shows ({% slack_channel "people-ops" "People Ops" %} is a link reading "People
# Ops"), as a link reads as its text.
# A tag may wrap onto the next lines ({% include "steps.html"\nsteps: ... %}), never across a
# blank line.
_IN_TAG = r"(?:[^\n]|\n(?![ \t]*\n))*?"
_TEMPLATE_TAG = re.compile(
    rf"\{{\{{[<%]{_IN_TAG}[>%]\}}\}}|\{{%{_IN_TAG}%\}}|\{{\{{{_IN_TAG}\}}\}}"
)
_TAG_ARGUMENT = re.compile(r"^\{[{%][<%]?-?\s*[\w.-]+\s+(?:\w+=)?(?:\"([^\"]*)\"|'([^']*)')")
_LATER_ARGUMENT = re.compile(r"[\s,]+(?:\w+=)?(?:\"([^\"]*)\"|'([^']*)')")
_WORDS = re.compile(r"[\w#@&' -]+")
# Prose: words with a space or a capital, and maybe punctuation, never a path's slash.
_PROSE = re.compile(r"(?=.*[\sA-Z])[\w#@&'(),.:;!? -]+")
_BEFORE_CLOSING = re.compile(r"\s+([.,;:!?)])")
_AFTER_OPENING = re.compile(r"\(\s+")
# "[label]: target", the target on the same line or the next (CommonMark allows either).
_LINK_DEFINITION = re.compile(r"^[ \t]{0,3}\[[^\]\n]+\]:[ \t]*(?:\n[ \t]*)?\S.*$", re.MULTILINE)
_AUTOLINK = re.compile(r"<((?:https?|ftp|mailto):[^>\s]+)>", re.IGNORECASE)
_BARE_URL = re.compile(r"\b(?:https?://|ftp://|www\.)[^\s<>()\[\]`]+", re.IGNORECASE)
_BASE64 = re.compile(r"(?<![A-Za-z0-9+/=])[A-Za-z0-9+/]{24,}={0,2}(?![A-Za-z0-9+/=])")
_SENTENCE = re.compile(r"[^.!?\n]+(?:[.!?]+[\"')\]]*|\n|$)")
_PARAGRAPH = re.compile(r"(?:[^\n]|\n(?!\s*\n))+")
_ASKS_FOR_LINK = re.compile(r"\b(?:links?|urls?|websites?|web\s+site|web\s+page|https?)\b", re.I)


def wants_links(question: str) -> bool:
    """Whether the question asks for a link (then a passage's URLs are kept as text)."""
    return _ASKS_FOR_LINK.search(question) is not None


def addresses_assistant(text: str) -> bool:
    """Whether ``text`` speaks to an assistant or tells the reader what to put in answers."""
    flat = unicodedata.normalize("NFKC", " ".join(text.split()))
    return bool(_ADDRESS.search(flat) or _META.search(flat)) or _hidden_instruction(flat)


def _hidden_instruction(text: str) -> bool:
    """A base64 blob that decodes to an instruction."""
    for blob in _BASE64.findall(text):
        decoded = _decoded(blob)
        if decoded and (_ADDRESS.search(decoded) or _META.search(decoded)):
            return True
    return False


def _decoded(blob: str) -> str | None:
    try:
        raw = base64.b64decode(blob + "=" * (-len(blob) % 4), validate=True)
        text = raw.decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    printable = sum(ch.isprintable() or ch.isspace() for ch in text)
    return text if text and printable / len(text) > 0.9 else None


def _blank(text: str) -> str:
    """``text`` as spaces, its line breaks kept."""
    return re.sub(r"[^\n]", " ", text)


def _pad(replacement: str, original: str) -> str:
    """``replacement`` padded with spaces (or cut) to the length of ``original``; a one-line
    replacement of a match over several lines (a wrapped template tag) keeps its line breaks
    where they were, and fits on the match's first line."""
    if "\n" in original and "\n" not in replacement:
        shown = replacement[: original.index("\n")].ljust(len(original))
        return "".join("\n" if o == "\n" else c for c, o in zip(shown, original, strict=True))
    return replacement[: len(original)].ljust(len(original))


def _sub(pattern: re.Pattern[str], text: str, render: Callable[[re.Match[str]], str]) -> str:
    def padded(match: re.Match[str]) -> str:
        shown = _pad(render(match), match.group(0))
        # Before punctuation the padding goes first, so no space opens "insurance ." once
        # whitespace is folded.
        after = text[match.end() : match.end() + 1]
        opened = text[match.start() - 1 : match.start()] == "("
        if after and after in ".,;:!?)" and not opened:
            return shown.strip(" ").rjust(len(shown))
        return shown

    return pattern.sub(padded, text)


def fold_spaces(line: str) -> str:
    """One line of neutralised text with its padding folded: runs of spaces as one, none
    before a closing mark or after an opening bracket ("insurance (/faq )." -> "insurance
    (/faq).")."""
    folded = " ".join(line.split())
    return _AFTER_OPENING.sub("(", _BEFORE_CLOSING.sub(r"\1", folded))


def _template_argument(match: re.Match[str]) -> str:
    tag = match.group(0)
    found = _TAG_ARGUMENT.match(tag)
    argument = "" if found is None else found[1] or found[2] or ""
    # A path or a file ("/travel/faq/", "low-system.html") is where the tag links or what it
    # includes, not words to read.
    if found is None or not _WORDS.fullmatch(argument):
        return ""
    if _PROSE.fullmatch(argument):
        return argument
    at = found.end()
    while later := _LATER_ARGUMENT.match(tag, at):
        shown = later[1] if later[1] is not None else later[2]
        if _PROSE.fullmatch(shown.strip()):
            return shown.strip()
        at = later.end()
    return argument


def _markup(text: str, keep_urls: bool) -> str:
    """Comments, tags, images and links rendered as plain text of the same length."""
    text = _sub(_COMMENT, text, lambda m: "")
    text = _sub(_IMAGE, text, lambda m: "")
    # A target that is a template tag names a page of the same site, not a URL to show.
    text = _sub(
        _LINK, text, lambda m: f"{m[1]} ({m[2]})" if keep_urls and "{" not in m[2] else m[1]
    )
    text = _sub(_REFERENCE_LINK, text, lambda m: m[1])
    text = _sub(_AUTOLINK, text, lambda m: m[1] if keep_urls else "")
    text = _sub(_LINK_DEFINITION, text, lambda m: "")
    if not keep_urls:
        text = _sub(_BARE_URL, text, lambda m: "")
    text = _sub(_TEMPLATE_TAG, text, _template_argument)
    text = _sub(_TAG, text, lambda m: "")
    return _sub(_BASE64, text, lambda m: "" if _decoded(m.group(0)) else m.group(0))


def neutralise(text: str, *, keep_urls: bool = False) -> str:
    """``text`` with every instruction to an assistant blanked and markup made plain text.

    Same length and line breaks as ``text``. A paragraph that opens by addressing an
    assistant goes whole (the instruction runs on past the line that names its reader);
    elsewhere a flagged sentence goes with the rest of its line, and other lines stay.
    """
    paragraphs = list(_PARAGRAPH.finditer(text))
    out = list(text)
    for para in paragraphs:
        plain = _markup(para.group(0), keep_urls)
        first_line = plain.lstrip().split("\n", 1)[0]
        if _ADDRESS.search(unicodedata.normalize("NFKC", " ".join(first_line.split()))):
            out[para.start() : para.end()] = _blank(plain)
            continue
        for sentence in _SENTENCE.finditer(plain):
            start, end = sentence.span()
            if addresses_assistant(sentence.group(0)):
                # An instruction runs on to the end of its line ("... QMK-1234."), so the
                # rest of the line goes with it; the lines before and after stay.
                line_end = plain.find("\n", start)
                end = len(plain) if line_end < 0 else line_end
                plain = plain[:start] + _blank(plain[start:end]) + plain[end:]
        out[para.start() : para.end()] = plain
    return "".join(out)


def _host(url: str) -> str:
    rest = url.split("://", 1)[-1]
    return re.split(r"[/?#]", rest, maxsplit=1)[0]


def tidy_spaces(text: str) -> str:
    """Neutralised text as a reader sees it: each line's padding folded (``fold_spaces``), at
    most one blank line in a row, no blank edges."""
    lines = [fold_spaces(line) for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def for_display(text: str) -> str:
    """A passage for a Markdown view: neutralised, whitespace tidied, every link shown as the
    host it points to, in code (never clickable, never an image to load; a URL's path and
    query, where exfiltrated data rides, are not shown)."""
    tidy = tidy_spaces(neutralise(text, keep_urls=True))
    tidy = tidy.replace("`", "'")
    tidy = _BARE_URL.sub(lambda m: f"link to `{_host(m.group(0))}`", tidy)
    # Whatever link syntax is left (nested or broken brackets) is shown, not followed.
    return tidy.replace("](", "]\u200b(").replace("<", "&lt;")
