"""Live updates of emails: status changes (with `since:` replay) and folder counts.

Resolvers stay thin: `graph.live.streams` decides what a subscriber sees; this module only turns
arguments into domain values and rows into GraphQL objects.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import datetime
from typing import Annotated

import strawberry

from events import EmailChange
from graph.context import Info
from graph.emails.types import Email, FolderCounts
from graph.enums import EmailEventKind, EmailFolder, EmailStatus
from graph.errors import query_error
from graph.live import streams
from graph.live.dispatcher import get_dispatcher
from graph.loaders import Loaders
from graph.relay import decode_id, optional_id, to_global_id
from models.base.errors import DomainError
from models.emails.tables import Email as EmailRow
from models.emails.tables import folder_of
from models.teams import scope
from models.teams.tables import User


@strawberry.type(description="One committed change of an email (a step of its state machine).")
class EmailStatusChange:
    cursor: str = strawberry.field(
        description="Increases with every change; pass the last one seen as `since` to catch up."
    )
    email_id: strawberry.ID = strawberry.field(
        description="Global ID of the email (also after it was deleted)."
    )
    kind: EmailEventKind = strawberry.field(description="What happened.")
    previous_status: EmailStatus | None = strawberry.field(description="Null on creation.")
    new_status: EmailStatus | None = strawberry.field(description="Null when deleted.")
    previous_folder: EmailFolder | None = strawberry.field(
        description="The folder before; null when the email was created."
    )
    folder: EmailFolder | None = strawberry.field(description="Folder of the new status.")
    occurred_at: datetime = strawberry.field(description="When it happened, UTC.")
    email: Email | None = strawberry.field(
        description="The email as it is when the change is delivered (null once deleted)."
    )

    @classmethod
    def of(cls, change: EmailChange, row: EmailRow | None) -> EmailStatusChange:
        previous, new = change.previous_status, change.new_status
        return cls(
            cursor=str(change.cursor),
            email_id=to_global_id("Email", change.email_id),
            kind=change.kind,
            previous_status=previous,
            new_status=new,
            previous_folder=folder_of(previous) if previous else None,
            folder=folder_of(new) if new else None,
            occurred_at=change.occurred_at,
            email=Email.of(row) if row is not None else None,
        )


@strawberry.input(description="Narrow live changes; conditions combine with AND.")
class EmailChangeFilter:
    folder: EmailFolder | None = strawberry.field(
        default=None, description="Changes into, out of or within this folder."
    )
    status: EmailStatus | None = strawberry.field(
        default=None, description="Changes into or out of this status."
    )
    campaign_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only emails of this campaign."
    )
    person_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only emails to this person."
    )
    owner_id: strawberry.ID | None = strawberry.field(
        default=None, description="Team admins: only this teammate's emails ('view as')."
    )


def _pk(global_id: str | None, type_name: str) -> int | None:
    # Unknown or foreign IDs match nothing, as in the `emails` filter.
    if global_id is None:
        return None
    pk = decode_id(global_id, type_name)
    return pk if pk is not None else -1


async def _view_as(viewer: User, owner_id: str | None, field: str) -> User | None:
    return await scope.resolve_view_as(viewer, optional_id(owner_id, "User", field), field)


@strawberry.type
class EmailSubscriptions:
    @strawberry.subscription(
        description="Every change of the emails the caller may see, optionally filtered. "
        "With `since` (a cursor), the changes after it are replayed first, then live ones."
    )
    async def email_status_changed(
        self,
        info: Info,
        filter: Annotated[
            EmailChangeFilter | None,
            strawberry.argument(
                description="Only changes of matching emails; null for every email the caller may "
                "see."
            ),
        ] = None,
        since: Annotated[
            str | None,
            strawberry.argument(
                description="A `cursor` from an earlier event: replay what happened after it first."
            ),
        ] = None,
    ) -> AsyncGenerator[EmailStatusChange, None]:
        viewer = info.context.user
        spec = filter or EmailChangeFilter()
        try:
            view_as = await _view_as(viewer, spec.owner_id, "filter.ownerId")
            change_filter = streams.ChangeFilter.of(
                spec.folder,
                spec.status,
                _pk(spec.person_id, "Person"),
                _pk(spec.campaign_id, "Campaign"),
            )
            cursor = streams.parse_cursor(since)
        except DomainError as error:
            raise query_error(error) from None
        changes = streams.status_changes(get_dispatcher(), viewer, view_as, change_filter, cursor)
        async for change, row in changes:
            # Fresh loaders per change: a long-lived subscription must not serve stale rows.
            info.context.loaders = Loaders()
            yield EmailStatusChange.of(change, row)

    @strawberry.subscription(
        description="The caller's folder counts now, then whenever they change (coalesced: a "
        "burst of changes gives a few updates, the last one always current)."
    )
    async def folder_counts_changed(
        self,
        info: Info,
        view_as: Annotated[
            strawberry.ID | None,
            strawberry.argument(
                description="Team admins: a teammate's user ID; null: the caller's counts."
            ),
        ] = None,
    ) -> AsyncGenerator[FolderCounts, None]:
        viewer = info.context.user
        try:
            teammate = await _view_as(viewer, view_as, "viewAs")
        except DomainError as error:
            raise query_error(error) from None
        async for counts in streams.folder_count_updates(get_dispatcher(), viewer, teammate):
            yield FolderCounts.of(counts, viewer, teammate.id if teammate else None)
