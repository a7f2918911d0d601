"""Operations: JSON logs with a request id, one access line per request, Prometheus metrics.

Request id: `X-Request-ID` from the client when it is 1-128 safe characters, else a new
uuid4; it is in every log line written while the request is handled and in the response's
`X-Request-ID` header.

Metrics and gunicorn's workers: prometheus-client's multiprocess mode. When
PROMETHEUS_MULTIPROC_DIR is set (service/gunicorn_conf.py sets it to a fresh folder unless the
operator did), every worker writes its counters and histograms to files there and any worker's
`GET /metrics` adds them all up, so a scrape sees the whole server whichever worker answers.
Without it (flask run, the tests) the counters live in the process. The data gauges
(articles, passages, claims, generations) are read from the database at scrape time, so they
are the same in every worker.
"""
from __future__ import annotations

import logging
import os
import re
import sys
import time
import uuid

from flask import Blueprint, Response, current_app, g, has_request_context, request
from prometheus_client import CollectorRegistry, Counter, Histogram, disable_created_metrics
from prometheus_client.exposition import choose_encoder
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from pythonjsonlogger.json import JsonFormatter

from .schemas import no_args

REQUEST_ID_HEADER = "X-Request-ID"
SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:@/+=-]{1,128}")
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

access_log = logging.getLogger("newsclaims.access")
bp = Blueprint("observability", __name__)

disable_created_metrics()     # no *_created series: the same output in single- and multiprocess mode
# created once per process; in multiprocess mode their values live in PROMETHEUS_MULTIPROC_DIR
request_metrics = CollectorRegistry(auto_describe=True)
REQUESTS = Counter("newsclaims_http_requests", "HTTP requests answered, by route template, method and status.",
                   ["route", "method", "status"], registry=request_metrics)
LATENCY = Histogram("newsclaims_http_request_duration_seconds",
                    "Seconds from receiving a request to returning its response, by route template and method.",
                    ["route", "method"], buckets=LATENCY_BUCKETS, registry=request_metrics)


# -- logging ---------------------------------------------------------------------------------

class RequestIdFilter(logging.Filter):
    """Adds `request_id` to every record written while a request is handled."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = g.get("request_id") if has_request_context() else None
        return True


def log_formatter(kind: str) -> logging.Formatter:
    """`json`: one JSON object per line (time, level, logger, message, request_id, extras)."""
    if kind == "json":
        return JsonFormatter("%(levelname)s %(name)s %(message)s %(request_id)s",
                             rename_fields={"levelname": "level", "name": "logger"},
                             timestamp="time", json_ensure_ascii=False)
    return logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")


def configure_logging(level: str, kind: str) -> None:
    """One handler on the root logger, to stderr; calling again replaces it (tests make many apps)."""
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, "newsclaims", False)]:
        root.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler.newsclaims = True
    handler.setFormatter(log_formatter(kind))
    handler.addFilter(RequestIdFilter())
    root.addHandler(handler)
    root.setLevel(str(level).upper())


# -- per request -----------------------------------------------------------------------------

def request_id() -> str:
    given = request.headers.get(REQUEST_ID_HEADER, "")
    return given if SAFE_REQUEST_ID.fullmatch(given) else uuid.uuid4().hex


def start_request() -> None:
    g.started = time.perf_counter()
    g.request_id = request_id()


def finish_request(response: Response) -> Response:
    """Echo the request id, count the request, write its access line."""
    duration = time.perf_counter() - g.get("started", time.perf_counter())
    rid = g.get("request_id") or request_id()
    response.headers[REQUEST_ID_HEADER] = rid
    route = request.url_rule.rule if request.url_rule is not None else "unmatched"   # bounded label values
    REQUESTS.labels(route, request.method, str(response.status_code)).inc()
    LATENCY.labels(route, request.method).observe(duration)
    access_log.info("%s %s %s %.1fms", request.method, request.path, response.status_code, duration * 1000,
                    extra={"method": request.method, "path": request.path, "route": route,
                           "status": response.status_code, "duration_ms": round(duration * 1000, 2),
                           "remote_addr": request.remote_addr, "request_id": rid})
    return response


# -- metrics ---------------------------------------------------------------------------------

class DataCollector:
    """Gauges read from the data folder at scrape time: the same answer from every worker."""

    def __init__(self, library):
        self.library = library

    def collect(self):
        state = self.library.health()
        healthy = GaugeMetricFamily("newsclaims_healthy", "1 when the database and the index are usable and in step.")
        healthy.add_metric([], 1 if state["status"] == "ok" else 0)
        yield healthy
        for name in ("articles", "passages", "claims"):
            if state.get(name) is not None:
                yield GaugeMetricFamily(f"newsclaims_{name}", f"Number of {name} in the database.", value=state[name])
        generation = GaugeMetricFamily("newsclaims_generation",
                                       "Change counter of the database and the generation the index was built at.",
                                       labels=["store"])
        for store, value in (state.get("generation") or {}).items():
            if value is not None:
                generation.add_metric([store], value)
        yield generation


class _RegistryCollector:
    def __init__(self, registry):
        self.registry = registry

    def collect(self):
        return self.registry.collect()


def multiprocess_dir() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or os.environ.get("prometheus_multiproc_dir")


def registry_for(library) -> CollectorRegistry:
    """A registry for one scrape: the request metrics (of all workers) and the data gauges."""
    registry = CollectorRegistry()
    if multiprocess_dir():
        MultiProcessCollector(registry)
    else:
        registry.register(_RegistryCollector(request_metrics))
    registry.register(DataCollector(library))
    return registry


@bp.get("/metrics")
def metrics():
    """Prometheus metrics: requests by route and status, latency, data counts, index generation."""
    no_args.load(request.args)
    encoder, content_type = choose_encoder(request.headers.get("Accept", ""))   # OpenMetrics if asked
    return Response(encoder(registry_for(current_app.extensions["newsclaims"])), content_type=content_type)


def init_app(app) -> None:
    configure_logging(app.config["LOG_LEVEL"], app.config["LOG_FORMAT"])
    app.before_request(start_request)
    app.after_request(finish_request)
    app.register_blueprint(bp)
