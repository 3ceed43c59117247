"""``report.html``: one self-contained page (inline CSS, no scripts, no external assets).

Each item shows its question, the answer, every sentence with its support, score and evidence,
the citations with their quoted passages, the ranked retrieval with its gold matches, and a
word diff against the baseline's answer.
Every piece of answer or document text goes through ``html.escape``: answers and passages are
untrusted (a passage can carry markup or a prompt injection), and the page must render them as
text, never as HTML.
"""

from __future__ import annotations

import difflib
import html
import json
import re
from typing import Any

from evals.runs.record import GateMetric, ItemResult, RunRecord, SentenceResult
from evals.runs.summary import (
    BY_NAME,
    GATE_HEADERS,
    METRICS,
    RETRIEVAL_METRICS,
    format_value,
    gate_cells,
    retrieval_note,
)

_CSS = """
body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:72em;color:#1d1d1f;padding:0 1em}
h1{font-size:1.5em}h2{font-size:1.2em;margin-top:2em}
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:.25em .5em;
vertical-align:top;text-align:left}th{background:#f3f3f3}
.ok{color:#17612a}.bad{color:#a4141b;font-weight:600}.na{color:#777}
.regression{background:#fde2e2}.improvement{background:#e1f5e4}
details{border:1px solid #ddd;border-radius:6px;margin:.4em 0;padding:.3em .6em}
details.fail{border-color:#e0a0a0}details.error{border-color:#d9a400}
summary{cursor:pointer}.answer,.quote{white-space:pre-wrap;background:#fafafa;padding:.4em;
border-left:3px solid #ccc}del{background:#fdd}ins{background:#dfd;text-decoration:none}
.tag{display:inline-block;background:#eef;border-radius:3px;padding:0 .3em;margin-right:.2em;
font-size:.85em}code{font-size:.9em}
"""


def _e(value: object) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _metrics_table(run: RunRecord) -> str:
    gated = {m.metric: m for m in run.gate.metrics} if run.gate else {}
    head = "<tr><th>metric</th><th>value</th><th>scored</th><th>unscorable</th>"
    if gated:
        head += "".join(f"<th>{_e(h)}</th>" for h in GATE_HEADERS)
    rows = [head + "</tr>"]
    for spec in METRICS:
        m = run.metrics.get(spec.name)
        if m is None:
            continue
        g: GateMetric | None = gated.get(spec.name)
        shaded = g is not None and g.verdict in ("regression", "improvement")
        css = f' class="{_e(g.verdict)}"' if g is not None and shaded else ""
        cells = [spec.label, format_value(spec.name, m.value), m.scored, m.unscorable]
        if gated:
            cells += gate_cells(spec.name, g)
        rows.append(f"<tr{css}>" + "".join(f"<td>{_e(c)}</td>" for c in cells) + "</tr>")
    return "<table>" + "".join(rows) + "</table>"


def _support(s: SentenceResult) -> str:
    if s.supported is None:
        return '<span class="na">not judged</span>'
    return '<span class="ok">supported</span>' if s.supported else '<span class="bad">NO</span>'


def _sentences(item: ItemResult) -> str:
    if not item.sentences:
        return ""
    rows = [
        "<tr><th>sentence</th><th>support</th><th>score</th><th>cites</th>"
        "<th>cited passages entail it</th><th>evidence</th></tr>"
    ]
    for s in item.sentences:
        cites = ", ".join(f"[{n}]" for n in s.citations) or "none"
        if s.irrelevant_citations:
            cites += " (irrelevant: " + ", ".join(f"[{n}]" for n in s.irrelevant_citations) + ")"
        alce = {True: "yes", False: "no", None: "n/a"}[s.citation_supported]
        score = "n/a" if s.score is None else f"{s.score:.2f}"
        rows.append(
            f"<tr><td>{_e(s.text)}</td><td>{_support(s)}</td><td>{_e(score)}</td>"
            f"<td>{_e(cites)}</td><td>{_e(alce)}</td><td>{_e(s.evidence)}</td></tr>"
        )
    return "<h4>Sentences</h4><table>" + "".join(rows) + "</table>"


def _citations(answer: dict[str, Any]) -> str:
    citations = answer.get("citations") or []
    if not citations:
        return "<p class=na>No citations.</p>"
    parts = ["<h4>Citations</h4><ol class=citations>"]
    for c in citations:
        where = " › ".join(p for p in (c.get("source"), c.get("section")) if p)
        page = f", page {c['page']}" if c.get("page") is not None else ""
        parts.append(
            f'<li value="{_e(c.get("n"))}"><code>{_e(where)}{_e(page)}</code>'
            f"<div class=quote>{_e(c.get('quote'))}</div></li>"
        )
    return "".join(parts) + "</ol>"


def _retrieved(item: ItemResult) -> str:
    if item.retrieved is None:
        return ""
    scores = "; ".join(
        f"{BY_NAME[name].label}: {format_value(name, item.contributions[name][0])}"
        for name in RETRIEVAL_METRICS
        if name in item.contributions
    )
    head = "<h4>Retrieved (ranked)</h4>" + (f"<p>{_e(scores)}</p>" if scores else "")
    if not item.retrieved:
        return head + "<p class=na>The search returned nothing.</p>"
    rows = ["<tr><th>rank</th><th>source</th><th>page</th><th>gold source</th></tr>"]
    for r in item.retrieved:
        where = " › ".join(p for p in (r.source, r.section) if p)
        gold = '<span class="ok">yes</span>' if r.gold else '<span class="na">no</span>'
        rows.append(
            f"<tr><td>{r.rank}</td><td><code>{_e(where)}</code></td>"
            f"<td>{_e('' if r.page is None else r.page)}</td><td>{gold}</td></tr>"
        )
    return head + "<table>" + "".join(rows) + "</table>"


