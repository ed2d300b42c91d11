"""gunicorn settings for one geomap web worker process (see docs/deploy.md).

Run ``gunicorn -c docs/deploy/gunicorn.conf.py 'geomap.web:create_app()'`` with the
``GEOMAP_*`` variables set; ``GEOMAP_BIND`` overrides the address.
"""

import os

bind = os.environ.get("GEOMAP_BIND", "127.0.0.1:8001")
workers = int(os.environ.get("GEOMAP_WORKERS", "1"))
worker_class = "gthread"  # threads share one store (and its connection pool) per process
threads = 8
timeout = 600  # a whole-layer download streams for minutes
graceful_timeout = 30
# No preload: each worker opens its own connection pool after the fork.
preload_app = False
