"""Configuration from `CC_*` environment variables (see the README table)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
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
    log_level: str = "INFO"
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


@lru_cache
def get_settings() -> Settings:
    return Settings()
