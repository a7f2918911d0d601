"""newsclaims HTTP API: `gunicorn 'service:create_app()'`."""
from __future__ import annotations

import os

from flask import Flask, request
from werkzeug.routing import IntegerConverter

from index.library import Library

from . import api, docs, errors, observability


class AsciiIntegerConverter(IntegerConverter):
    """<int:…> path parts of ASCII digits only (Werkzeug's \\d+ also takes ٣ or ３ as 3)."""
    regex = r"[0-9]+"


def create_app(test_config: dict | None = None) -> Flask:
    """Create the API app; tests pass their own config, production reads NEWSCLAIMS_* variables."""
    app = Flask(__name__)
    app.url_map.converters["int"] = AsciiIntegerConverter
    app.config.from_object("service.config.Defaults")
    if test_config is None:
        app.config.from_prefixed_env(prefix="NEWSCLAIMS")
        if os.environ.get("NEWSCLAIMS_API_TOKEN"):     # verbatim: from_prefixed_env would read "1e3" as 1000.0
            app.config["API_TOKEN"] = os.environ["NEWSCLAIMS_API_TOKEN"]
    else:
        app.config.update(test_config)
    app.json.ensure_ascii = False
    app.json.sort_keys = False
    observability.init_app(app)          # JSON logs, request ids, access lines, /metrics
    library = app.extensions["newsclaims"] = Library(
        app.config["DATA_DIR"], write_timeout=float(app.config["WRITE_TIMEOUT"]),
        database_url=app.config["DATABASE_URL"] or None, postings_cache=int(app.config["POSTINGS_CACHE"]))
    app.extensions["newsclaims"].searcher.warm()     # in gunicorn's master (preload): workers start warm
    # with a shared database each serving process follows the other nodes' writes (started
    # here, in the process that serves: a thread of gunicorn's master would not survive the fork)
    app.before_request(library.follow)
    errors.init_app(app)
    app.register_blueprint(api.bp)
    app.register_blueprint(docs.bp)
    origins = {o.strip() for o in str(app.config["CORS_ORIGINS"] or "").split(",") if o.strip()}
    if origins:
        @app.after_request
        def allow_origin(response):
            origin = request.headers.get("Origin")
            if origin in origins or "*" in origins:
                response.headers["Access-Control-Allow-Origin"] = origin if "*" not in origins else "*"
                response.headers["Vary"] = "Origin"
                response.headers["Access-Control-Expose-Headers"] = "X-Request-ID, Location, Retry-After"
            return response
    return app
