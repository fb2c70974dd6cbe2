"""Bounce parsing on real-world reports (flufl.bounce's corpus, tests/data/bounces/NOTICE.md):
every file is read as the permanent failure, temporary failure or non-bounce that
flufl.bounce's own test suite documents for it, with the same addresses."""

from __future__ import annotations

from pathlib import Path

import pytest

from models.inbound.parsing import Kind, parse
from tests.inbound.messages import CORPUS

KIND = {
    "PERMANENT": {Kind.BOUNCE_PERMANENT},
    "TEMPORARY": {Kind.BOUNCE_TEMPORARY},
    # Not a bounce: whatever else it is, never a failure (unmatched replies in practice).
    "NONE": {Kind.REPLY, Kind.AUTO_REPLY},
}


def _expected() -> list[tuple[str, str, list[str]]]:
    rows = []
    for line in (CORPUS / "expected.tsv").read_text().splitlines():
        if line.startswith("#") or not line.strip():
            continue
        name, kind, addresses, _source = line.split("\t")
        rows.append((name, kind, [] if addresses == "-" else addresses.split(",")))
    return rows


EXPECTED = _expected()


def test_the_corpus_is_large_and_every_file_has_an_expectation() -> None:
    files = {p.name for p in Path(CORPUS).glob("*.txt")}
    assert files == {name for name, _, _ in EXPECTED}
    assert len(files) >= 100
    kinds = [kind for _, kind, _ in EXPECTED]
    # Formats that must not be read as a permanent failure are in it too.
    assert kinds.count("TEMPORARY") >= 10 and kinds.count("NONE") >= 5


@pytest.mark.parametrize(("name", "kind", "addresses"), EXPECTED, ids=[r[0] for r in EXPECTED])
def test_corpus_message_is_classified_as_documented(
    name: str, kind: str, addresses: list[str]
) -> None:
    parsed = parse((CORPUS / name).read_bytes(), max_bytes=10_000_000)
    assert parsed.kind in KIND[kind], (parsed.kind, parsed.detail)
    if kind != "NONE":
        assert sorted(parsed.failed) == sorted(addresses)
        assert parsed.detail


def test_dsn_detail_carries_status_and_diagnostic() -> None:
    parsed = parse((CORPUS / "dsn_10.txt").read_bytes(), max_bytes=10_000_000)
    assert parsed.kind is Kind.BOUNCE_PERMANENT
    assert "anne.person@dom.ain: failed 5.0.0" in parsed.detail
    assert "550" in parsed.detail
    delayed = parse((CORPUS / "dsn_05.txt").read_bytes(), max_bytes=10_000_000)
    assert delayed.kind is Kind.BOUNCE_TEMPORARY
    assert "delayed 4.4.1" in delayed.detail


@pytest.mark.parametrize(
    ("name", "original"),
    [
        ("dsn_10.txt", "<200210211625.12753.b.a.dude@example.com>"),  # message/rfc822 part
        ("dsn_14.txt", "<mailman.2721.1143482819.1567.gpc-talk@grizz.org>"),
        ("simple_38.txt", "<2ee7df1322121930966bcc2318379726@localhost>"),  # Original-Message-ID
        ("exim_01.txt", "<19990920022322.A19735@stereo.rotzorg.org>"),  # quoted in the text
    ],
)
def test_original_message_id_is_found(name: str, original: str) -> None:
    parsed = parse((CORPUS / name).read_bytes(), max_bytes=10_000_000)
    assert parsed.refers_to[0] == original


def test_a_reply_quoting_a_failure_is_still_a_reply() -> None:
    raw = (
        b"From: Pat <pat@example.com>\r\nTo: alice@a.example\r\nSubject: Re: Hello\r\n"
        b"Date: Thu, 1 Jan 2026 10:00:00 +0000\r\nMessage-ID: <r1@example.com>\r\n"
        b"In-Reply-To: <abc@command-center.local>\r\n\r\n"
        b"My old address said: 550 5.1.1 <old@example.com>... User unknown\r\n"
    )
    parsed = parse(raw, max_bytes=10_000)
    assert parsed.kind is Kind.REPLY
    assert parsed.refers_to == ["<abc@command-center.local>"]
