"""Defaults for every setting; NEWSCLAIMS_<NAME> environment variables override them."""
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Defaults:
    DATA_DIR = str(PROJECT_ROOT / "instance" / "data")   # SQLite database + Whoosh index
    DATABASE_URL = None            # postgresql://… shared by nodes; unset = SQLite in DATA_DIR
    API_TOKEN = None               # bearer token for writes; unset = writes refused (403)
    MAX_CONTENT_LENGTH = 5 * 1024 * 1024   # request body limit in bytes (413 beyond)
    MAX_QUERY_CHARS = 500          # longer `q` is refused with 400
    WRITE_TIMEOUT = 10.0           # seconds a write waits for the writer lock before 503
    POSTINGS_CACHE = 2_500_000     # decoded postings each worker keeps (~8 bytes each)
    RETRY_AFTER = 2                # seconds suggested to clients on 503
    CORS_ORIGINS = ""              # comma-separated allowed origins; empty = no CORS headers
    LOG_LEVEL = "INFO"
    LOG_FORMAT = "json"            # json (one object per line, with request_id) or text
