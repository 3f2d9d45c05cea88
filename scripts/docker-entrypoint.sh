#!/bin/sh
# The web container's entrypoint: collect static files into this container (whitenoise serves
# them from there), then run the command (gunicorn). Migrations are not run here: several web
# replicas would race; compose's one-shot `migrate` service runs them before any web or
# worker starts (docker-compose.yml).
set -eu
python manage.py collectstatic --noinput
exec "$@"
