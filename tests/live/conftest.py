"""Fixtures of the live tests."""

from __future__ import annotations

import pytest

from models.teams import auth
from models.teams.tables import Role, User


@pytest.fixture
async def gap_team(db: object) -> tuple[User, User]:
    """Two members of one team (each sees only their own emails and tasks): alice and bob."""
    team = await auth.get_or_create_team("Gap")
    alice = await auth.create_user(team, "alice@gap.example", name="Alice", role=Role.MEMBER)
    bob = await auth.create_user(team, "bob@gap.example", name="Bob", role=Role.MEMBER)
    return alice, bob
