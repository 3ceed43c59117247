"""Prometheus metrics of one service process, on a registry of its own (``GET /metrics``)."""

from __future__ import annotations

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

CONTENT_TYPE = CONTENT_TYPE_LATEST


class Metrics:
    """Request counts and latencies by route template, answers by route, streams, limits."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "ragtune_http_requests",
            "HTTP requests by method, route template and status.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "ragtune_http_request_seconds",
            "HTTP request latency by route template (streams: until the last byte).",
            ["method", "route"],
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120),
            registry=self.registry,
        )
        self.answers = Counter(
            "ragtune_answers",
            "Answers produced, by the route the agent took.",
            ["route"],
            registry=self.registry,
        )
        self.answer_seconds = Histogram(
            "ragtune_answer_seconds",
            "Time the agent took per answer.",
            buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120),
            registry=self.registry,
        )
        self.streams_active = Gauge(
            "ragtune_streams_active", "Streamed answers in progress.", registry=self.registry
        )
        self.cancelled = Counter(
            "ragtune_generations_cancelled",
            "Generations stopped early, by reason (disconnect, timeout).",
            ["reason"],
            registry=self.registry,
        )
        self.rejected = Counter(
            "ragtune_requests_rejected",
            "Requests refused by a limit, by reason (auth, rate, size, overload).",
            ["reason"],
            registry=self.registry,
        )
        self.ready = Gauge(
            "ragtune_ready", "1 when the database and the agent are ready.", registry=self.registry
        )

    def render(self) -> bytes:
        return generate_latest(self.registry)
