# syncer as a long-running service: `syncer run` with the config at /etc/syncer/syncer.toml.
#
# The base is pinned by digest (python:3.11.7-slim-bookworm, the multi-arch index), so a
# rebuild gets the same image the tag named when it was pinned; bump tag and digest together.
# Dependencies come from requirements.lock, every file checked against its hash.
# Runs as an unprivileged user and writes nothing outside /tmp, so a read-only root file system
# works: give it a writable /tmp (an emptyDir or tmpfs) for run spools.

ARG PYTHON_IMAGE=python:3.11.7-slim-bookworm@sha256:d11b9bd5e49ea7401753d78f4d3b56f3aec952b85b49bcae88981f0452818e0b

FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/syncer
COPY requirements.lock /src/requirements.lock
# Hashes pin every wheel, setuptools (the build backend) included; nothing unlocked comes in.
RUN /opt/syncer/bin/pip install --require-hashes --no-deps -r /src/requirements.lock
COPY pyproject.toml README.md /src/
COPY syncer /src/syncer
RUN /opt/syncer/bin/pip install --no-deps --no-build-isolation /src \
    && /opt/syncer/bin/pip uninstall --yes setuptools pip \
    && /opt/syncer/bin/python -m compileall -q /opt/syncer

FROM ${PYTHON_IMAGE}
# Bytecode is compiled at build time; at run time nothing may write beside the code.
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PATH=/opt/syncer/bin:$PATH \
    SYNCER_CONFIG=/etc/syncer/syncer.toml TMPDIR=/tmp
RUN useradd --system --uid 10001 --user-group --no-create-home --home-dir /nonexistent syncer
COPY --from=build /opt/syncer /opt/syncer
USER 10001:10001
WORKDIR /tmp
EXPOSE 8080
ENTRYPOINT ["syncer"]
CMD ["run"]
