"""``junit.xml`` for CI systems: one testcase per suite item and one per gated metric.

An item fails when it has unsupported sentences, went to the wrong route, or failed its
abstention (answered an unanswerable question, or refused an answerable one); an item with no
answer (missing, errored) is a JUnit *error*. A gate metric fails on a regression and is
skipped when it is not gated or could not be compared.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from evals.runs.record import RunRecord

# XML 1.0 cannot carry most control characters, whatever the escaping; answers might.
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _clean(text: str) -> str:
    return _INVALID_XML.sub("\ufffd", text)


def _item_suite(run: RunRecord) -> ET.Element:
    suite = ET.Element("testsuite", name=f"eval.{run.suite}", timestamp=run.started_at)
    props = ET.SubElement(suite, "properties")
    for key, value in (
        ("run_id", run.run_id),
        ("status", run.status),
        ("target", str(run.config.get("target", ""))),
        ("judge", str(run.config.get("judge", {}).get("fingerprint", ""))),
        ("git_commit", str(run.config.get("git_commit") or "")),
    ):
        ET.SubElement(props, "property", name=key, value=_clean(value))
    failures = errors = 0
    for item in run.items:
        case = ET.SubElement(suite, "testcase", classname=f"eval.{run.suite}", name=item.id)
        if item.latency_ms is not None:
            case.set("time", f"{item.latency_ms / 1000:.3f}")
        if item.status != "ok":
            errors += 1
            error = ET.SubElement(case, "error", type=item.status)
            error.set("message", _clean(f"{item.status}: {item.error or 'no answer'}"))
        elif item.failures:
            failures += 1
            failure = ET.SubElement(case, "failure", type="eval")
            failure.set("message", _clean("; ".join(item.failures)))
            lines = [f"question: {item.question}", f"answer: {(item.answer or {}).get('answer')}"]
            lines += [
                f"unsupported: {s.text} (score {s.score:.2f})"
                for s in item.sentences
                if s.supported is False and s.score is not None
            ]
            failure.text = _clean("\n".join(lines))
    suite.set("tests", str(len(run.items)))
    suite.set("failures", str(failures))
    suite.set("errors", str(errors))
    suite.set("skipped", "0")
    suite.set("time", f"{run.seconds:.3f}")
    return suite


def _gate_suite(run: RunRecord) -> ET.Element | None:
    gate = run.gate
    if gate is None:
        return None
    suite = ET.Element("testsuite", name=f"gate.{run.suite}", timestamp=run.started_at)
    props = ET.SubElement(suite, "properties")
    ET.SubElement(props, "property", name="baseline", value=_clean(gate.baseline_source))
    failures = skipped = 0
    for metric in gate.metrics:
        case = ET.SubElement(suite, "testcase", classname=f"gate.{run.suite}", name=metric.metric)
        if metric.verdict == "regression":
            failures += 1
            ET.SubElement(case, "failure", type="regression", message=_clean(metric.reason))
        elif metric.verdict == "n/a":
            skipped += 1
            ET.SubElement(case, "skipped", message=_clean(metric.reason))
        else:
            ET.SubElement(case, "system-out").text = _clean(metric.reason)
    suite.set("tests", str(len(gate.metrics)))
    suite.set("failures", str(failures))
    suite.set("errors", "0")
    suite.set("skipped", str(skipped))
    return suite


def render_junit(run: RunRecord) -> str:
    """The JUnit XML document (the common Jenkins/GitLab/GitHub schema)."""
    root = ET.Element("testsuites", name=f"ragtune eval {run.suite}")
    suites = [s for s in (_item_suite(run), _gate_suite(run)) if s is not None]
    for s in suites:
        root.append(s)
    for key in ("tests", "failures", "errors", "skipped"):
        root.set(key, str(sum(int(s.get(key, "0")) for s in suites)))
    root.set("time", f"{run.seconds:.3f}")
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"
