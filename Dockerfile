# EduStream API / worker image. One image, two commands:
#   docker run … edustream            → npm run api     (Koa REST API on :3000)
#   docker run … edustream npm run worker [-- --pools media]
FROM node:24-slim

# ffmpeg/ffprobe for the media worker pool (video probe, thumbnails, renditions).
RUN apt-get update \
 && apt-get install -y --no-install-recommends ffmpeg ca-certificates \
 && rm -rf /var/lib/apt/lists/*

ENV NODE_ENV=production \
    FFMPEG_PATH=/usr/bin/ffmpeg \
    FFPROBE_PATH=/usr/bin/ffprobe \
    PORT=3000

WORKDIR /app

# Dependencies first, so that code changes do not re-run the install layer.
# tsx (runtime TypeScript) is a production dependency; dev tools (jest, eslint, tsc) are left out.
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund \
 && npm cache clean --force

COPY --chown=node:node . .

USER node
EXPOSE 3000
CMD ["npm", "run", "api"]
