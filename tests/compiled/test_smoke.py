from __future__ import annotations

import pytest

from tests.api import Api, drive_to
from tests.compiled.helpers import both_paths, compiled_answers, without_budget_left
from models.emails.tables import EmailStatus

DOC = """query Sent($after: String, $first: Int) {
  emails(folder: SENT, first: $first, after: $after) {
    __typename totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor __typename }
    edges { cursor __typename node { __typename id status folder subject to cc statusAt deliveredAt
      viewCount campaignStep groupId createdAt updatedAt messageId bulkKind } }
    nodes { id subject }
  }
}"""


async def test_smoke(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    for i in range(5):
        email = await api.create_draft(subject=f"Héllo 👋 {i}", to=[f"p{i}@example.com"])
        await drive_to(email["id"], EmailStatus.DELIVERED)
    with compiled_answers(monkeypatch) as answers:
        for after in (None,):
            compiled, general, s1, s2 = await both_paths(api, DOC, {"first": 3, "after": after})
            print(compiled)
            assert answers[-1] is not None
            assert without_budget_left(compiled) == without_budget_left(general)
            page2, general2, _, _ = await both_paths(
                api, DOC, {"first": 3, "after": compiled["data"]["emails"]["pageInfo"]["endCursor"]}
            )
            assert answers[-1] is not None
            assert without_budget_left(page2) == without_budget_left(general2)
