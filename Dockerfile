# fleetwire in a container: `docker build -t fleetwire .`
#   docker run --rm -v fleetwire-data:/data fleetwire users add admin --role admin
#   docker run -d -v fleetwire-data:/data -p 1883:1883 -p 8080:8080 fleetwire
# Three stages: build (dev tools, compiles dist/), deps (production node_modules only), runtime.

FROM node:20-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build

FROM node:20-bookworm-slim AS deps
WORKDIR /app
# better-sqlite3 compiles from source when no prebuilt binary fits this platform.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production \
    FLEETWIRE_HOST=0.0.0.0 \
    FLEETWIRE_DB=/data/fleetwire.db \
    FLEETWIRE_USERS_FILE=/data/users.json \
    FLEETWIRE_LOG_FORMAT=json
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY package.json fleetwire.example.yaml ./
COPY docs ./docs
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME /data
EXPOSE 1883 8883 8080
# The hub handles SIGTERM itself (devices get their wills, history is flushed), also as PID 1.
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 CMD ["node", "/app/dist/cli/main.js", "healthcheck"]
ENTRYPOINT ["node", "/app/dist/cli/main.js"]
CMD ["start"]
