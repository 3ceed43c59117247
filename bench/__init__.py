"""Benchmarks: scripts that measure ragtune on real text and write JSON to bench/results/.

Run them all with ``python -m bench.run`` (``--quick`` for a smoke test), or one at a time with
``python -m bench.ingest_throughput`` and friends. The README's numbers come from these files.
"""
