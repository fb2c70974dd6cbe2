"""Configuration from `CC_*` environment variables (see the README table)."""

from __future__ import annotations

import ipaddress
import socket
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import Field, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

VAR_DIR = Path("var")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CC_", extra="ignore")

    database_url: str = Field(
        default=f"sqlite://{VAR_DIR}/command-center.sqlite3",
        description="sqlite://PATH or postgres://USER@HOST:PORT/DB",
    )
    host: str = "127.0.0.1"
    port: int = 8000
    demo: bool = Field(default=True, description="Seed demo data into an empty database.")
    debug: bool = Field(
        default=False,
        description="Show internal error messages to clients (never in production).",
    )
    max_query_depth: int = 12
    max_aliases: int = 30
    max_tokens: int = 5000
    # Request limits (README: Limits).
    max_expanded_fields: int = Field(
        default=2000, description="Fields of an operation once its fragments are expanded."
    )
    max_query_cost: int = Field(
        default=10_000, description="Static cost one operation may have (README: Limits)."
    )
    query_budget: int = Field(
        default=100_000, description="Cost one API token may spend per minute; 0 = no budget."
    )
    query_budget_url: str = Field(
        default="",
        description="Where budgets are counted: empty = CC_EVENTS_URL or CC_BROKER_URL when "
        "Redis, else in-process; memory:// or redis://HOST:PORT/DB to choose.",
    )
    max_request_bytes: int = Field(
        default=1024 * 1024,
        description="Largest request body (POST /inbound: CC_INBOUND_MAX_BYTES); 413 above.",
    )
    log_level: str = "INFO"
    # Observability (README: Observability).
    log_format: str = Field(
        default="console",
        pattern="^(console|json)$",
        description="console: readable lines; json: one JSON object per line (log shippers).",
    )
    metrics_token: str = Field(
        default="", description="Bearer token GET /metrics requires; empty: open (keep private)."
    )
    worker_metrics_port: int = Field(
        default=0,
        description="`command-center worker` serves GET /metrics here (process i of N on +i); "
        "0: off.",
    )
    message_id_domain: str = Field(
        default="command-center.local", description="Right-hand side of generated Message-IDs."
    )
    events_url: str = Field(
        default="",
        description="Event bus for subscriptions: empty (in-process) or redis://HOST:PORT/DB.",
    )
    events_channel: str = Field(
        default="command-center:email-events",
        description="Redis pub/sub channel; processes sharing it share live updates.",
    )
    # Sending (README: Sending email).
    smtp_url: str = Field(
        default=f"file://{VAR_DIR}/mail",
        description="smtp://user:pass@host:port (?starttls=1), smtps://…, file://DIR (.eml)",
    )
    smtp_pool_size: int = Field(
        default=4, ge=1, description="SMTP connections kept open per process."
    )
    smtp_timeout: float = Field(default=30.0, gt=0, description="Seconds per SMTP command.")
    smtp_attempts: int = Field(
        default=4, ge=1, description="Tries on 4xx / connection errors inside one claim."
    )
    smtp_retry_backoff: float = Field(
        default=2.0, ge=0, description="Seconds before the 1st retry inside one claim (doubles)."
    )
    # Outages and temporary failures (README: Relay outages).
    send_retry_backoff: float = Field(
        default=60.0,
        gt=0,
        description="Seconds before an email that got a temporary failure is tried again "
        "(doubles per failure, up to CC_SEND_RETRY_MAX_BACKOFF).",
    )
    send_retry_max_backoff: float = Field(
        default=7200.0, gt=0, description="Longest wait between two tries of one email."
    )
    send_max_age: float = Field(
        default=86400.0,
        gt=0,
        description="Seconds after its first temporary failure an email is given up (FAILED).",
    )
    relay_failure_threshold: int = Field(
        default=3,
        ge=1,
        description="Relay failures in a row (refused, timed out, 4xx) that pause sending.",
    )
    relay_probe_interval: float = Field(
        default=5.0, gt=0, description="Seconds before the first probe of a relay that is DOWN."
    )
    relay_probe_max_interval: float = Field(
        default=300.0, gt=0, description="Longest wait between two probes (the wait doubles)."
    )
    broker_url: str = Field(
        default="", description="Empty: in-process workers; redis://… or amqp://… to scale out."
    )
    broker_namespace: str = Field(
        default="command-center", description="Redis key prefix, to share one Redis safely."
    )
    worker_threads: int = Field(default=8, ge=1, description="Dramatiq worker threads per process.")
    send_batch: int = Field(
        default=25, ge=1, description="Emails per send message: claimed and recorded together."
    )
    dispatch_interval: float = Field(
        default=1.0, gt=0, description="Seconds between dispatcher sweeps."
    )
    redispatch_after: float = Field(
        default=60.0,
        ge=0,
        description="Seconds before a due email whose message was lost is re-sent.",
    )
    send_lease: float = Field(
        default=600.0,
        gt=0,
        description="Seconds an email may stay IN_PROGRESS before the sweep ends it.",
    )
    send_rate_limit: int = Field(
        default=0, description="Emails per sender per CC_SEND_RATE_INTERVAL; 0 = no throttle."
    )
    send_rate_interval: float = Field(default=60.0, description="Seconds of the throttle window.")
    # Engagement (README: Engagement).
    public_url: str = Field(
        default="",
        description="Base URL of tracking links, the open pixel and unsubscribe links; "
        "empty: http://CC_HOST:CC_PORT, the address `serve` listens on.",
    )
    machine_engagement_seconds: float = Field(
        default=10.0,
        description="Opens/clicks this soon after delivery count as machine (scanners, proxies).",
    )
    daily_send_limit: int = Field(default=1000, description="Emails per user per day (their TZ).")
    # Inbound mail (README: Inbound mail).
    inbound_smtp_host: str = Field(
        default="127.0.0.1", description="Where the inbound SMTP listener accepts replies/reports."
    )
    inbound_smtp_port: int = Field(
        default=2525, description="Inbound SMTP port (embedded `serve`); 0 disables it."
    )
    inbound_token: str = Field(
        default="", description="Bearer token of POST /inbound; empty: the endpoint is off (404)."
    )
    inbound_max_bytes: int = Field(
        default=10 * 1024 * 1024, description="Largest inbound message accepted (bytes)."
    )
    # Inbound trust and retention (README: Inbound mail).
    bounce_domain: str = Field(
        default="",
        description="Domain of per-email return paths (bounce+ID-HMAC@…); empty: the Message-ID "
        "domain. Must reach the inbound listener.",
    )
    verp_secret: str = Field(
        default="",
        description="HMAC key of return paths and report tokens; empty: generated under var/ "
        "(embedded only: required with CC_BROKER_URL).",
    )
    reply_domain: str = Field(
        default="",
        description="When set, Reply-To adds a per-email reply+ID-HMAC@<domain> address (MX to "
        "the inbound listener), so replies match their email even without threading headers.",
    )
    inbound_keep_per_team: int = Field(
        default=1000, description="Unmatched/unverified messages kept per team (oldest go first)."
    )
    inbound_keep_days: float = Field(
        default=30.0, description="Days unmatched/unverified messages are kept."
    )
    inbound_sweep_interval: float = Field(
        default=60.0,
        description="Seconds between inbound sweeps (retention, messages left unprocessed).",
    )
    # Search (README: Advanced search and saved searches).
    max_saved_searches: int = Field(default=50, description="Saved searches per user.")
    saved_search_resync_seconds: float = Field(
        default=300.0,
        description="How often live saved searches with time-relative conditions are re-run.",
    )
    # Tokens (README: API tokens).
    token_recheck_seconds: float = Field(
        default=30.0,
        gt=0,
        description="How often each API process re-reads the revocation of the tokens holding "
        "its open WebSockets and SSE streams (a net under the bus's revocation messages).",
    )
    token_cache_seconds: float = Field(
        default=10.0,
        ge=0,
        description="How long an API process may answer a token from memory without reading "
        "it again (a net under the bus's revocation messages); 0 turns the cache off.",
    )
    token_cache_size: int = Field(
        default=10_000, ge=1, description="Tokens each API process keeps in memory, at most."
    )

    # Clients (README: Clients: CORS, persisted queries, caching).
    cors_origins: str = Field(
        default="",
        description="Comma-separated origins (https://app.example.com) allowed to call the API "
        "from a browser, over HTTP and WebSocket; empty: none; * any (not with credentials).",
    )
    cors_allow_credentials: bool = Field(
        default=False, description="Let browsers send cookies/HTTP auth cross-origin (no `*`)."
    )
    persisted_queries_url: str = Field(
        default="",
        description="Automatic persisted queries store: empty (in-process LRU) or redis://…",
    )
    persisted_queries_prefix: str = Field(
        default="command-center:pq", description="Redis key prefix of the persisted queries."
    )
    persisted_queries_max: int = Field(
        default=10000, description="Persisted queries kept (least recently used dropped first)."
    )
    trusted_documents: str = Field(
        default="", description="Path of the trusted documents manifest (hash -> document)."
    )
    trusted_documents_only: bool = Field(
        default=False, description="Refuse every operation that is not in CC_TRUSTED_DOCUMENTS."
    )

    # What came back (README: Bounces and replies).
    soft_bounce_limit: int = Field(
        default=3, ge=1, description="Soft bounces in a row that mark an address undeliverable."
    )

    # Campaigns (README: Campaigns).
    campaign_changes_poll: float = Field(
        default=0.5,
        description="Seconds between reads of new membership changes for live subscriptions.",
    )

    @model_validator(mode="after")
    def _no_wildcard_with_credentials(self) -> Settings:
        # A wildcard that carries the user's cookies would let any site act as the user.
        if self.cors_allow_credentials and "*" in self.cors_origin_list:
            raise ValueError("CC_CORS_ORIGINS=* is refused with CC_CORS_ALLOW_CREDENTIALS=1")
        return self

    @model_validator(mode="after")
    def _sending_settings_agree(self) -> Settings:
        problems = sending_contradictions(self)
        if problems:
            raise ValueError("contradictory sending settings:\n  " + "\n  ".join(problems))
        return self

    def smtp_worst_case(self) -> float:
        """Seconds one email's SMTP tries may take inside its claim, as the retry loop counts
        them (workers/delivery.py): every attempt timing out once, plus the backoffs between."""
        backoffs = self.smtp_retry_backoff * (2 ** (self.smtp_attempts - 1) - 1)
        return self.smtp_attempts * self.smtp_timeout + backoffs

    @property
    def cors_origin_list(self) -> list[str]:
        return [origin.strip() for origin in self.cors_origins.split(",") if origin.strip()]

    def public_base_url(self) -> str:
        """CC_PUBLIC_URL, else where this server is served (`serve --host/--port` set CC_HOST
        and CC_PORT), so links in sent mail point at a port that answers."""
        if self.public_url:
            return self.public_url.rstrip("/")
        host = self.host
        if host in ("", "0.0.0.0", "::"):  # every interface: name the machine, not "0.0.0.0"
            host = socket.getfqdn()
        if ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{self.port}"

    def public_url_warning(self) -> str | None:
        """Why sent mail's links would not work for recipients, when that is likely: mail goes
        out through a real relay while the links point at this machine's loopback."""
        if not self.smtp_url.startswith(("smtp://", "smtps://")):
            return None
        host = urlsplit(self.public_base_url()).hostname or ""
        try:
            loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
        except ValueError:
            loopback = host.endswith(".localhost")
        if not loopback:
            return None
        return (
            f"CC_PUBLIC_URL is {self.public_base_url()}, a loopback address, while mail is "
            "relayed to real recipients: their tracking and unsubscribe links will not work. "
            "Set CC_PUBLIC_URL to the address the public reaches this server at."
        )


