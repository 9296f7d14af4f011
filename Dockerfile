# The gateway image for docker-compose.yml (not built on the development machines: no engine).
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml constraints.txt README.md ./
COPY hqg hqg
COPY privacy privacy
COPY ingestion ingestion
COPY retrieval retrieval
COPY gateway gateway
COPY policies policies
COPY evals evals
# torch first and pinned, as in the Makefile; on PyPI this is the larger CUDA build unless a
# CPU wheel is provided to pip (e.g. with --find-links).
RUN pip install --no-cache-dir torch==2.13.0 \
 && pip install --no-cache-dir -c constraints.txt . \
 && useradd --create-home hqg
USER hqg
ENV HF_HUB_OFFLINE=1
EXPOSE 8080
