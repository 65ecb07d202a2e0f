#!/usr/bin/env bash
# CI: docker-compose.yml for real. Build the image on a debootstrapped Python base (no image
# registry is reachable here), bring up the stack with deploy/compose.host.yml (this machine's
# PostgreSQL and Redis, host networking) and the demo profile's emulator, then check through
# HTTP that two web replicas and the worker work together: /readyz green, the worker synced the
# emulator's instances and confirmed their states before any page was viewed, login works, the
# list page shows the true states, and each replica serves the session alone.
# Prints each step's time. Runs as root; cleans up its containers, volumes and database.
set -euo pipefail
cd "$(dirname "$0")/.."

started=$SECONDS
step_started=$SECONDS
step_name=""
step() {
  if [ -n "$step_name" ]; then
    printf -- '--- compose: %s took %ss\n' "$step_name" "$((SECONDS - step_started))"
  fi
  step_name=$1
  step_started=$SECONDS
  printf -- '\n--- compose: %s\n' "$step_name"
}
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

step "tools: docker, compose, debootstrap"
missing=()
command -v dockerd >/dev/null || missing+=(docker.io)
command -v debootstrap >/dev/null || missing+=(debootstrap)
if ! docker compose version >/dev/null 2>&1 && ! command -v docker-compose >/dev/null; then
  missing+=(docker-compose)
fi
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
# The Compose plugin (v2) when there is one, else Debian's docker-compose (v1.29).
if docker compose version >/dev/null 2>&1; then compose=(docker compose); else compose=(docker-compose); fi
compose_version=$("${compose[@]}" version)
echo "${compose_version%%$'\n'*}"

step "docker daemon"
dockerd_pid=""
if ! docker info >/dev/null 2>&1; then
  dockerd >/var/log/partnerportal-dockerd.log 2>&1 &
  dockerd_pid=$!
  for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
fi
docker info --format 'docker {{.ServerVersion}}, storage {{.Driver}}'

# What the run creates is named after it and removed at the end however it ends (but the
# images, kept to make the next run fast).
run_id="ci$$"
workdir=$(mktemp -d)
db="partnerportal_compose_${run_id}"
redis_queue_db=${COMPOSE_CI_REDIS_DB:-13}
redis_cache_db=$((redis_queue_db + 1))
export PYTHON_IMAGE=partnerportal-base:bookworm
# One tag for every run: the next build reuses its layers (pip install) while the
# dependencies are unchanged.
export PORTAL_IMAGE=partnerportal:ci
export PORTAL_ENV_FILE="${workdir}/portal.env"
export COMPOSE_PROJECT_NAME="partnerportal-${run_id}"
WEB_PORT=$(free_port)
EMULATOR_PORT=$(free_port)
WORKER_METRICS_PORT=$(free_port)
export WEB_PORT EMULATOR_PORT
dc=("${compose[@]}" -f docker-compose.yml -f deploy/compose.host.yml --env-file "$PORTAL_ENV_FILE")
web="http://127.0.0.1:${WEB_PORT}"
emulator="http://127.0.0.1:${EMULATOR_PORT}/sandbox"
check() { python3 .ci/compose_check.py "$PORTAL_ENV_FILE" "$web" "$emulator" "$@"; }

cleanup() {
  status=$?
  trap - EXIT
  set +e
  step "clean up: containers, volumes, database, Redis data"
  if [ "$status" != 0 ] && [ -s "$PORTAL_ENV_FILE" ]; then
    echo "--- compose: failed; the stack's state and its last log lines:"
    "${dc[@]}" ps
    "${dc[@]}" logs --no-color --tail=60
  fi
  [ -s "$PORTAL_ENV_FILE" ] && "${dc[@]}" down --volumes --remove-orphans --timeout 10 >/dev/null 2>&1
  # Untagged images are the build stage's layers too (pip install): keep a week's for the cache.
  docker image prune --force --filter until=168h >/dev/null 2>&1
  psql -q -h 127.0.0.1 -U postgres -c "DROP DATABASE IF EXISTS ${db}" >/dev/null 2>&1
  redis-cli -n "$redis_queue_db" flushdb >/dev/null 2>&1
  redis-cli -n "$redis_cache_db" flushdb >/dev/null 2>&1
  if [ -n "$dockerd_pid" ]; then kill "$dockerd_pid" 2>/dev/null; wait "$dockerd_pid" 2>/dev/null; fi
  rm -rf "$workdir"
  printf -- '--- compose: %s took %ss\n' "$step_name" "$((SECONDS - step_started))"
  printf -- '--- compose: all steps took %ss\n' "$((SECONDS - started))"
  exit "$status"
}
trap cleanup EXIT

step "base image (debootstrap, cached in /var/cache/partnerportal)"
bash deploy/base-image.sh "$PYTHON_IMAGE"

