"""Production gunicorn settings; NEWSCLAIMS_WORKERS / NEWSCLAIMS_THREADS override."""
import os

workers = int(os.environ.get("NEWSCLAIMS_WORKERS", "2"))
threads = int(os.environ.get("NEWSCLAIMS_THREADS", "2"))    # 2 rather than 4: same req/s, lower p99 and RSS (bench/search.py)
worker_class = "gthread"          # threads keep keep-alive connections open
keepalive = 30
timeout = 30                      # a worker stuck longer than this is restarted
graceful_timeout = 10
preload_app = True                # load jieba and open the index once, share pages with workers
# the longest request line gunicorn accepts (its default, 4094, refused a 500-character Chinese q
# with a bare 414): openapi.yaml's longest query strings, percent-encoded, stay below it
limit_request_line = 8190
accesslog = None
errorlog = "-"

# -- metrics across workers (service/observability.py) -----------------------------------------
# prometheus-client's multiprocess mode: each worker writes its counters to files in one folder
# and /metrics adds up every worker's. The variable must be set before prometheus_client is
# imported by the app, hence here; an operator's own PROMETHEUS_MULTIPROC_DIR is kept.
import shutil      # noqa: E402
import tempfile    # noqa: E402

_own_metrics_dir = "PROMETHEUS_MULTIPROC_DIR" not in os.environ
if _own_metrics_dir:
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="newsclaims-metrics-")


def on_starting(server):
    """Start from zero: files left by an earlier server would be added to this one's."""
    folder = os.environ["PROMETHEUS_MULTIPROC_DIR"]
    os.makedirs(folder, exist_ok=True)
    for name in os.listdir(folder):
        if name.endswith(".db"):
            os.remove(os.path.join(folder, name))


def child_exit(server, worker):
    from prometheus_client import multiprocess
    multiprocess.mark_process_dead(worker.pid)


def on_exit(server):
    if _own_metrics_dir:
        shutil.rmtree(os.environ["PROMETHEUS_MULTIPROC_DIR"], ignore_errors=True)


# -- gunicorn's own lines as JSON too, like the app's (service/observability.py) ----------------
# its access log stays off: the app writes one access line per request, with the request id
if os.environ.get("NEWSCLAIMS_LOG_FORMAT", "json") == "json":
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "root": {"level": "INFO", "handlers": []},       # the app adds its JSON handler
        "loggers": {
            "gunicorn.error": {"level": "INFO", "handlers": ["error_console"], "propagate": False,
                               "qualname": "gunicorn.error"},
            "gunicorn.access": {"level": "WARNING", "handlers": [], "propagate": False,
                                "qualname": "gunicorn.access"},
        },
        "handlers": {"error_console": {"class": "logging.StreamHandler", "formatter": "json",
                                       "stream": "ext://sys.stderr"}},
        "formatters": {"json": {"()": "pythonjsonlogger.json.JsonFormatter",
                                "fmt": "%(levelname)s %(name)s %(message)s",
                                "rename_fields": {"levelname": "level", "name": "logger"},
                                "timestamp": "time", "json_ensure_ascii": False}},
    }
