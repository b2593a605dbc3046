# Controller image: gunicorn serving the Jenkins-compatible API plus the scheduler process.
FROM python:3.11-slim
RUN apt-get update && apt-get install -y --no-install-recommends git curl && rm -rf /var/lib/apt/lists/* \
    && useradd --create-home --uid 1000 orchestrator \
    && mkdir -p /var/orchestrator && chown orchestrator:orchestrator /var/orchestrator
WORKDIR /opt/orchestrator
COPY . .
RUN pip install --no-cache-dir .
USER orchestrator
ENV ORCHESTRATOR_HOME=/var/orchestrator
VOLUME ["/var/orchestrator"]
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s CMD curl -fsS http://127.0.0.1:8080/healthz || exit 1
ENTRYPOINT ["orchestrator", "serve", "--host", "0.0.0.0", "--port", "8080"]
CMD ["--workers", "4"]
