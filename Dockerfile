# One image for all three services; each container runs one of them:
#   connectability run-service connection|drawing|notification
# and the one-shot jobs before them: `connectability keys init`, `connectability migrate ...`.
# Pinned to a patch release and a Debian release: a rebuild does not move the interpreter.
FROM python:3.11.11-slim-bookworm

# The services need no root: they run as a user of their own. The folders that named volumes
# are mounted on are created here, owned by that user, so a fresh volume starts out writable
# by it.
RUN useradd --system --uid 10001 --user-group --no-create-home connectability \
    && mkdir -p /run/keys /var/lib/connectability/files \
    && chown -R connectability:connectability /run/keys /var/lib/connectability

WORKDIR /app
# The dependencies first, in a layer of their own: a change to the code reuses it and
# reinstalls nothing. Exactly the versions of requirements.lock (`make lock`), each checked
# against its hash, so every build of one commit installs the same files.
COPY requirements.lock ./
RUN pip install --no-cache-dir --require-hashes -r requirements.lock
COPY pyproject.toml README.md ./
COPY buf ./buf
COPY connectability ./connectability
COPY shared ./shared
COPY services ./services
RUN pip install --no-cache-dir --no-deps .

# Listen on every interface (other containers call in); log lines go out as written.
ENV CONNECTABILITY_HOST=0.0.0.0 \
    CONNECTABILITY_DATA_DIR=/var/lib/connectability \
    PYTHONUNBUFFERED=1
USER connectability
# connection, drawing, notification (gRPC); the drawing service's file uploads (HTTP)
EXPOSE 50051 50052 50053 50080 8080
CMD ["connectability", "--help"]
