# syntax=docker/dockerfile:1
# Production image: gunicorn serving config.wsgi on port 8000, static files by WhiteNoise.
# The same image runs the Celery worker and beat (docker-compose.yml, docs/operations.md).
# Every setting comes from the environment at run time; nothing secret is baked in.

# --- Stage 1: the dependencies, in a virtualenv the runtime stage copies whole.
FROM python:3.11-slim AS deps

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH

WORKDIR /src
# pyproject.toml declares no packages (packages = []), so installing "." installs the dependencies
# only: this layer is rebuilt when pyproject.toml changes, not on every code change.
# README.md* may match nothing; pyproject.toml always matches.
COPY pyproject.toml README.md* ./
RUN pip install --upgrade pip && pip install ".[prod]"


# --- Stage 2: the runtime.
FROM python:3.11-slim

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONPATH=/app \
    PYTHONUNBUFFERED=1 \
    DJANGO_SETTINGS_MODULE=config.settings \
    DEBUG=0 \
    VAR_DIR=/app/var \
    WEB_CONCURRENCY=3

# Non-root user; its home holds gunicorn's control socket (~/.gunicorn).
RUN groupadd --system --gid 10001 fupin \
 && useradd --system --uid 10001 --gid fupin --create-home --home-dir /home/fupin \
      --shell /usr/sbin/nologin fupin

COPY --from=deps /opt/venv /opt/venv

WORKDIR /app
# The code stays owned by root: the application cannot rewrite itself.
COPY . .

# Build-time steps. collectstatic needs DEBUG=0 (hashed, compressed files) and *some* SECRET_KEY for
# settings to load: the throwaway key below exists only in this RUN line's environment, never in the
# image's ENV; containers get the real one at run time.
RUN SECRET_KEY=build-only-not-secret python manage.py compile_translations \
 && SECRET_KEY=build-only-not-secret python manage.py collectstatic --noinput --verbosity 1 \
 && python -m compileall -q /app \
 && mkdir -p /app/var/media /app/var/reports \
 && chown -R fupin:fupin /app/var

USER fupin

# Uploaded files, built reports, the beat schedule (and the collected static files, copied into a
# new named volume on first use; docker-compose.yml re-runs collectstatic at start for upgrades).
VOLUME ["/app/var"]

EXPOSE 8000

# Workers come from WEB_CONCURRENCY (gunicorn reads it); 4 threads each. The access log leaves out
# query strings (%(U)s is the path alone): searches may carry ID numbers.
CMD ["gunicorn", "config.wsgi:application", \
     "--bind", "0.0.0.0:8000", \
     "--worker-class", "gthread", "--threads", "4", \
     "--timeout", "120", "--graceful-timeout", "30", "--keep-alive", "5", \
     "--max-requests", "1000", "--max-requests-jitter", "100", \
     "--worker-tmp-dir", "/dev/shm", \
     "--access-logfile", "-", "--error-logfile", "-", \
     "--access-logformat", "%({x-forwarded-for}i)s %(h)s \"%(m)s %(U)s\" %(s)s %(B)s %(M)sms rid=%({x-request-id}i)s"]
