"""The schema: per-domain query and mutation types merged into one, with the safety extensions."""

from __future__ import annotations

from collections.abc import Iterator

import strawberry
from graphql import GraphQLError, GraphQLSyntaxError
from strawberry.extensions import (
    MaskErrors,
    MaxTokensLimiter,
    ParserCache,
    ValidationCache,
)
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext as StrawberryExecutionContext
from strawberry.types.base import get_object_definition

from config.settings import get_settings
from graph import outage, request_ids
from graph.activity.queries import ActivityQueries
from graph.activity.subscriptions import ActivitySubscriptions
from graph.bulk.mutations import BulkMutations
from graph.campaigns.mutations import CampaignMutations
from graph.campaigns.queries import CampaignQueries
from graph.campaigns.subscriptions import CampaignSubscriptions
from graph.campaigns.types import Campaign, CampaignMembership, CampaignStep
from graph.emails.mutations import EmailMutations
from graph.emails.queries import EmailQueries
from graph.emails.subscriptions import EmailSubscriptions
from graph.emails.types import Email, EmailEvent
from graph.error_log import is_internal, log_errors
from graph.errors import TypedGraphQLError
from graph.execution import ExecutionContext
from graph.inbound.queries import InboundQueries
from graph.input_check import ControlCharacterNet, refuse_in_mutations
from graph.limits.extension import QueryBudgetCharge, QueryPrecheck
from graph.node import NodeQueries
from graph.people.mutations import PeopleMutations
from graph.people.queries import PeopleQueries
from graph.people.types import Person
from graph.reports.queries import ReportQueries
from graph.request_log import ObservedOperation
from graph.search.mutations import SearchMutations
from graph.search.queries import SearchQueries
from graph.search.subscriptions import SearchSubscriptions
from graph.search.types import SavedSearch
from graph.sending.queries import SendingQueries
from graph.sending.subscriptions import SendingSubscriptions
from graph.tasks.mutations import TaskMutations
from graph.tasks.queries import TaskQueries
from graph.tasks.subscriptions import TaskSubscriptions
from graph.tasks.types import Task
from graph.templates.mutations import TemplateMutations
from graph.templates.preview import PreviewQueries
from graph.templates.queries import TemplateQueries
from graph.templates.types import Template
from graph.users.mutations import UserMutations
from graph.users.profile import ProfileMutations
from graph.users.queries import UserQueries
from graph.users.types import Team, User
from models.base.errors import ErrorCode

Query = merge_types(
    "Query",
    (
        UserQueries,
        NodeQueries,
        EmailQueries,
        PeopleQueries,
        TemplateQueries,
        PreviewQueries,
        TaskQueries,
        ActivityQueries,
        InboundQueries,
        SearchQueries,
        CampaignQueries,
        ReportQueries,
        SendingQueries,
    ),
)
Mutation = merge_types(
    "Mutation",
    (
        EmailMutations,
        PeopleMutations,
        TemplateMutations,
        BulkMutations,
        TaskMutations,
        SearchMutations,
        UserMutations,
        ProfileMutations,
        CampaignMutations,
    ),
)
refuse_in_mutations(get_object_definition(Mutation, strict=True).fields)
Subscription = merge_types(
    "Subscription",
    (
        EmailSubscriptions,
        TaskSubscriptions,
        ActivitySubscriptions,
        SearchSubscriptions,
        CampaignSubscriptions,
        SendingSubscriptions,
    ),
)
# merge_types takes no description: set it on the merged definitions.
for _root, _description in (
    (
        Query,
        "Everything to read, scoped to the caller's team (members: their own emails and tasks; "
        "admins: the team's). Another team's IDs behave like IDs that do not exist.",
    ),
    (
        Mutation,
        "Everything to change. Each mutation takes one `input` and returns a payload with "
        "`userErrors`; when refused, nothing changes.",
    ),
    (
        Subscription,
        "Live updates over graphql-transport-ws, SSE or multipart HTTP; arguments are checked "
        "first, like a query's.",
    ),
):
    get_object_definition(_root, strict=True).description = _description

_settings = get_settings()


class TokenLimit(MaxTokensLimiter):
    def __init__(self) -> None:
        super().__init__(max_token_count=_settings.max_tokens)


class ParseCache(ParserCache):
    def __init__(self) -> None:
        super().__init__(maxsize=1024)

    def on_parse(self) -> Iterator[None]:
        try:
            yield from super().on_parse()
        except GraphQLSyntaxError as error:
            # The token limit (CC_MAX_TOKENS) is a request limit like the others: give it a code.
            if "Document contains more than" in error.message:
                error.extensions = {
                    "code": ErrorCode.QUERY_TOO_LARGE.value,
                    "limit": _settings.max_tokens,
                }
            raise


class ValidateCache(ValidationCache):
    def __init__(self) -> None:
        super().__init__(maxsize=1024)

    def on_validate(self) -> Iterator[None]:
        if self.execution_context.pre_execution_errors:
            yield  # refused by the precheck (graph/limits/): not worth validating
            return
        yield from super().on_validate()


class MaskInternalErrors(MaskErrors):
    def __init__(self) -> None:
        super().__init__(
            should_mask_error=is_internal,
            error_message="Internal server error.",
        )

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        if outage.is_database_unavailable(error.original_error):
            return outage.unavailable_error(error)  # SERVICE_UNAVAILABLE: HTTP 503, retry later
        masked = super().anonymise_error(error)
        # The request id leads from the client's report to the logged traceback.
        masked.extensions = {
            "code": "INTERNAL_SERVER_ERROR",
            "requestId": request_ids.current(),
        }
        return masked


# Depth, alias, expanded-size and cost limits (graph/limits/): the precheck before validation,
# the budget after it.
_extensions: list[type] = [
    ObservedOperation,  # outermost: sees the operation's final errors (graph/request_log.py)
    ParseCache,
    TokenLimit,
    QueryPrecheck,
    ValidateCache,
    QueryBudgetCharge,
    ControlCharacterNet,
]
if not _settings.debug:
    _extensions.append(MaskInternalErrors)


class Schema(strawberry.Schema):
    def process_errors(
        self,
        errors: list[GraphQLError],
        execution_context: StrawberryExecutionContext | None = None,
    ) -> None:
        log_errors(errors, execution_context)  # bad input at INFO, internal errors at ERROR


schema = Schema(
    query=Query,
    mutation=Mutation,
    subscription=Subscription,
    types=[
        Email,
        EmailEvent,
        Person,
        Campaign,
        CampaignStep,
        CampaignMembership,
        User,
        Team,
        Template,
        Task,
        SavedSearch,
    ],
    extensions=_extensions,
    execution_context_class=ExecutionContext,
)

__all__ = ["TypedGraphQLError", "schema"]
