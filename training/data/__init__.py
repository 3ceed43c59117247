"""Curated Q&A files: reading, record shapes, and the checks run before training (PII,
duplicates, conflicts, leakage into eval suites, splits)."""
