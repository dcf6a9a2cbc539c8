# vco-events: pulls VeloCloud Orchestrator events into NDJSON files on a schedule.
#   docker build -t vco-events .          (see docs/container.md)
# NODE_IMAGE is a build argument so a locally made Node 24 image can stand in (scripts/test-container.sh).
ARG NODE_IMAGE=node:24-bookworm-slim

# --- build: dev dependencies, the TypeScript compiler and esbuild, none of which ships ---
FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` would compile before the sources are copied in.
RUN npm ci --ignore-scripts --no-audit --no-fund --no-update-notifier
COPY tsconfig.json ./
COPY src ./src
COPY scripts/bundle.mjs ./scripts/
# tsc, then esbuild bundles the CLI and its dependencies into dist/bin (one chunk per command).
RUN npm run build

# --- runtime: the bundled JavaScript only; the dependencies are inside the bundle ---
FROM ${NODE_IMAGE}
ENV NODE_ENV=production \
    VCO_DATA_DIR=/data \
    VCO_CRONTAB=/app/crontab \
    VCO_RUN_ON_START=true
WORKDIR /app
COPY package.json crontab ./
COPY --from=build /src/dist/bin ./dist/bin
# The code stays root-owned and read-only to the user that runs it; only /data is theirs.
RUN chmod 0755 dist/bin/cli.js \
 && ln -s /app/dist/bin/cli.js /usr/local/bin/vco-events \
 && mkdir -p /data && chown 1000:1000 /data && chmod 0750 /data
# Numeric, so it needs no passwd entry and any --user/`user:` uid works the same way.
USER 1000:1000
VOLUME ["/data"]
HEALTHCHECK --interval=1m --timeout=30s --start-period=15m --retries=3 \
  CMD ["vco-events", "status", "--max-age", "45m"]
ENTRYPOINT ["vco-events"]
CMD ["schedule"]
