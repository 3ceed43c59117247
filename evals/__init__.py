"""Eval suites, entailment judges, metrics, runner and reports."""
