# Forum Assistant: `docker build -t forumbot .`, then e.g.
#   docker run -d --name forumbot --env-file .env -p 127.0.0.1:8080:8080 -v forumbot:/data forumbot
# Settings come from the environment (.env.example lists them); the database is migrated on start.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# DejaVu Sans: the text of /terminfindung's picture (umlauts included).
RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY handlers ./handlers
COPY storage ./storage
RUN pip install . && rm -rf /src

# No root at run time. /data holds the SQLite file if no PostgreSQL is configured.
RUN useradd --system --uid 10001 --create-home --home-dir /data forumbot
USER forumbot
WORKDIR /data

# The reverse proxy on the host reaches the container from the bridge network's gateway (e.g.
# 172.17.0.1): trust its X-Forwarded-For. /readyz and /metrics listen on 8081, unpublished
# unless you publish them (on the host's loopback only).
ENV HTTP_HOST=0.0.0.0 \
    HTTP_PORT=8080 \
    HTTP_TRUSTED_PROXIES=172.16.0.0/12 \
    METRICS_HOST=0.0.0.0 \
    METRICS_PORT=8081 \
    DATABASE_URL=sqlite+aiosqlite:////data/forum.db \
    LOG_FORMAT=json
EXPOSE 8080 8081
VOLUME ["/data"]

# /healthz: the process answers (/readyz also needs the database and Telegram).
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD python -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('HTTP_PORT', '8080'), timeout=4)" || exit 1

# SIGTERM (docker stop) stops gracefully; give it the time to finish what is in hand.
STOPSIGNAL SIGTERM
CMD ["forumbot", "run"]
