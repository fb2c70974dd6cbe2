"""The benchmarks' own honesty: the raw baseline writes timestamps as the API does, every missed
target is a miss, and cached benchmark databases come out of a run unchanged."""

from __future__ import annotations

from pathlib import Path

import pytest
from tortoise.connection import get_connection

from bench import _db
from bench._raw_app import _iso
from bench._report import Machine, Result
from models.emails.tables import EmailStatus
from tests.api import Api, drive_to


async def test_raw_route_timestamps_are_the_apis(api: Api) -> None:
    """On SQLite the driver hands back the stored text; the raw route must still send the ISO
    8601 string the API sends (on PostgreSQL it gets a datetime)."""
    draft = await api.create_draft(subject="iso")
    email = await drive_to(draft["id"], EmailStatus.DELIVERED)
    data = await api(
        "query($id: ID!) { node(id: $id) { ... on Email { statusAt deliveredAt } } }",
        id=draft["id"],
    )
    conn = get_connection("default")
    mark = "?" if conn.capabilities.dialect == "sqlite" else "$1"
    _, rows = await conn.execute_query(
        f"SELECT status_at, delivered_at FROM email WHERE id = {mark}", [email.id]
    )
    assert _iso(rows[0]["status_at"]) == data["node"]["statusAt"]
    assert _iso(rows[0]["delivered_at"]) == data["node"]["deliveredAt"]
    assert _iso(None) is None


def test_every_missed_target_is_a_miss() -> None:
    absolute = Result("live", 2.1, "ms", baseline=0.5, value_at_most=1.5)
    assert (absolute.target, absolute.verdict) == ("≤ 1.5 ms", "MISS")
    assert Result("live", 1.2, "ms", baseline=0.5, value_at_most=1.5).verdict == "PASS"
    both = Result("count", 90.0, "ms", baseline=80.0, at_most=1.2, value_at_most=100.0)
    assert (both.target, both.verdict) == ("≤ 1.2×, ≤ 100 ms", "PASS")
    assert Result("count", 90.0, "ms", baseline=70.0, at_most=1.2).verdict == "MISS"
    assert Result("info", 1.0, "ms", baseline=1.0).verdict == ""
    assert Result("no baseline", 1.0, "ms", at_least=0.5).verdict == "MISS"


def test_machine_load_is_reported() -> None:
    load = Machine().load()
    assert load.startswith("la ") and "cores" in load
    row = Result("x", 1.0, "ms").measured_under(load)
    assert row.load == load
    assert row.measured_under("other").load == load  # its own load wins


async def _seed(url: str) -> None:
    async with _db.orm(url):
        await get_connection("default").execute_script("CREATE TABLE mark (n INTEGER)")


async def _write(url: str, n: int) -> None:
    async with _db.orm(url):
        await get_connection("default").execute_script(f"INSERT INTO mark VALUES ({n})")


def _files(directory: Path, prefix: str) -> list[Path]:
    return [p for p in directory.iterdir() if p.name.startswith(prefix)]


async def _write_to_the_cached_file() -> None:
    async with _db.sqlite_database("unit", _seed, scratch=False) as url:
        await _write(url, 2)


async def test_cached_databases_come_out_unchanged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_db, "VAR", tmp_path)
    async with _db.sqlite_database("unit", _seed) as url:  # a scratch copy: writes stay there
        assert "scratch-" in url
        await _write(url, 1)
    cached = _files(tmp_path, "unit-")
    assert len(cached) == 1
    assert _files(tmp_path, "scratch-") == []

    with pytest.raises(_db.CachedDatabaseChanged):
        await _write_to_the_cached_file()
    assert _files(tmp_path, "unit-") == []  # deleted: the next run rebuilds it
