# syntax=docker/dockerfile:1.7
# Build stage: uv resolves from the committed lock into /app/.venv.
FROM python:3.11-slim AS build
# The uv that wrote uv.lock (scripts/setup.sh installs it the same way).
RUN pip install --no-cache-dir uv==0.13.9
ENV UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy UV_PYTHON_DOWNLOADS=never
WORKDIR /app
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --frozen --no-dev --no-install-project
COPY src ./src
COPY migrations ./migrations
COPY alembic.ini ./
RUN uv sync --frozen --no-dev --no-editable

# Runtime stage: slim image, no build tools, non-root user.
FROM python:3.11-slim AS runtime
RUN groupadd --system grins && useradd --system --gid grins --home /app grins \
    && mkdir -p /app/data && chown grins:grins /app/data
WORKDIR /app
COPY --from=build --chown=grins:grins /app/.venv /app/.venv
COPY --from=build --chown=grins:grins /app/migrations /app/migrations
COPY --from=build --chown=grins:grins /app/alembic.ini /app/alembic.ini
ENV PATH="/app/.venv/bin:$PATH" \
    PYTHONUNBUFFERED=1 \
    ENVIRONMENT=production \
    LOG_FORMAT=json \
    DATA_DIR=/app/data
USER grins
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=2)"]
CMD ["grins", "serve", "--host", "0.0.0.0", "--port", "8000", "--workers", "2"]
