# Production image: compiled JavaScript, run by node directly as a non-root user.
# Build: docker build -t aggregator-gateway .   (see README "Running in production")

# --- build: all dependencies, compile src/ to dist/ and the console to console/dist/ ---
FROM node:20.20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# npm workspaces: the kit's manifest must be there for `npm ci`.
COPY packages/react/package.json ./packages/react/
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY scripts ./scripts
COPY packages ./packages
COPY console ./console
RUN npm run build

# --- runtime: production dependencies and the compiled output only ---
FROM node:20.20-bookworm-slim
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=4000 \
    DATA_DIR=/data
WORKDIR /app
COPY package.json package-lock.json ./
COPY packages/react/package.json ./packages/react/
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
# The embedded store's data directory template (made by `npm run build`): a fresh /data is a copy, not an initdb.
COPY --from=build /app/.cache ./.cache
# The operator console's static assets (served only with CONSOLE_ENABLED=true in production).
COPY --from=build /app/console/dist ./console/dist
# The embedded database (used only without DATABASE_URL) lives in a volume owned by the runtime user.
RUN mkdir -p /data && chown node:node /data
VOLUME ["/data"]
USER node
EXPOSE 4000
# Liveness: the gateway's own /health (200 from the moment it listens, also while starting).
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||4000)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# Exec form, node as PID 1's only process: SIGTERM from the runtime reaches the gateway, which drains and exits.
CMD ["node", "dist/src/main.js"]
