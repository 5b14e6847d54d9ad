# Distill Drops: the bot, CPU-only PyTorch, SQLite on a volume.
# Two targets: `bot` (the default, `distillbot run`) and `worker` (`distillbot worker`, a
# Celery worker for /distill runs when SANDBOX_BROKER_URL is set; see deploy/compose.yaml).
FROM python:3.11-slim AS bot

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    DATABASE_URL=sqlite:////app/data/distill.db \
    CACHE_DIR=/app/data/cache \
    HEALTH_PORT=8080

WORKDIR /app

# CPU wheels of torch from the PyTorch index keep the image free of CUDA.
RUN pip install --index-url https://download.pytorch.org/whl/cpu torch==2.13.0

COPY pyproject.toml README.md ./
COPY bot ./bot
COPY drops ./drops
COPY quizzes ./quizzes
COPY kd_sandbox ./kd_sandbox
RUN pip install .

RUN useradd --create-home --uid 10001 distill \
    && mkdir -p /app/data \
    && chown -R distill:distill /app/data
USER 10001

VOLUME ["/app/data"]
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=4)"]
CMD ["distillbot", "run"]

# The /distill worker: the same image, another command; it serves no HTTP, so the bot's
# health check does not apply (Flower and `celery inspect` watch workers).
FROM bot AS worker
HEALTHCHECK NONE
CMD ["distillbot", "worker", "--concurrency", "1", "--device", "auto"]
