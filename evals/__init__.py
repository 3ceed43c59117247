"""Eval suites, entailment judges, metrics, runs (runner, scoring, gate, store) and reports.

Never imports agent/: the in-process agent is handed in as a target by ragtune/cli.py."""
