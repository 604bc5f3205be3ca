# syntax=docker/dockerfile:1
# Latchkey: multi-stage build, production dependencies only, runs as the unprivileged `node` user.
#   docker build -t latchkey .
#   docker run -e NODE_ENV=production -e KEY_ENCRYPTION_KEY=… -e DATABASE_URL=postgresql://… …
# See docker-compose.yml and docs/deployment.md.

ARG NODE_IMAGE=node:20-bookworm-slim

# 1. Build: the full install runs the postinstall script, which generates the Prisma client into
#    src/store/generated (scripts/prisma-generate.mjs; it never needs the native schema engine, a
#    placeholder is used where it cannot be downloaded) and makes the embedded database's initdb
#    template (scripts/prepare-pglite.ts). Then TypeScript compiles src/ to dist/.
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json prisma.config.ts tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY prisma ./prisma
COPY src ./src
# The npm workspace's manifest (packages/verify, a library for resource servers: not in the image).
COPY packages/verify/package.json ./packages/verify/
# The template is best effort (scripts/prepare-pglite.ts); the directory exists either way for the COPY below.
RUN npm ci --no-audit --no-fund && mkdir -p node_modules/.cache/latchkey && npm run build:server

# 2. Production dependencies only. Without the prisma CLI and the sources, the postinstall script
#    skips both of its steps; their results come from the build stage.
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
COPY packages/verify/package.json ./packages/verify/
COPY scripts ./scripts
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# 3. Runtime: the compiled server (dist/), plus the sources and generated client for the
#    `latchkey` CLI (bin/latchkey.mjs runs them through tsx, a runtime dependency).
FROM ${NODE_IMAGE} AS runtime
# UV_THREADPOOL_SIZE: libuv's pool runs argon2 and WebCrypto signing. Unset, dist/start.cjs
# sizes it to the cores the process may see, which in a container limited by a CPU quota are
# the host's; so it is set here. Keep it at the number of cores the container may use (more
# threads than cores do not hash faster, and every thread that has hashed keeps argon2's
# 19 MiB: docs/performance.md "Memory"). 2 here.
ENV NODE_ENV=production \
    PORT=3000 \
    ADMIN_PORT=3001 \
    DATABASE_URL=pglite:///app/data/pglite \
    KEYS_DIR=/app/keys \
    UV_THREADPOOL_SIZE=2
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/node_modules/.cache/latchkey ./node_modules/.cache/latchkey
COPY package.json package-lock.json tsconfig.json ./
COPY bin ./bin
COPY prisma ./prisma
COPY src ./src
COPY --from=build /app/src/store/generated ./src/store/generated
COPY --from=build /app/dist ./dist
# The only writable places: the embedded database and the development key (both unused with
# PostgreSQL and KEY_ENCRYPTION_KEY). Code and dependencies stay owned by root, read-only for node.
RUN mkdir -p /app/data /app/keys && chown node:node /app/data /app/keys
USER node
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.PORT}/readyz`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# SIGTERM reaches node directly (exec form, no shell): it drains and exits 0.
STOPSIGNAL SIGTERM
# --wasm-lazy-compilation: PGlite's and Prisma's WebAssembly compile function by function as
# used, not all at start (~300 ms faster to ready, less memory). --max-old-space-size=128 bounds
# V8's old generation (the live heap is ~30-50 MB; without a bound it grows by 100-200 MB of garbage
# under load before collecting). Same as `npm start`; raise it for a very large number of
# concurrent connections (docs/performance.md "Memory").
CMD ["node", "--wasm-lazy-compilation", "--max-old-space-size=128", "dist/start.cjs"]
