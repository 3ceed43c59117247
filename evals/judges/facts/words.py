"""Words of English text as the fact checks see them: tokens, stop words and crude stems."""

from __future__ import annotations

import re
from functools import lru_cache

IRREGULAR = {
    "rose": "rise",
    "risen": "rise",
    "fell": "fall",
    "fallen": "fall",
    "grew": "grow",
    "grown": "grow",
    "paid": "pay",
    "sent": "send",
    "gave": "give",
    "given": "give",
    "took": "take",
    "taken": "take",
    "led": "lead",
    "held": "hold",
    "kept": "keep",
    "left": "leave",
    "made": "make",
    "met": "meet",
    "sold": "sell",
    "bought": "buy",
    "began": "begin",
    "begun": "begin",
    "went": "go",
    "gone": "go",
    "won": "win",
    "lost": "lose",
    "shut": "shut",
    "chose": "choose",
    "chosen": "choose",
    "wrote": "write",
    "written": "write",
    "came": "come",
    "became": "become",
    "built": "build",
    "spent": "spend",
    "got": "get",
    "ran": "run",
    "better": "good",
    "best": "good",
    "worse": "bad",
    "worst": "bad",
    "children": "child",
    "people": "person",
    "men": "man",
    "women": "woman",
}
STOPWORDS = frozenset(
    """a an the and or but if then than that this these those there here of in on at to for from
    by with as into onto about per via is are was were be been being am do does did doing have has
    had having it its it's they them their theirs we us our you your he him his she her i me my
    which who whom whose what when where why how while also too very so such can could may might
    must shall should will would just own same other another some any each every all both either
    up down out off again further once only s t don nor own just over under within until upon
    after before through during between among against across around along via itself themselves
    yourself ourselves himself herself whatever whichever whoever because though although unless
    without
    whether yet still even ever much many more most less least few fewer lot lots""".split()
)
# A number fused with capitals is a code ("18F", "2FA"), not a number and a word; "10GB" and
# "9PM" are a quantity and a clock time.
_NOT_CODES = "GB|MB|TB|KB|KM|MM|CM|KG|MPH|AM|PM|ET|[AVWK]"
_TOKEN = re.compile(
    rf"m/s|km/h|[$€£%°]|\d+(?!(?:{_NOT_CODES})\b)[A-Z][A-Z0-9]*\b|\d+(?:[.,]\d+)*|[A-Za-z][A-Za-z0-9]*(?:[-'’][A-Za-z0-9]+)*",
)


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A crude, deterministic stem: enough to match "returned" with "returns"."""
    w = word.lower().replace("’", "'")
    if w.endswith("'s"):
        w = w[:-2]
    w = w.strip("'")
    w = IRREGULAR.get(w, w)
    if len(w) <= 3 or not w.isalpha():
        return w
    if w.endswith("ies") and len(w) > 4:
        w = w[:-3] + "y"
    elif w.endswith("sses"):
        w = w[:-2]
    elif w.endswith("es") and len(w) > 4 and w[-3] in "sxzh":
        w = w[:-2]
    elif w.endswith("s") and not w.endswith(("ss", "us", "is")):
        w = w[:-1]
    for suffix in ("ing", "ed"):
        if w.endswith(suffix) and len(w) - len(suffix) >= 3:
            w = w[: -len(suffix)]
            if len(w) > 3 and w[-1] == w[-2] and w[-1] not in "lsz":
                w = w[:-1]
            break
    if w.endswith("ly") and len(w) > 5:
        w = w[:-2]
    if w.endswith("e") and len(w) > 3:
        w = w[:-1]
    return w[:6]


# What may stand before a sentence's first word: opening quotes, brackets and emphasis
# ("“Ask first,” she said", "(See the form.)", "_Submit_ it"). What ends the sentence before
# it: its full stop and what closes after it ("... go.” Then").
_OPENING = "\"'“‘([{*_"
_STARTS_AFTER = re.compile(r"[.!?:|\n*#-][\"'”’)\]*_]*$")


def tokenize(text: str) -> list[tuple[str, bool]]:
    """Word tokens, each with whether it starts a sentence (where capitals prove nothing)."""
    out: list[tuple[str, bool]] = []
    for match in _TOKEN.finditer(text):
        token = match.group(0).replace("’", "'")
        before = text[: match.start()].rstrip().rstrip(_OPENING).rstrip()
        first = not before or _STARTS_AFTER.search(before) is not None
        low = token.lower()
        if low.endswith("n't"):
            base = {"won't": "will", "can't": "can", "shan't": "shall"}.get(low, token[:-3])
            out += [(base, first), ("not", False)]
        elif low == "cannot":
            out += [(token[:3], first), ("not", False)]
        elif "-" in token and not any(c.isdigit() for c in token):
            parts = [p for p in token.split("-") if p]
            out += [(p, first and i == 0) for i, p in enumerate(parts)]
        else:
            out.append((token, first))
    return out
