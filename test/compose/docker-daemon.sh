#!/usr/bin/env bash
# Makes `docker` work on a CI machine where we are root: installs Debian's docker.io, docker-compose
# and debootstrap when missing, and starts dockerd when nothing answers on its socket (CI machines
# run no init system, so nobody else will). Idempotent: a running daemon is reused as it is.
#
# Storage driver: dockerd's own choice first (overlay2 where the kernel and the filesystem allow it);
# if the daemon does not come up with it, vfs, which works everywhere (slower, more disk).
# Exits non-zero, saying why, when Docker cannot be made to work; CI must then fail.
set -euo pipefail

log_dir=${DOCKERD_LOG_DIR:-/var/log}
log_file="$log_dir/dockerd.log"

say() { printf 'docker-daemon: %s\n' "$*" >&2; }

if [ "$(id -u)" != 0 ]; then
  if docker info >/dev/null 2>&1; then exit 0; fi
  say "docker does not answer and we are not root, so it cannot be installed or started here."
  say "Start Docker yourself, or skip the compose test with SKIP_COMPOSE_TEST=1 (never in CI)."
  exit 1
fi

missing=()
command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
command -v docker-compose >/dev/null 2>&1 || docker compose version >/dev/null 2>&1 || missing+=(docker-compose)
command -v debootstrap >/dev/null 2>&1 || missing+=(debootstrap)
if [ "${#missing[@]}" -gt 0 ]; then
  say "installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if docker info >/dev/null 2>&1; then
  say "dockerd already running (storage driver $(docker info --format '{{.Driver}}'))"
  exit 0
fi

# Waits up to $1 seconds for the daemon to answer; fails early if the daemon died.
wait_for_daemon() {
  local pid=$1 seconds=$2
  for _ in $(seq 1 "$seconds"); do
    docker info >/dev/null 2>&1 && return 0
    kill -0 "$pid" 2>/dev/null || return 1
    sleep 1
  done
  return 1
}

start_daemon() {
  # setsid: the daemon outlives this script (and .ci/run) like a system service would.
  setsid dockerd "$@" >>"$log_file" 2>&1 </dev/null &
  echo $!
}

mkdir -p "$log_dir"
say "starting dockerd (log: $log_file)"
pid=$(start_daemon)
if ! wait_for_daemon "$pid" 60; then
  say "dockerd did not come up with its default storage driver; last log lines:"
  tail -n 15 "$log_file" >&2 || true
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  say "retrying with --storage-driver=vfs"
  pid=$(start_daemon --storage-driver=vfs)
  if ! wait_for_daemon "$pid" 60; then
    say "dockerd did not come up with vfs either; last log lines:"
    tail -n 30 "$log_file" >&2 || true
    exit 1
  fi
fi
say "dockerd $(docker info --format '{{.ServerVersion}}') running, pid $pid, storage driver $(docker info --format '{{.Driver}}')"
