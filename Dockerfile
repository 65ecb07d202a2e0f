# The portal's one image: `web` (gunicorn), `worker` (manage.py run_huey), the one-shot
# `migrate`, and in the demo profile the emulator (docker-compose.yml, docs/deploy.md).
#
# PYTHON_IMAGE is any Debian-based image with python3 (3.11 or newer) and its venv module. The
# default is pinned; pin it by digest too in production. CI, which reaches no image registry,
# passes a base it made with debootstrap (deploy/base-image.sh).
ARG PYTHON_IMAGE=python:3.11.13-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /src
# Exactly the runtime dependencies of pyproject.toml and what they pull in, pinned by
# deploy/lock.py (not the dev extra). Only this file decides whether this layer is rebuilt.
COPY deploy/requirements.txt ./
RUN python3 -m venv /opt/venv \
 && /opt/venv/bin/pip install --no-input --progress-bar off -r requirements.txt

FROM ${PYTHON_IMAGE}
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    DJANGO_SETTINGS_MODULE=partnerportal.settings \
    HUEY_SQLITE_PATH=/data/huey.sqlite3
# A fixed non-root user, written directly: minimal bases may lack useradd. /data is the one
# writable directory (the emulator's SQLite file in the demo); the code is root's, read-only.
RUN echo 'portal:x:10001:10001:Partner Portal:/app:/usr/sbin/nologin' >>/etc/passwd \
 && echo 'portal:x:10001:' >>/etc/group \
 && mkdir -p /data && chown 10001:10001 /data
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
COPY . .
# Static files hashed and compressed for whitenoise, and bytecode, at build time. collectstatic
# loads the production settings, which need their secrets set: throwaway values serve here.
# They are exported so that both management commands see them.
RUN export DJANGO_DEBUG=false DJANGO_SECRET_KEY=build FIELD_ENCRYPTION_KEYS=build \
    GREEN_API_PARTNER_TOKEN=build HUEY_SQLITE_PATH=/tmp/huey.sqlite3 \
 && python manage.py collectstatic --no-input -v 0 \
 && python manage.py compile_catalogues -v 0 \
 && rm -f /tmp/huey.sqlite3 \
 && python -m compileall -q /app
USER 10001:10001
EXPOSE 8000
CMD ["gunicorn", "--config", "deploy/gunicorn.conf.py", "partnerportal.wsgi:application"]
