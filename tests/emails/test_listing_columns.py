"""Listings load only the columns a selection needs, and still answer exactly like a full fetch."""

from __future__ import annotations

from strawberry.extensions.validation_cache import _get_validate_cache

from graph.schema import ValidateCache
from models.emails.tables import EmailStatus
from tests.api import EMAIL_FIELDS, Api, drive_to

FRAGMENTED = """
fragment Dates on Email { scheduledAt deliveredAt failedAt archivedAt statusAt }
query {
  emails(first: 50) {
    edges { node { id ... on Email { subject to cc bcc bodyText } ...Dates } }
    nodes { id renamed: subject bodyHtml messageId failureCode viewCount clickCount }
  }
}
"""


async def test_pruned_listings_match_full_fetches(api: Api) -> None:
    for n, status in enumerate(EmailStatus):
        draft = await api.create_draft(
            subject=f"s{n}", bodyText=f"t{n}", bodyHtml=f"<p>{n}</p>", cc=[f"c{n}@example.com"]
        )
        await drive_to(draft["id"], status)

    listing = (await api(FRAGMENTED))["emails"]
    for edge, node in zip(listing["edges"], listing["nodes"], strict=True):
        full = await api(
            f"query($id: ID!) {{ email(id: $id) {{ {EMAIL_FIELDS} messageId viewCount "
            "clickCount } }",
            id=edge["node"]["id"],
        )
        email = full["email"]
        for field in (
            "subject",
            "to",
            "cc",
            "bcc",
            "bodyText",
            "scheduledAt",
            "deliveredAt",
            "failedAt",
            "archivedAt",
            "statusAt",
        ):
            assert edge["node"][field] == email[field], field
        assert node["renamed"] == email["subject"]
        for field in ("bodyHtml", "messageId", "failureCode", "viewCount", "clickCount"):
            assert node[field] == email[field], field


async def test_total_count_agrees_with_the_rows_under_every_narrowing(api: Api) -> None:
    ann = await api.create_person("ann@acme.example")
    for status in (EmailStatus.DELIVERED, EmailStatus.ARCHIVED, EmailStatus.FAILED):
        await drive_to((await api.create_draft(personId=ann["id"]))["id"], status)
        await drive_to((await api.create_draft(subject="other"))["id"], status)
    query = """query($folder: EmailFolder, $status: EmailStatus, $filter: EmailFilter) {
      emails(folder: $folder, status: $status, filter: $filter, first: 100) {
        totalCount nodes { id } } }"""

    for variables in (
        {},
        {"folder": "SENT"},
        {"status": "FAILED"},
        {"filter": {"personId": ann["id"]}},
        {"folder": "SENT", "filter": {"text": "other"}},
        {"folder": "SENT", "filter": {"ownerId": (await api("{ me { id } }"))["me"]["id"]}},
    ):
        emails = (await api(query, **variables))["emails"]
        assert emails["totalCount"] == len(emails["nodes"]), variables


async def test_identical_documents_hit_the_validation_cache(api: Api) -> None:
    cache = _get_validate_cache(ValidateCache().cached_validate_document.cache_info().maxsize)
    document = "query CacheProbe { me { email } }"
    await api(document)
    hits = cache.cache_info().hits
    await api(document)
    await api(document)
    assert cache.cache_info().hits == hits + 2
