# syntax=docker/dockerfile:1
# EduStream image, multi-stage. Targets:
#   app   (default) API and the core/payments workers: `node --import tsx src/main/api.ts` | `... worker.ts --pools core,payments`
#   media the media worker: the same plus Debian's ffmpeg
# Code and dependencies belong to root (read-only for the process); the process runs as the unprivileged `node`
# user under tini (PID 1 forwards SIGTERM, so workers drain within their grace time, and reaps children: ffmpeg).

# 1. Everything, to build the workflow bundle the core worker loads in production (no webpack at start-up).
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build:workflows

# 2. Production dependencies only (no embedded Postgres, ffmpeg installers, test tools).
FROM node:24-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

FROM node:24-bookworm-slim AS app
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini ca-certificates \
 && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production \
    PORT=3000 \
    WORKFLOW_BUNDLE_PATH=/app/dist/workflow-bundle.js
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY . .
USER node
EXPOSE 3000
ENTRYPOINT ["/usr/bin/tini", "--"]
# The API answers /healthz on PORT; a worker on WORKER_HEALTH_PORT (set it for workers).
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.WORKER_HEALTH_PORT || process.env.PORT) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "--import", "tsx", "src/main/api.ts"]

FROM app AS media
USER root
RUN apt-get update \
 && apt-get install -y --no-install-recommends ffmpeg \
 && rm -rf /var/lib/apt/lists/*
ENV FFMPEG_PATH=/usr/bin/ffmpeg \
    FFPROBE_PATH=/usr/bin/ffprobe
USER node
CMD ["node", "--import", "tsx", "src/main/worker.ts", "--pools", "media"]
