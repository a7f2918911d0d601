"""Production gunicorn settings; NEWSCLAIMS_WORKERS / NEWSCLAIMS_THREADS override."""
import os

workers = int(os.environ.get("NEWSCLAIMS_WORKERS", "2"))
threads = int(os.environ.get("NEWSCLAIMS_THREADS", "4"))
worker_class = "gthread"          # threads keep keep-alive connections open
keepalive = 30
timeout = 30                      # a worker stuck longer than this is restarted
graceful_timeout = 10
preload_app = True                # load jieba and open the index once, share pages with workers
accesslog = None
errorlog = "-"
