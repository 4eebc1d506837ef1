# syncer as a long-running service: `syncer run` with the config at /etc/syncer/syncer.toml.
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY syncer ./syncer
RUN pip install . && useradd --system --uid 10001 --home-dir /var/lib/syncer --create-home syncer

USER syncer
WORKDIR /var/lib/syncer
ENV SYNCER_CONFIG=/etc/syncer/syncer.toml
ENTRYPOINT ["syncer"]
CMD ["run"]