def sending_contradictions(settings: Settings) -> list[str]:
    """Sending settings that defeat each other, each as a sentence saying what to change."""
    found = []
    worst = settings.smtp_worst_case()
    if settings.send_lease <= worst:
        found.append(
            f"CC_SEND_LEASE={settings.send_lease:g} must be longer than one email's SMTP tries "
            f"can take ({worst:g}s: CC_SMTP_ATTEMPTS={settings.smtp_attempts} × "
            f"CC_SMTP_TIMEOUT={settings.smtp_timeout:g} + backoffs from "
            f"CC_SMTP_RETRY_BACKOFF={settings.smtp_retry_backoff:g}); otherwise retries never "
            "happen. Raise CC_SEND_LEASE or lower the others."
        )
    if settings.send_retry_max_backoff < settings.send_retry_backoff:
        found.append(
            f"CC_SEND_RETRY_MAX_BACKOFF={settings.send_retry_max_backoff:g} is shorter than "
            f"CC_SEND_RETRY_BACKOFF={settings.send_retry_backoff:g}."
        )
    if settings.send_max_age <= settings.send_retry_backoff:
        found.append(
            f"CC_SEND_MAX_AGE={settings.send_max_age:g} is not longer than "
            f"CC_SEND_RETRY_BACKOFF={settings.send_retry_backoff:g}: an email with a temporary "
            "failure would fail before its first retry."
        )
    if settings.relay_probe_max_interval < settings.relay_probe_interval:
        found.append(
            f"CC_RELAY_PROBE_MAX_INTERVAL={settings.relay_probe_max_interval:g} is shorter than "
            f"CC_RELAY_PROBE_INTERVAL={settings.relay_probe_interval:g}."
        )
    if settings.smtp_pool_size > settings.worker_threads * settings.send_batch:
        found.append(
            f"CC_SMTP_POOL_SIZE={settings.smtp_pool_size} connections can never all be used by "
            f"CC_WORKER_THREADS={settings.worker_threads} × CC_SEND_BATCH={settings.send_batch} "
            "emails in flight: lower the pool or raise the others."
        )
    return found


@lru_cache
def get_settings() -> Settings:
    return Settings()


def settings_or_exit() -> Settings:
    """The settings, or SystemExit with one line per problem (`CC_…` names, no traceback):
    what `command-center` checks before doing anything."""
    try:
        return get_settings()
    except ValidationError as error:
        lines = []
        for problem in error.errors():
            where = "_".join(str(part).upper() for part in problem["loc"])
            message = str(problem["msg"]).removeprefix("Value error, ")
            lines.append(f"- CC_{where}: {message}" if where else f"- {message}")
        raise SystemExit(
            "Invalid configuration (CC_* environment variables):\n" + "\n".join(lines)
        ) from None