def word_diff(old: str, new: str) -> str:
    """HTML word diff of two texts: removed words in <del>, added in <ins>, all escaped."""
    a, b = re.findall(r"\S+|\s+", old), re.findall(r"\S+|\s+", new)
    out = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            out.append(_e("".join(a[i1:i2])))
            continue
        if i2 > i1:
            out.append(f"<del>{_e(''.join(a[i1:i2]))}</del>")
        if j2 > j1:
            out.append(f"<ins>{_e(''.join(b[j1:j2]))}</ins>")
    return "".join(out)


def _baseline_diff(item: ItemResult, baseline: dict[str, str]) -> str:
    if item.id not in baseline:
        return ""
    old = baseline[item.id]
    new = str((item.answer or {}).get("answer", ""))
    if old == new:
        return "<p class=na>Same answer as the baseline.</p>"
    diff = word_diff(old, new)
    return f"<h4>Change against the baseline answer</h4><div class=answer>{diff}</div>"


def _item(item: ItemResult, baseline: dict[str, str]) -> str:
    css = "error" if item.status != "ok" else ("fail" if item.failures else "")
    mark = (
        f'<span class="bad">{_e(item.status)}</span>'
        if item.status != "ok"
        else ('<span class="bad">fail</span>' if item.failures else '<span class="ok">pass</span>')
    )
    tags = "".join(f'<span class="tag">{_e(t)}</span>' for t in item.tags)
    groups = f", groups {_e(', '.join(item.groups))}" if item.groups else ""
    parts = [
        f'<details class="{css}"><summary>{mark} <code>{_e(item.id)}</code> {tags} '
        f"{_e(item.question)}</summary>",
        f"<p><b>Question</b> (as <code>{_e(item.user)}</code>{groups}): {_e(item.question)}</p>",
        f"<p>Expected route <code>{_e(item.expected_route)}</code>, actual "
        f"<code>{_e(item.route or 'n/a')}</code>; answerable: {_e(item.answerable)}; "
        f"abstention: {_e(item.abstention)}; latency: "
        f"{_e('n/a' if item.latency_ms is None else f'{item.latency_ms:.0f} ms')}</p>",
    ]
    if item.failures:
        parts.append("<ul>" + "".join(f'<li class="bad">{_e(f)}</li>' for f in item.failures))
        parts.append("</ul>")
    if item.status != "ok":
        parts.append(f'<p class="bad">{_e(item.error)}</p>')
    if item.answer is not None:
        parts.append(f"<h4>Answer</h4><div class=answer>{_e(item.answer.get('answer'))}</div>")
        parts.append(_sentences(item))
        parts.append(_citations(item.answer))
        parts.append(_retrieved(item))
        parts.append(_baseline_diff(item, baseline))
    if item.reference_answer:
        parts.append(f"<p><b>Reference:</b> {_e(item.reference_answer)}</p>")
    if item.unscorable:
        listing = "; ".join(f"{k}: {v}" for k, v in sorted(item.unscorable.items()))
        parts.append(f"<p class=na>Unscorable: {_e(listing)}</p>")
    parts.append("</details>")
    return "".join(parts)


def render_html(run: RunRecord) -> str:
    """The whole report page."""
    gate = run.gate
    baseline = gate.baseline_answers if gate else {}
    status_css = "ok" if run.status == "complete" else "bad"
    body = [
        f"<h1>Eval run <code>{_e(run.run_id)}</code></h1>",
        f"<p>Suite <b>{_e(run.suite)}</b>, {len(run.items)} items; status "
        f'<span class="{status_css}">{_e(run.status)}</span>; {run.seconds:.1f} s.</p>',
        "<h2>Metrics</h2>",
        _metrics_table(run),
    ]
    note = retrieval_note(run.config)
    if note:
        body.append(f"<p>{_e(note[0].upper() + note[1:])}.</p>")
    if gate is not None:
        verdict = "passed" if gate.passed else "FAILED: " + ", ".join(gate.regressions)
        body.append(
            f"<h2>Gate: {_e(verdict)}</h2><p>Baseline <code>{_e(gate.baseline_source)}</code>, "
            f"{gate.shared_items} shared items, {gate.resamples} paired bootstrap resamples, "
            f"{gate.confidence:.0%} intervals.</p><ul>"
            + "".join(
                f'<li class="{"bad" if m.verdict == "regression" else ""}">{_e(m.reason)}</li>'
                for m in gate.metrics
                if m.tolerance is not None
            )
            + "</ul>"
        )
    if run.problems:
        body.append(f"<h2>Partial run: {len(run.problems)} items without an answer</h2><ul>")
        body += [f'<li class="bad">{_e(p)}</li>' for p in run.problems]
        body.append("</ul>")
    body.append("<h2>Items</h2>")
    body += [_item(item, baseline) for item in run.items]
    config = json.dumps(run.config, ensure_ascii=False, indent=2, default=str)
    body.append(f"<h2>Configuration</h2><pre>{_e(config)}</pre>")
    return (
        "<!DOCTYPE html>\n<html lang=en><head><meta charset=utf-8>"
        f"<title>ragtune eval {_e(run.run_id)}</title><style>{_CSS}</style></head><body>"
        + "\n".join(body)
        + "</body></html>\n"
    )
