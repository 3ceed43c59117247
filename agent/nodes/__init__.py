"""The graph's nodes, one module each: plain functions of the state and the run's runtime,
taking their resources (database, embedder, judge, generator, knobs) from ``runtime.context``."""
