"""A small suite on the sample company and recorded answers for it, shared by the run tests.

Quotes are the sample corpus's own text, so the offline judge sees real passages.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

PTO = (
    "You may carry up to 5 unused vacation days into the next calendar year. Carried-over days "
    "must be used by 31 March; any carried-over days left after that date are forfeited."
)
PER_DIEM = (
    "Meals while travelling are covered by a daily per diem instead of individual receipts: "
    "Domestic: $65 per day. International: $90 per day."
)
PASSWORDS = (
    "Use at least 14 characters. A passphrase of four or more unrelated words is fine. Store "
    "passwords only in the company password manager."
)
DARK = "A robot that has missed heartbeats for 30 seconds (E-502) and has stopped in place."

SUITE: list[dict[str, Any]] = [
    {
        "id": "pto-carry",
        "question": "How many vacation days can I take into next year, and until when?",
        "reference_answer": "5 unused vacation days, which must be used by 31 March.",
        "gold_citations": [
            {"source": "public/policies/paid-time-off.md", "section": "1.3 Carry-over"}
        ],
        "expected_route": "rag",
        "answerable": True,
        "tags": ["rag"],
    },
    {
        "id": "per-diem",
        "question": "What per diem do I get for meals on an international trip?",
        "reference_answer": "$90 per day.",
        "gold_citations": [
            {"source": "public/policies/travel-and-expenses.md", "section": "4.1 Per diem rates"}
        ],
        "expected_route": "rag",
        "answerable": True,
        "tags": ["rag"],
    },
    {
        "id": "passwords",
        "question": "How long must my password be?",
        "reference_answer": "At least 14 characters.",
        "gold_citations": [
            {"source": "public/policies/security-acceptable-use.md", "section": "2.1 Passwords"}
        ],
        "expected_route": "rag",
        "answerable": True,
        "tags": ["rag"],
    },
    {
        "id": "dark-robot",
        "question": "In our jargon, what does it mean when a robot has gone dark?",
        "reference_answer": "It has missed heartbeats for 30 seconds (E-502) and stopped in place.",
        "expected_route": "adapter",
        "answerable": True,
        "tags": ["adapter"],
    },
    {
        "id": "ceo-birthday",
        "question": "On what day is the CEO's birthday?",
        "expected_route": "none",
        "answerable": False,
        "tags": ["unanswerable"],
    },
    {
        "id": "parking",
        "question": "How many parking spaces does the Dayton office have?",
        "expected_route": "none",
        "answerable": False,
        "tags": ["unanswerable"],
    },
]


def cite(n: int, source: str, section: str, quote: str) -> dict[str, Any]:
    return {
        "n": n,
        "source": source,
        "section": section,
        "page": None,
        "chunk_id": f"chunk-{n}",
        "quote": quote,
    }


def ask(
    answer: str,
    route: str,
    citations: list[dict[str, Any]],
    *,
    abstained: bool = False,
    total_ms: float = 800.0,
) -> dict[str, Any]:
    """The ask JSON shape."""
    return {
        "answer": answer,
        "route": route,
        "route_reason": "test",
        "abstained": abstained,
        "citations": citations,
        "verification": {"supported_sentences": 0, "total_sentences": 0},
        "thread_id": "t-1",
        "timings_ms": {"route": 5.0, "total": total_ms},
    }


PTO_CITE = cite(
    1,
    "policies/paid-time-off.md",
    "Paid Time Off Policy > 1. Vacation Entitlement > 1.3 Carry-over",
    PTO,
)
PER_DIEM_CITE = cite(
    1,
    "policies/travel-and-expenses.md",
    "Travel and Expense Policy > 4. Meals and Per Diem > 4.1 Per diem rates",
    PER_DIEM,
)
PASSWORDS_CITE = cite(
    1,
    "policies/security-acceptable-use.md",
    "Information Security and Acceptable Use Policy > 2. Accounts and Authentication"
    " > 2.1 Passwords",
    PASSWORDS,
)
REFUSAL = "The documents do not say; I cannot answer that."

GOOD: dict[str, dict[str, Any]] = {
    "pto-carry": ask(
        "You may carry up to 5 unused vacation days into the next year [1]. "
        "They must be used by 31 March [1].",
        "rag",
        [PTO_CITE],
    ),
    "per-diem": ask("The international per diem is $90 per day [1].", "rag", [PER_DIEM_CITE]),
    "passwords": ask("Use at least 14 characters for a password [1].", "rag", [PASSWORDS_CITE]),
    "dark-robot": ask(
        "A dark robot has missed heartbeats for 30 seconds (E-502) and has stopped in place.",
        "adapter",
        [],
    ),
    "ceo-birthday": ask(REFUSAL, "none", [], abstained=True),
    "parking": ask(REFUSAL, "none", [], abstained=True),
}

# The same questions answered worse: changed numbers, a wrong route, a missed refusal.
BAD: dict[str, dict[str, Any]] = {
    **GOOD,
    "pto-carry": ask(
        "You may carry up to 10 unused vacation days into the next year [1]. "
        "They must be used by 30 June [1].",
        "rag",
        [PTO_CITE],
    ),
    "per-diem": ask("The international per diem is $120 per day [1].", "rag", [PER_DIEM_CITE]),
    "passwords": ask("Use at least 14 characters for a password [1].", "both", [PASSWORDS_CITE]),
    "parking": ask(
        "The Dayton office has 240 parking spaces.", "rag", [PASSWORDS_CITE], total_ms=950.0
    ),
}


def write_suite(path: Path, items: list[dict[str, Any]] | None = None) -> Path:
    path.write_text(
        "".join(json.dumps(i) + "\n" for i in (items if items is not None else SUITE)),
        encoding="utf-8",
    )
    return path


def write_answers(path: Path, answers: dict[str, dict[str, Any]]) -> Path:
    path.write_text(
        "".join(json.dumps({"id": k, **v}) + "\n" for k, v in answers.items()), encoding="utf-8"
    )
    return path


# --- Ranked retrieval, the worked example of docs/metrics.md ("Retrieval: recall@k and MRR") ---

PTO_FILE = "policies/paid-time-off.md"
TRAVEL_FILE = "policies/travel-and-expenses.md"
SECURITY_FILE = "policies/security-acceptable-use.md"
FAQ_FILE = "faq/faq.md"


def hit(source: str, section: str | None = None) -> dict[str, Any]:
    """One entry of a recorded answer's ``retrieved`` list."""
    return {"source": source} if section is None else {"source": source, "section": section}


