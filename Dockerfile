# One image for all three apps (auth-server, user-service, order-service). The app is chosen
# by the command, e.g. `node dist/apps/user-service/src/main.js` (see docker-compose.yml);
# without one, the container runs auth-server.
#
#   docker build -t nest-oauth-m2m .
#   docker run --rm -p 3001:3001 -e DATABASE_URL=postgres://... nest-oauth-m2m \
#     node dist/apps/user-service/src/main.js

# Node 24, the current LTS line (package.json "engines": >= 22.12; Node 20 is end of life).
ARG NODE_IMAGE=node:24-bookworm-slim

# Dependency install scripts are skipped (--ignore-scripts): nothing the build or the runtime
# uses needs one. (The only packages with install scripts are the embedded PostgreSQL binaries,
# left out below, and @parcel/watcher and @swc/core, Jest dev dependencies.) This gives the same
# result whether or not the image's npm honours package.json "allowScripts" (npm 11 does, npm 10
# ignores it). package.json (with "allowScripts") is still copied before `npm ci`.
#
# ---- deps: every dependency (TypeScript, tsc-alias, ...).
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# The npm workspace (@nest-oauth-m2m/auth): npm ci links it into node_modules.
COPY libs/auth/package.json ./libs/auth/
RUN npm ci --ignore-scripts --no-audit --no-fund

# ---- build: compile @nest-oauth-m2m/auth to libs/auth/dist, then the apps to dist/.
FROM deps AS build
COPY tsconfig.json tsconfig.build.json ./
COPY libs ./libs
COPY apps ./apps
COPY scripts ./scripts
RUN npm run build && rm -f dist/.tsbuildinfo

# ---- prod-deps: runtime dependencies only. Optional dependencies are left out too: they are
# the embedded PostgreSQL binaries (~60 MB), unused because the container is always given
# DATABASE_URL. (Built in parallel with `build` under BuildKit.)
# Source maps, TypeScript sources and declarations, and Markdown are about half of what the packages
# ship (~43 of ~80 MB) and nothing loads them at run time (the image runs without
# --enable-source-maps), so they are dropped.
FROM ${NODE_IMAGE} AS prod-deps
WORKDIR /app
COPY package.json package-lock.json ./
COPY libs/auth/package.json ./libs/auth/
RUN npm ci --omit=dev --omit=optional --ignore-scripts --no-audit --no-fund && npm cache clean --force \
 && find node_modules -type f \( -name '*.map' -o -name '*.ts' -o -name '*.mts' -o -name '*.cts' -o -name '*.md' \) -delete

# ---- runtime
FROM ${NODE_IMAGE} AS runtime
WORKDIR /app
# NODE_ENV is deliberately not set here: docker-compose.yml runs the demo with
# NODE_ENV=development (placeholder secrets). For production pass NODE_ENV=production together
# with real secrets and an https ISSUER; the apps refuse to start otherwise.
# The heap cap and malloc settings every app runs with (libs/platform/src/runtime.ts:
# APP_NODE_OPTIONS, APP_GLIBC_TUNABLES).
ENV NODE_OPTIONS="--max-old-space-size=128 --max-semi-space-size=4"
ENV GLIBC_TUNABLES="glibc.malloc.mmap_threshold=131072:glibc.malloc.arena_max=2"
COPY package.json ./
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# @nest-oauth-m2m/auth: node_modules links to it; the apps load its build like any dependency.
COPY libs/auth/package.json ./libs/auth/
COPY --from=build /app/libs/auth/dist ./libs/auth/dist
# Files stay root-owned (read-only for the app); the process runs unprivileged.
USER node
# auth-server, user-service, order-service (their default ports); 9464 is /metrics in production
# (METRICS_PORT's default there) or when METRICS_PORT=9464.
EXPOSE 3000 3001 3002 9464
CMD ["node", "dist/apps/auth-server/src/main.js"]
