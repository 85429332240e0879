"""Configuration from ``CONNECTABILITY_*`` environment variables, with embedded defaults.

With nothing set, everything lives under ``./.connectability``: one SQLite database per
service, the local file store, the Maildir and a development signing key. Production sets
PostgreSQL URLs, addresses and keys explicitly.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ServiceName = Literal["connection", "drawing", "notification"]
SERVICE_NAMES: tuple[ServiceName, ...] = ("connection", "drawing", "notification")

# The Connection Manager web page: a fourth process of `serve`, on HTTP, not a gRPC service.
WEB = "web"

DEFAULT_PORTS: dict[str, int] = {"connection": 50051, "drawing": 50052, "notification": 50053}


class Settings(BaseSettings):
    """Every setting of every service; each process reads the ones it needs."""

    model_config = SettingsConfigDict(env_prefix="CONNECTABILITY_", extra="ignore")

    # Where embedded defaults keep their state (databases, keys, files, mail).
    data_dir: Path = Path(".connectability")
    # The interface the services listen on; 0.0.0.0 in containers.
    host: str = "127.0.0.1"
    connection_port: int = DEFAULT_PORTS["connection"]
    drawing_port: int = DEFAULT_PORTS["drawing"]
    notification_port: int = DEFAULT_PORTS["notification"]
    # Prometheus /metrics over HTTP, one port per service; 0 leaves the endpoint off.
    connection_metrics_port: int = 0
    drawing_metrics_port: int = 0
    notification_metrics_port: int = 0
    # A scrape's state gauges (read from the database) answer the scrapes of the next this
    # many seconds too, so a fast scraper cannot make a service read its database more often.
    metrics_state_ttl_seconds: float = Field(default=5.0, ge=0)
    # OpenTelemetry: an OTLP/gRPC collector ("host:4317") receives every process's spans;
    # empty leaves tracing off. Plaintext unless otlp_insecure is false.
    otlp_endpoint: str = ""
    otlp_insecure: bool = True

    # SQLAlchemy URLs; empty means SQLite under data_dir.
    connection_database_url: str = ""
    drawing_database_url: str = ""
    notification_database_url: str = ""

    # Where the connection service reaches the services below it (and the web page the
    # connection service); empty means host:port.
    connection_address: str = ""
    drawing_address: str = ""
    notification_address: str = ""

    # JWT verification keys: a JWKS document inline (starts with "{") or a path to one.
    jwt_public_keys: str = ""
    # The private JWK this process signs its own service tokens with (and `token` uses).
    jwt_signing_key: str = ""
    # Where keys made here live (`keys init`, embedded defaults): the JWT pair and the storage
    # signing secret. Empty means data_dir/keys.
    key_store_dir: str = ""
    jwt_audience: str = "connectability"
    jwt_issuer: str = "connectability-local"
    # Issuers whose tokens are accepted, comma-separated (the platform's accounts system
    # beside our own); empty means jwt_issuer alone.
    jwt_trusted_issuers: str = ""
    # The longest lifetime a token may claim (exp - iat); a longer-lived token is refused,
    # so a leaked one cannot be good for years.
    jwt_max_token_lifetime_seconds: int = 86_400
    # A standard identity provider (Keycloak, Auth0, Okta, Entra ID;
    # shared/runtime/identity_provider.py): tokens whose `iss` is jwt_provider_issuer are
    # verified against the keys at jwt_provider_jwks_url (RS256, ES256 or EdDSA, cached at
    # most 5 minutes) and must be for jwt_provider_audience (empty: jwt_audience). Such a
    # token names a directory user by its jwt_provider_user_id_claim; the company is the
    # directory's. Both empty: no provider, only our own tokens.
    jwt_provider_jwks_url: str = ""
    jwt_provider_issuer: str = ""
    jwt_provider_audience: str = ""
    jwt_provider_user_id_claim: str = "sub"
    service_token_ttl_seconds: int = 300
    # Lifetime of the tokens CreateIntegratorToken gives client applications (R31).
    integrator_token_ttl_seconds: int = 900

    # Graceful shutdown: unary calls get this long to finish before streams are cancelled.
    shutdown_grace_seconds: float = 10.0
    # Default deadline of outgoing calls when no caller deadline is passed on.
    outgoing_deadline_seconds: float = 10.0
    keepalive_time_ms: int = 30_000
    keepalive_timeout_ms: int = 10_000
    max_message_bytes: int = 4 * 1024 * 1024
    worker_threads: int = 32
    # Open server streams (shared/runtime/stream_limits.py): each holds one of the worker threads
    # while it lasts, so one caller may hold this many at a time, and outside callers
    # together this many per process; our own services' streams are not counted. A stream
    # whose next message cannot be written for this long (its client does not read) is
    # cancelled, which gives its thread back.
    stream_limit_per_principal: int = 4
    stream_limit_total: int = 16
    stream_stall_timeout_seconds: float = 30.0

    # The drawing service's storage endpoint (direct uploads and downloads over HTTP).
    drawing_storage_port: int = 50080
    # The URL clients are given for it; empty means http://host:drawing_storage_port.
    drawing_storage_public_url: str = ""
    # Connections the storage endpoint serves at once (a thread each); one more is answered
    # 503 with Retry-After at once, so slow clients cannot make it start threads unbounded.
    drawing_storage_max_connections: int = 64
    # HMAC key for upload policies and download links; empty means a local file under
    # data_dir/keys (created on first use).
    storage_signing_secret: str = ""
    # Where files live: "local" (a directory, the embedded default) or "s3" (a bucket on
    # any S3-compatible server: AWS, MinIO). Either way each file is kept once (R18).
    file_store: Literal["local", "s3"] = "local"
    # Content-addressed file store; empty means data_dir/files. With s3, uploads are
    # staged (hashed) here before they go into the bucket.
    file_store_dir: str = ""
    # The bucket (created at start if missing) and how to reach it; an empty endpoint
    # means AWS, empty keys mean boto3's usual chain (environment, profile, instance role).
    s3_bucket: str = "connectability-files"
    s3_endpoint_url: str = ""
    # The address clients reach S3 at, if not the services' (presigned URLs name it).
    s3_public_endpoint_url: str = ""
    s3_region: str = "us-east-1"
    s3_access_key_id: str = ""
    s3_secret_access_key: str = ""
    upload_max_bytes: int = 100 * 1024 * 1024
    upload_policy_ttl_seconds: int = 900
    download_url_ttl_seconds: int = 300

    # Outgoing mail (notification service). Empty host: write to a Maildir under data_dir.
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_starttls: bool = False
    smtp_username: str = ""
    smtp_password: str = ""
    mail_from: str = "Drawing Connectability <no-reply@connectability.local>"
    # The web app's address: each email links to its connection there
    # (<base>/projects/<project id>/connections/<connection id>).
    web_base_url: str = "http://127.0.0.1:8080"

    # Connection rules: the most drawing revisions either project may hold (R7), and
    # whether two projects of one company may connect (R8; the beta said no).
    revision_limit: int = 50_000
    same_company_connections_allowed: bool = True

    # Rate limits (R32, shared/runtime/rate_limits.py): calls each client application may make per
    # window unless its token names its own limit; services and platform are never limited.
    # The window is an hour (tests shorten it). Empty Redis URL: each process counts alone
    # in memory; with one, every process using that Redis (and key prefix) shares a count.
    rate_limit_per_hour: int = 3600
    rate_limit_window_seconds: float = 3600.0
    redis_url: str = ""
    rate_limit_key_prefix: str = "connectability:rate-limit"
    # Client applications (R32, services/connection/integrator_clients.py): the limit a client
    # is registered with when none is asked for (only the platform may give more; its
    # tokens carry it, so the default above is for users), and how many usable (not
    # revoked) clients one company may hold.
    integrator_default_rate_limit_per_hour: int = 3600
    integrator_clients_per_company: int = 20

    # New-revision notices of one connection are gathered into at most one email per window.
    notification_digest_window_seconds: float = 300.0
    # R25: a message the mail server cannot take is retried this long after it was queued,
    # waiting from base_delay (doubling) up to max_delay between attempts.
    notification_retry_for_seconds: float = 86_400.0
    notification_retry_base_delay_seconds: float = 1.0
    notification_retry_max_delay_seconds: float = 900.0
    # Replicas on PostgreSQL: a message being sent is held by its worker this long (renewed
    # before each send, longer than the mail server's timeout); a crashed replica's are sent
    # by another once it runs out, under the same Message-ID.
    notification_claim_lease_seconds: float = 90.0

    # Each service brings its database to the newest schema when it starts (concurrent
    # upgrades queue on PostgreSQL). Off: the one-shot `connectability migrate` does it, and
    # a service whose database is behind refuses to start, saying so.
    migrate_on_start: bool = True

    # The sync engine (connection service). A worker leases the connections it drives for
    # this long and renews the lease while it lives; a crashed replica's connections are
    # taken over once it runs out.
    sync_lease_seconds: float = 15.0
    # How long a follower waits on the upstream feed before it checks its leases and the
    # projects' states again (news wakes it at once).
    sync_wait_seconds: float = 2.0
    # Downstream connections of one upstream are applied to this many at a time.
    sync_apply_parallelism: int = 8
    # The deadline of the initial copy, one bulk operation in the drawing service.
    initial_copy_deadline_seconds: float = 900.0

    # TLS (shared/runtime/tls.py); all PEM file paths, all empty means plaintext (the default).
    # The server listens with TLS given its certificate and key; with a client CA it
    # also demands a client certificate signed by that CA (mutual TLS).
    tls_cert_file: str = ""
    tls_key_file: str = ""
    tls_client_ca_file: str = ""
    # This process's outgoing calls and health checks (TLS when any TLS setting is set):
    # the roots it trusts (empty: the system's) and the certificate it presents.
    tls_ca_file: str = ""
    tls_client_cert_file: str = ""
    tls_client_key_file: str = ""

    # Set by `serve` for each service it starts: the service's health check answers for this
    # name too, so `serve` knows it reached its own child, not another process on the port.
    instance_id: str = ""

    # The Connection Manager web page (services/web), a client of the public API only.
    web_port: int = 8080
    # How people sign in: "proxy" (a reverse proxy authenticates them and forwards
    # `Authorization: Bearer <token>`), "development" (pick a directory user; tokens signed
    # with the local signing key), or "auto": development with the embedded default keys
    # (none configured), else proxy.
    web_sign_in: Literal["auto", "proxy", "development"] = "auto"
    # Mark the web page's cookies Secure (served over HTTPS, as behind a proxy).
    web_cookie_secure: bool = False
    # Signs the web page's cookies; empty: a random secret kept in the keys dir.
    web_cookie_secret: str = ""
    # Items per page of the web page's lists.
    web_page_size: int = 20
    # Lifetime of a development sign-in's token (and of its cookie), in seconds.
    web_session_seconds: int = 8 * 3600

    log_level: str = "INFO"
    # "json" for one JSON object per line (default), "text" for people at a terminal.
    log_format: Literal["json", "text"] = "json"

    @model_validator(mode="after")
    def _provider_complete(self) -> Settings:
        if bool(self.jwt_provider_jwks_url) != bool(self.jwt_provider_issuer):
            raise ValueError(
                "set both CONNECTABILITY_JWT_PROVIDER_JWKS_URL and "
                "CONNECTABILITY_JWT_PROVIDER_ISSUER (the identity provider's `iss`), or neither"
            )
        if self.jwt_provider_jwks_url and not self.jwt_provider_user_id_claim:
            raise ValueError("CONNECTABILITY_JWT_PROVIDER_USER_ID_CLAIM may not be empty")
        return self

    def port_of(self, service: str) -> int:
        return int(getattr(self, f"{service}_port"))

    def metrics_port_of(self, service: str) -> int:
        return int(getattr(self, f"{service}_metrics_port"))

    def listening_ports(self, service: str) -> dict[str, int]:
        """The ports a service listens on, each under the variable that moves it.

        Every ``<service>_..._port`` setting is one (0 leaves an optional one off).
        """
        return {
            f"CONNECTABILITY_{field.upper()}": int(getattr(self, field))
            for field in type(self).model_fields
            if field.startswith(f"{service}_") and field.endswith("_port") and getattr(self, field)
        }

    def database_url_of(self, service: str) -> str:
        configured = str(getattr(self, f"{service}_database_url"))
        if configured:
            return configured
        return f"sqlite:///{(self.data_dir / f'{service}.db').resolve()}"

    def address_of(self, service: str) -> str:
        configured = str(getattr(self, f"{service}_address", "") or "")
        if configured:
            return configured
        return f"{self.host if self.host != '0.0.0.0' else '127.0.0.1'}:{self.port_of(service)}"

    @property
    def storage_public_url(self) -> str:
        if self.drawing_storage_public_url:
            return self.drawing_storage_public_url.rstrip("/")
        host = self.host if self.host != "0.0.0.0" else "127.0.0.1"
        return f"http://{host}:{self.drawing_storage_port}"

    @property
    def file_store_path(self) -> Path:
        return Path(self.file_store_dir) if self.file_store_dir else self.data_dir / "files"

    @property
    def keys_dir(self) -> Path:
        return Path(self.key_store_dir) if self.key_store_dir else self.data_dir / "keys"

    @property
    def public_keys_source(self) -> str:
        return self.jwt_public_keys or str(self.keys_dir / "jwks.json")

    @property
    def trusted_issuers(self) -> tuple[str, ...]:
        listed = tuple(name.strip() for name in self.jwt_trusted_issuers.split(",") if name.strip())
        return listed or (self.jwt_issuer,)

    @property
    def signing_key_source(self) -> str:
        return self.jwt_signing_key or str(self.keys_dir / "signing-key.jwk")


def load_settings() -> Settings:
    return Settings()
