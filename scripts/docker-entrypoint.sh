#!/bin/sh
# The web container's entrypoint: bring the schema and static files up to date, then run
# the command (gunicorn). Only web runs this, so migrations never race; worker and beat wait
# for web to be healthy before they start (docker-compose.yml).
set -eu
python manage.py migrate --noinput
python manage.py collectstatic --noinput
exec "$@"