# pto-carry has two gold sources (A = 1.3 Carry-over, B = 2. Sick Leave) found at ranks 2 and
# 4: recall@1 0, recall@5 1, reciprocal rank 1/2. per-diem: gold first, 1, 1, 1. passwords:
# a sibling section first and the gold only at rank 6: 0, 0, 1/6. dark-robot has no gold and
# ceo-birthday is unanswerable (both unscorable, their rankings still recorded); parking
# records no ranking. Run: recall@1 = 1/3, recall@5 = 2/3, MRR = (1/2 + 1 + 1/6) / 3 = 5/9.
RETRIEVAL_SUITE: list[dict[str, Any]] = [
    {
        **SUITE[0],
        "gold_citations": [
            {"source": f"public/{PTO_FILE}", "section": "1.3 Carry-over"},
            {"source": f"public/{PTO_FILE}", "section": "2. Sick Leave"},
        ],
    },
    *SUITE[1:],
]
RETRIEVED: dict[str, list[dict[str, Any]]] = {
    "pto-carry": [
        hit(FAQ_FILE),
        hit(PTO_FILE, "Paid Time Off Policy > 1. Vacation Entitlement > 1.3 Carry-over"),
        hit(TRAVEL_FILE, "Travel and Expense Policy > 4. Meals and Per Diem"),
        hit(PTO_FILE, "Paid Time Off Policy > 2. Sick Leave > 2.1 Reporting"),
        hit(SECURITY_FILE),
    ],
    "per-diem": [
        hit(TRAVEL_FILE, "Travel and Expense Policy > 4. Meals and Per Diem > 4.1 Per diem rates"),
        hit(TRAVEL_FILE, "Travel and Expense Policy > 4. Meals and Per Diem > 4.2 Business meals"),
    ],
    "passwords": [
        hit(SECURITY_FILE, "Information Security > 2. Accounts and Authentication > 2.2 MFA"),
        hit(FAQ_FILE),
        hit(PTO_FILE),
        hit(TRAVEL_FILE),
        hit("handbook/welcome.md"),
        hit(SECURITY_FILE, "Information Security > 2. Accounts and Authentication > 2.1 Passwords"),
    ],
    "dark-robot": [hit("procedures/robot-faults.md")],
    "ceo-birthday": [hit(FAQ_FILE)],
}


def with_retrieval(
    answers: dict[str, dict[str, Any]], retrieved: dict[str, list[dict[str, Any]]]
) -> dict[str, dict[str, Any]]:
    """Recorded answers carrying ``retrieved`` for the items ``retrieved`` lists."""
    return {
        k: {**v, "retrieved": retrieved[k]} if k in retrieved else v for k, v in answers.items()
    }
