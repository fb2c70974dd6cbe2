"""The secret key that signs what we put in outgoing mail (VERP return paths, report tokens).

CC_VERP_SECRET when set. The embedded default generates one on first use and keeps it in
var/verp-secret, so signatures survive restarts; with CC_BROKER_URL several processes sign and
check, so they must share an explicit secret and a missing one is a configuration error.
"""

from __future__ import annotations

import os
import secrets
from functools import lru_cache
from pathlib import Path

from config.settings import VAR_DIR, get_settings

SECRET_FILE = "verp-secret"


class MissingSecret(RuntimeError):
    pass


def signing_key() -> bytes:
    settings = get_settings()
    if settings.verp_secret:
        return settings.verp_secret.encode()
    if settings.broker_url:
        raise MissingSecret(
            "CC_VERP_SECRET is required with CC_BROKER_URL: every process must sign and check "
            "return paths with the same key."
        )
    return _stored_key(str((VAR_DIR / SECRET_FILE).resolve()))


@lru_cache
def _stored_key(path: str) -> bytes:
    file = Path(path)
    if not file.exists():
        file.parent.mkdir(parents=True, exist_ok=True)
        # O_EXCL: two processes starting at once keep the first key written, not two.
        try:
            fd = os.open(file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as out:
                out.write(secrets.token_hex(32))
    key = file.read_text().strip()
    if not key:
        raise MissingSecret(f"{file} is empty: delete it or set CC_VERP_SECRET.")
    return key.encode()
