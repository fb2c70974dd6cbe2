"""Reading templates: the team's shared ones and the caller's private ones."""

from __future__ import annotations

from typing import Annotated

import strawberry

from graph.context import Info
from graph.errors import or_query_error
from graph.relay import After, Before, Connection, First, Last, decode_id
from graph.templates.types import Template
from models.base.pagination import paginate
from models.templates import commands as templates


@strawberry.input(description="Narrow the template list; conditions combine with AND.")
class TemplateFilter:
    text: str | None = strawberry.field(default=None, description="In the name or subject.")
    owner_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only templates of this user; null for any owner."
    )
    shared: bool | None = strawberry.field(
        default=None,
        description="True: only templates shared with the team; false: only private ones; "
        "null: both.",
    )

    def to_domain(self) -> templates.TemplateFilter:
        owner_id = decode_id(self.owner_id, "User") if self.owner_id is not None else None
        return templates.TemplateFilter(
            text=self.text,
            # An unknown or foreign owner matches nothing, like a teammate with no templates.
            owner_id=-1 if self.owner_id is not None and owner_id is None else owner_id,
            shared=self.shared,
        )


@strawberry.type
class TemplateQueries:
    @strawberry.field(description="Templates the caller may use, by name.")
    async def templates(
        self,
        info: Info,
        filter: Annotated[
            TemplateFilter | None,
            strawberry.argument(
                description="Narrow the list; null for every template the caller may use."
            ),
        ] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Template]:
        viewer = info.context.user

        async def run() -> Connection[Template]:
            query = templates.template_query(viewer, filter.to_domain() if filter else None)
            page = await paginate(
                query, templates.TEMPLATE_ORDER, first=first, after=after, last=last, before=before
            )
            return Connection[Template].of(page, query, Template.of)

        return await or_query_error(run)

    @strawberry.field(description="One template the caller may use, or null.")
    async def template(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="Global ID of the template.")],
    ) -> Template | None:
        pk = decode_id(id, "Template")
        if pk is None:
            return None
        row = await templates.visible_templates(info.context.user).get_or_none(id=pk)
        return Template.of(row) if row else None
