# syntax=docker/dockerfile:1
# Latchkey: multi-stage build, production dependencies only, runs as the unprivileged `node` user.
#   docker build -t latchkey .
#   docker run -e NODE_ENV=production -e KEY_ENCRYPTION_KEY=… -e DATABASE_URL=postgresql://… …
# See docker-compose.yml and docs/deployment.md.

ARG NODE_IMAGE=node:20-bookworm-slim

# 1. Generate the Prisma client. `prisma generate` needs the prisma CLI, a devDependency: the
#    full install runs the postinstall script (scripts/prisma-generate.mjs), which writes the
#    client to src/store/generated. It never needs the native schema engine (a placeholder is
#    used where it cannot be downloaded); migrations run through the WASM engine at start.
FROM ${NODE_IMAGE} AS client
WORKDIR /app
COPY package.json package-lock.json prisma.config.ts ./
COPY scripts ./scripts
COPY prisma ./prisma
RUN npm ci --no-audit --no-fund

# 2. Production dependencies only. Without the prisma CLI the postinstall script skips generation.
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
COPY scripts ./scripts
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# 3. Runtime: sources run through tsx (a runtime dependency), plus the generated client.
FROM ${NODE_IMAGE} AS runtime
# UV_THREADPOOL_SIZE: libuv's pool runs argon2 and WebCrypto signing. It is sized when the
# process starts, before any application code, so it is set here and not in code. Keep it at
# least the number of cores the container may use.
ENV NODE_ENV=production \
    PORT=3000 \
    ADMIN_PORT=3001 \
    DATABASE_URL=pglite:///app/data/pglite \
    KEYS_DIR=/app/keys \
    UV_THREADPOOL_SIZE=4
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json package-lock.json tsconfig.json ./
COPY bin ./bin
COPY prisma ./prisma
COPY src ./src
COPY --from=client /app/src/store/generated ./src/store/generated
# The only writable places: the embedded database and the development key (both unused with
# PostgreSQL and KEY_ENCRYPTION_KEY). Code and dependencies stay owned by root, read-only for node.
RUN mkdir -p /app/data /app/keys && chown node:node /app/data /app/keys
USER node
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.PORT}/readyz`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# SIGTERM reaches node directly (exec form, no shell): it drains and exits 0.
STOPSIGNAL SIGTERM
CMD ["node", "--import", "tsx", "src/main.ts"]
