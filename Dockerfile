# Production image: web (gunicorn), worker and beat all run from it (docker-compose.yml).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=congress.settings \
    PORTAL_VAR_DIR=/app/var

WORKDIR /app

# Dependencies first, read from pyproject.toml, so that a code change reuses this layer.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

COPY manage.py gunicorn.conf.py ./
COPY congress ./congress
COPY congresses ./congresses
COPY accounts ./accounts
COPY units ./units
COPY deputies ./deputies
COPY suggestions ./suggestions
COPY planning ./planning
COPY notifications ./notifications
COPY rollups ./rollups
COPY imports ./imports
COPY api ./api
COPY dashboards ./dashboards
COPY evaluation ./evaluation
COPY commitments ./commitments
COPY supervision ./supervision
COPY templates ./templates
COPY static ./static
COPY scripts ./scripts
# Editable, so the code runs from /app (BASE_DIR finds templates/ and static/ beside it).
RUN pip install --no-deps --editable .

# Non-root: only var/ (collected static files, media volume, beat schedule) is writable.
RUN useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin portal \
    && mkdir -p /app/var/media /app/var/staticfiles \
    && chown -R portal:portal /app/var
USER portal

EXPOSE 8000
# Workers, threads and timeout: gunicorn.conf.py, read from the working directory.
CMD ["gunicorn", "congress.wsgi", "--bind", "0.0.0.0:8000", "--no-control-socket"]
