"""Dynamic (merge) fields: the small template language of email subjects and bodies.

Grammar (a tag runs from `{{` to the next `}}`, outside quotes for fields; no `{` inside):

    tag      := "{{" ws* ( prompt | field ) ws* "}}"
    prompt   := "!" any text up to "}}"           e.g. {{! don't forget their launch }}
    field    := NAME ( ws* "|" ws* "default" ws* ":" ws* STRING )?
    NAME     := [A-Za-z_][A-Za-z0-9_]*            built-in names are case-insensitive
    STRING   := '"' [^"]* '"' | "'" [^']* "'"

Text outside tags is copied as is; a `{{` with no closing `}}` is plain text. A tag that is neither
a prompt nor a well-formed field is reported as an unresolved field named by its content, so a
typo never goes out silently. Built-in fields win over custom fields of the same name.

Rendering never raises: every problem is collected (once per code and field) and the offending tag
is left as written, so a preview shows exactly what still needs fixing. Values (and defaults) are
HTML-escaped in the HTML body and kept plain in the text body; line breaks become spaces in the
subject (a header is one line).
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from models.emails.tables import Email
from models.people.tables import Person
from models.teams.tables import User


class MergeProblemCode(StrEnum):
    UNRESOLVED_MERGE_FIELD = "UNRESOLVED_MERGE_FIELD"
    PROMPT_NOT_REPLACED = "PROMPT_NOT_REPLACED"


@dataclass(frozen=True)
class MergeProblem:
    code: str  # a MergeProblemCode value
    field: str  # the merge field's name, or the prompt's text
    message: str
    part: str = ""  # where it was first found: "subject", "HTML body" or "text body"


@dataclass
class RenderResult:
    subject: str
    html: str
    text: str
    problems: list[MergeProblem] = field(default_factory=list)


# One pass, tried in order at each position: a prompt (free text, may contain quotes), a tag whose
# quoted strings may contain `}}`, or any other `{{…}}` without braces inside (reported as invalid,
# e.g. an unbalanced quote). No `{` inside a tag, so `{{{{x}}` is the text "{{" then a tag.
_TAG = re.compile(
    r"""\{\{(?:\s*!(?P<prompt>(?:(?!\}\}).)*)"""
    r"""|(?P<body>(?:[^{}"']|\}(?!\})|"[^"]*"|'[^']*')*)"""
    r"""|(?P<raw>(?:[^{}]|\}(?!\}))*))\}\}""",
    re.DOTALL,
)
_FIELD = re.compile(
    r"""^\s*(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s*"""
    r"""(?:\|\s*default\s*:\s*(?:"(?P<dq>[^"]*)"|'(?P<sq>[^']*)')\s*)?$"""
)


@dataclass(frozen=True)
class Text:
    source: str


@dataclass(frozen=True)
class Field:
    source: str
    name: str
    default: str | None


@dataclass(frozen=True)
class Prompt:
    source: str
    text: str


@dataclass(frozen=True)
class Invalid:
    source: str
    content: str


Token = Text | Field | Prompt | Invalid


def tokenize(source: str) -> Iterator[Token]:
    """Split `source` into tokens; joining their `source` gives the input back unchanged."""
    position = 0
    for match in _TAG.finditer(source):
        if match.start() > position:
            yield Text(source[position : match.start()])
        yield _tag(match)
        position = match.end()
    if position < len(source):
        yield Text(source[position:])


def _tag(match: re.Match[str]) -> Token:
    source, prompt, body = match.group(0), match.group("prompt"), match.group("body")
    if prompt is not None:
        return Prompt(source, " ".join(prompt.split()))
    parsed = _FIELD.match(body) if body is not None else None
    if parsed is None:
        return Invalid(source, " ".join(source[2:-2].split()))
    default = parsed.group("dq") if parsed.group("dq") is not None else parsed.group("sq")
    return Field(source, parsed.group("name"), default)


BUILT_IN_FIELDS = (
    "first_name",
    "last_name",
    "full_name",
    "company",
    "title",
    "email",
    "my_name",
    "my_email",
)


def merge_values(person: Person | None, sender: User, email: Email | None = None) -> dict[str, str]:
    """The value of every field known for this recipient: built-ins (lower case) and custom ones."""
    values: dict[str, str] = {}
    if person is not None:
        values.update({str(k): str(v) for k, v in (person.custom_fields or {}).items()})
        values.update(
            first_name=person.first_name,
            last_name=person.last_name,
            full_name=person.full_name,
            company=person.company,
            title=person.title,
            email=person.email,
        )
    elif email is not None and email.to_addresses:
        values["email"] = email.to_addresses[0]  # an email without a person: its first address
    values.update(my_name=sender.name, my_email=sender.email)
    return values


def _lookup(values: Mapping[str, str], name: str) -> str | None:
    lowered = name.lower()
    if lowered in BUILT_IN_FIELDS:
        return values.get(lowered)
    return values.get(name)


class _Renderer:
    def __init__(self, values: Mapping[str, str]) -> None:
        self.values = values
        self.problems: dict[tuple[str, str], MergeProblem] = {}

    def render(self, source: str, where: str, escape: Callable[[str], str]) -> str:
        out: list[str] = []
        for token in tokenize(source):
            if isinstance(token, Text):
                out.append(token.source)
            elif isinstance(token, Field):
                value = _lookup(self.values, token.name)
                if value is not None and value.strip():
                    out.append(escape(value))
                elif token.default is not None:
                    out.append(escape(token.default))
                else:
                    self._unresolved(token.name, token.source, where, known=value is not None)
                    out.append(token.source)
            elif isinstance(token, Prompt):
                self._problem(
                    MergeProblemCode.PROMPT_NOT_REPLACED,
                    token.text,
                    f"Replace the prompt {token.source} in the {where} with your own words.",
                    where,
                )
                out.append(token.source)
            else:
                self._unresolved(token.content, token.source, where, known=False)
                out.append(token.source)
        return "".join(out)

    def _unresolved(self, name: str, source: str, where: str, *, known: bool) -> None:
        reason = "has no value for this recipient" if known else "is not a known field"
        self._problem(
            MergeProblemCode.UNRESOLVED_MERGE_FIELD,
            name,
            f"{source} in the {where} {reason}; fill it in or add a default, "
            f'e.g. {{{{{name} | default: "…"}}}}.',
            where,
        )

    def _problem(self, code: MergeProblemCode, name: str, message: str, where: str) -> None:
        problem = MergeProblem(code.value, name, message, where)
        self.problems.setdefault((code.value, name), problem)


def _one_line(value: str) -> str:
    return " ".join(value.splitlines())


def _plain(value: str) -> str:
    return value


def render_parts(
    subject: str, body_html: str, body_text: str, values: Mapping[str, str]
) -> RenderResult:
    renderer = _Renderer(values)
    return RenderResult(
        subject=renderer.render(subject, "subject", _one_line),
        html=renderer.render(body_html, "HTML body", html.escape),
        text=renderer.render(body_text, "text body", _plain),
        problems=list(renderer.problems.values()),
    )


# The input field each rendered part comes from (userErrors point at it).
PART_FIELDS = {"subject": "subject", "HTML body": "bodyHtml", "text body": "bodyText"}


def render_email(email: Email, person: Person | None, sender: User) -> RenderResult:
    """Subject and bodies of `email` as `person` will receive them from `sender`. Once an email
    was rendered for sending its columns hold what went out; its source (kept apart) is what a
    retry renders again, so resolved values are never read as tags a second time."""
    subject, body_html, body_text = source_parts(email)
    return render_parts(subject, body_html, body_text, merge_values(person, sender, email))


def source_parts(email: Email) -> tuple[str, str, str]:
    """The subject and bodies as written (merge fields unresolved)."""
    if email.source_subject is None:
        return email.subject, email.body_html, email.body_text
    return email.source_subject, email.source_body_html or "", email.source_body_text or ""
