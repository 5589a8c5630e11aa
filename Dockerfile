# syntax=docker/dockerfile:1
# opsbot's image: `docker build -t opsbot:0.1.0 .`, then `docker run --env-file .env -p 3000:3000 opsbot:0.1.0`.
# Two stages: the first builds wheels of the project and every dependency, the second installs only those wheels
# (no compiler, no pip cache, no source tree) and runs as a numeric non-root user. Checked by scripts/check-deploy.sh.

# Both stages use the same base, pinned by tag (written out twice: checkov and hadolint read no ARG in FROM).
FROM python:3.11.14-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
# only what the wheel needs (see [tool.setuptools] in pyproject.toml; README.md is the package's readme)
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY handlers ./handlers
COPY integrations ./integrations
RUN pip wheel --wheel-dir /wheels .

FROM python:3.11.14-slim-bookworm
ARG VERSION=0.1.0
ARG REVISION=unknown
LABEL org.opencontainers.image.title="opsbot" \
      org.opencontainers.image.description="A Slack-native ChatOps agent: GitHub and the ERP from Slack, with approvals that people can trust." \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.source="https://github.com/acme/opsbot" \
      org.opencontainers.image.licenses="Proprietary"
ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DATABASE_URL=sqlite+aiosqlite:////data/opsbot.db \
    HOST=0.0.0.0 \
    PORT=3000
# the wheels come in through a bind mount, so they never become a layer of this image
RUN --mount=type=bind,from=build,source=/wheels,target=/wheels \
    pip install --no-index --find-links=/wheels /wheels/opsbot-*.whl \
    && groupadd --system --gid 10001 opsbot \
    && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent \
       --shell /usr/sbin/nologin opsbot \
    && mkdir -p /data /app \
    && chown 10001:10001 /data
# the working directory holds nothing: runbooks, policy and rules are mounted and named by OPSBOT_RUNBOOKS,
# OPSBOT_POLICY and OPSBOT_RULES (a missing runbooks folder means no runbooks)
WORKDIR /app
VOLUME ["/data"]
USER 10001:10001
EXPOSE 3000
# /livez: the event loop answers (never the database, so a database blip does not mark the container unhealthy)
# python rather than curl: the slim image has no curl, and urlopen raises (exit 1) on a 503 or no answer
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/livez' % os.environ.get('PORT', '3000'), timeout=4)"]
# exec form: opsbot is PID 1 and gets SIGTERM itself (bot/app/serve.py drains on it)
ENTRYPOINT ["opsbot"]
CMD ["run"]
