"""gunicorn's settings for the web service. gunicorn reads this file from its working directory
(/app in the image), so docker-compose.yml's web command, the Dockerfile's CMD and
scripts/load_test.py all run with it; flags on the command line win over it."""

import os

# Sync workers, one request each: three keep two cores busy while one waits on PostgreSQL.
# WEB_CONCURRENCY (gunicorn's own variable) changes the count, e.g. 2 x cores + 1 elsewhere.
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
threads = int(os.environ.get("WEB_THREADS", "1"))
# A request still running after this many seconds is killed and its worker restarted.
timeout = 60
