"""Which external services the tests may use, and what to do when one is missing.

Locally, tests needing PostgreSQL or Redis skip with a reason when the variable is unset; in CI
(`CC_REQUIRE_SERVICES=1`, set by .ci/run) they fail instead, so a broken service never hides.
"""

from __future__ import annotations

import os

import pytest

POSTGRES_VAR = "CC_TEST_POSTGRES_URL"
REDIS_VAR = "CC_TEST_REDIS_URL"
AMQP_VAR = "CC_TEST_AMQP_URL"


def required() -> bool:
    return os.environ.get("CC_REQUIRE_SERVICES") == "1"


def service_url(variable: str, what: str) -> str:
    url = os.environ.get(variable)
    if url:
        return url
    message = f"{what} tests need {variable} (e.g. set by .ci/run)"
    if required():
        pytest.fail(f"{message}, and CC_REQUIRE_SERVICES=1 forbids skipping", pytrace=False)
    pytest.skip(message)