step "env file, database and Redis databases on this machine's servers"
# The demo's settings, with fresh secrets, production's HTTPS, and the host's servers.
secret() { python3 -c "import secrets; print(secrets.token_urlsafe($1))"; }
fernet_key() { python3 -c 'import base64, os; print(base64.urlsafe_b64encode(os.urandom(32)).decode())'; }
cat >"${workdir}/ci.env" <<EOF
PORTAL_ENV_FILE=${PORTAL_ENV_FILE}
DJANGO_SECRET_KEY=$(secret 50)
DJANGO_ALLOWED_HOSTS=portal.ci.test
DJANGO_HTTPS=true
FIELD_ENCRYPTION_KEYS=$(fernet_key)
DATABASE_URL=postgres://postgres@127.0.0.1:5432/${db}
REDIS_URL=redis://127.0.0.1:6379/${redis_queue_db}
CACHE_URL=redis://127.0.0.1:6379/${redis_cache_db}
GREEN_API_PARTNER_URL=${emulator}
GREEN_API_INSTANCE_URL=${emulator}
GREEN_API_PARTNER_TOKEN=gac.$(python3 -c 'import secrets; print(secrets.token_hex(16))')
METRICS_TOKEN=$(secret 24)
DEMO_PASSWORD=$(secret 16)
WORKER_METRICS_PORT=${WORKER_METRICS_PORT}
EOF
replaced=$(cut -d= -f1 "${workdir}/ci.env" | paste -sd '|')
{ grep -v -E "^(${replaced})=" deploy/demo.env; cat "${workdir}/ci.env"; } >"$PORTAL_ENV_FILE"
chmod 600 "$PORTAL_ENV_FILE"
psql -q -h 127.0.0.1 -U postgres -c "CREATE DATABASE ${db}"
redis-cli -n "$redis_queue_db" flushdb >/dev/null
redis-cli -n "$redis_cache_db" flushdb >/dev/null
echo "database ${db}; Redis databases ${redis_queue_db} (queue) and ${redis_cache_db} (cache)"
echo "web on port ${WEB_PORT}, emulator on ${EMULATOR_PORT}, worker metrics on ${WORKER_METRICS_PORT}"

step "build the image (docker-compose.yml's build, on the debootstrapped base)"
"${dc[@]}" build migrate >"${workdir}/build.log" 2>&1 || { tail -40 "${workdir}/build.log"; exit 1; }
docker image inspect "$PORTAL_IMAGE" --format 'image {{.Id}}: {{.Size}} bytes, user {{.Config.User}}'

wait_healthy() {
  local deadline=$((SECONDS + $1)) id state
  shift
  for id in "$@"; do
    while state=$(docker inspect --format '{{.State.Health.Status}}' "$id"); [ "$state" != healthy ]; do
      if [ "$SECONDS" -ge "$deadline" ] || [ "$state" = unhealthy ]; then
        echo "container ${id} is ${state}"
        return 1
      fi
      sleep 1
    done
  done
}

step "emulator up (demo profile)"
# First, so that the worker's first sync finds it instead of backing off for a minute.
"${dc[@]}" --profile demo up -d emulator
wait_healthy 120 "$("${dc[@]}" ps -q emulator)"

step "stack up: postgres and redis stand-ins, migrate, two web replicas, worker, demo admin"
"${dc[@]}" --profile demo up -d --scale web=2
read -r -a web_ids <<<"$("${dc[@]}" ps -q web | tr '\n' ' ')"
[ ${#web_ids[@]} = 2 ] || { echo "expected 2 web replicas, found ${#web_ids[@]}"; exit 1; }
wait_healthy 120 "${web_ids[@]}"
"${dc[@]}" ps

step "readiness: /readyz green"
check ready

step "the worker synced the instances and their states, with no page viewed"
check worker

step "login (demo admin)"
for _ in $(seq 1 30); do  # the demo-admin one-shot may still be running
  [ "$(docker inspect --format '{{.State.Status}}' "$("${dc[@]}" ps -q demo-admin)")" = exited ] && break
  sleep 1
done
check login "${workdir}/cookies.json"

step "the pages in Russian: the image's compiled catalogues"
check russian

step "list page: every instance's true state"
check list "${workdir}/cookies.json"

step "metrics: web and worker, behind the token"
check metrics

step "each web replica alone serves the logged-in session"
for alone in 0 1; do
  other=${web_ids[$((1 - alone))]}
  docker stop --time 10 "$other" >/dev/null
  check list "${workdir}/cookies.json"
  echo "  (served by replica $((alone + 1)) alone)"
  docker start "$other" >/dev/null
  wait_healthy 120 "$other"
done
for i in 0 1; do
  pages=$(docker logs "${web_ids[$i]}" 2>&1 | grep -c '"GET /instances/ ')
  echo "  replica $((i + 1)) served ${pages} list pages"
done

