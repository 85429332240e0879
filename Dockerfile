# One image for all three services; each container runs one of them:
#   connectability run-service connection|drawing|notification
FROM python:3.11-slim

WORKDIR /app
COPY pyproject.toml README.md ./
COPY connectability ./connectability
COPY shared ./shared
COPY services ./services
RUN pip install --no-cache-dir .

# Listen on every interface (other containers call in); log lines go out as written.
ENV CONNECTABILITY_HOST=0.0.0.0 \
    CONNECTABILITY_DATA_DIR=/var/lib/connectability \
    PYTHONUNBUFFERED=1
# connection, drawing, notification (gRPC); the drawing service's file uploads (HTTP)
EXPOSE 50051 50052 50053 50080
CMD ["connectability", "--help"]
