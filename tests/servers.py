"""Real gunicorn servers for the end-to-end, fuzzing, concurrency and crash tests.

`Gunicorn(data_dir, ...)` starts the production config (service/gunicorn_conf.py) on a free
loopback port in its own process group, waits for /health, and stops (or SIGKILLs) the whole
group. `http()` is a small urllib client that never raises on an HTTP status.
"""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from helpers import ROOT, SEEDS, TOKEN

BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Reply:
    status: int
    headers: dict
    body: object          # parsed JSON when the response is JSON, else bytes

    @property
    def mimetype(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip()


def http(base: str, method: str, path: str, body=None, token: str | None = None, timeout: float = 30,
         headers: dict | None = None) -> Reply:
    """One request on a new connection (so it may land on any worker)."""
    data = None if body is None else (body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode())
    request = urllib.request.Request(base + path, data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status, head, raw = response.status, response.headers, response.read()
    except urllib.error.HTTPError as err:
        status, head, raw = err.code, err.headers, err.read()
    head = {k.lower(): v for k, v in head.items()}
    body = json.loads(raw) if raw and "json" in head.get("content-type", "") else raw
    return Reply(status, head, body)


def ingest_seeds(data_dir: Path) -> None:
    """Load the five seeds with the CLI (the same path `./run serve` takes)."""
    subprocess.run([str(BIN / "newsclaims"), "ingest", "--data-dir", str(data_dir), str(SEEDS)],
                   cwd=ROOT, check=True, capture_output=True, timeout=120)


@dataclass
class Gunicorn:
    data_dir: Path
    workers: int = 2
    threads: int = 4
    env: dict = field(default_factory=dict)
    port: int = 0
    process: subprocess.Popen | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60) -> "Gunicorn":
        self.port = free_port()
        env = {**os.environ, "NEWSCLAIMS_DATA_DIR": str(self.data_dir), "NEWSCLAIMS_API_TOKEN": TOKEN,
               "NEWSCLAIMS_WORKERS": str(self.workers), "NEWSCLAIMS_THREADS": str(self.threads),
               "NEWSCLAIMS_LOG_LEVEL": "WARNING", **self.env}
        self.log = open(self.data_dir.parent / f"gunicorn-{self.port}.log", "wb")
        # a process group of its own: kill() reaches the master and every worker at once
        self.process = subprocess.Popen(
            [str(BIN / "gunicorn"), "--config", "service/gunicorn_conf.py", "--bind", f"127.0.0.1:{self.port}",
             "service:create_app()"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=self.log, start_new_session=True)
        deadline = time.monotonic() + timeout
        while True:
            try:
                if http(self.base, "GET", "/health", timeout=5).status == 200:
                    return self
            except OSError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.kill()
                raise RuntimeError("gunicorn did not start:\n" + self.log_text()[-3000:])
            time.sleep(0.1)

    def log_text(self) -> str:
        return (self.data_dir.parent / f"gunicorn-{self.port}.log").read_text(errors="replace")

    def stop(self, timeout: float = 20) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill()
        self._close()

    def kill(self) -> None:
        """SIGKILL the master and all its workers (the whole process group), no clean-up."""
        if self.process is not None:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.process.wait(timeout=20)
        self._close()

    def _close(self) -> None:
        log = getattr(self, "log", None)
        if log is not None and not log.closed:
            log.close()
