"""The dynamic-field language (models/templates/merge.py): grammar, defaults, prompts, escaping."""

from __future__ import annotations

import html

from hypothesis import given
from hypothesis import strategies as st

from models.templates.merge import Field, Invalid, Prompt, Text, render_parts, tokenize

VALUES = {
    "first_name": "Ada",
    "last_name": "Lovelace",
    "company": "Analytical Engines",
    "title": "",
    "email": "ada@example.com",
    "my_name": "Alice",
    "my_email": "alice@a.example",
    "industry": "Computing",
    "Region": "EMEA",
}


def render(source: str, values: dict[str, str] | None = None) -> tuple[str, list[tuple[str, str]]]:
    result = render_parts("", "", source, VALUES if values is None else values)
    return result.text, [(p.code, p.field) for p in result.problems]


def test_fields_are_replaced_whitespace_and_case_tolerant() -> None:
    text, problems = render("Hi {{first_name}} {{  last_name }} of {{COMPANY}}, {{ my_name }}")
    assert text == "Hi Ada Lovelace of Analytical Engines, Alice"
    assert problems == []


def test_sender_and_custom_fields() -> None:
    text, problems = render("{{my_email}} {{industry}} {{Region}} {{email}}")
    assert text == "alice@a.example Computing EMEA ada@example.com"
    assert problems == []


def test_built_in_fields_win_over_custom_fields_of_the_same_name() -> None:
    values = {**VALUES, "company": "Real Co"}
    assert render("{{company}}", values)[0] == "Real Co"


def test_defaults_in_double_or_single_quotes_apply_to_empty_values() -> None:
    text, problems = render(
        """{{title | default: "friend"}} {{ title|default:'pal' }} {{first_name | default: "x"}}"""
    )
    assert text == "friend pal Ada"
    assert problems == []


def test_a_blank_value_counts_as_empty() -> None:
    text, _ = render('{{first_name | default: "there"}}', {**VALUES, "first_name": "   "})
    assert text == "there"


def test_an_empty_default_is_a_deliberate_empty_value() -> None:
    assert render("[{{title | default: ''}}]") == ("[]", [])


def test_empty_value_without_default_is_unresolved_and_left_as_written() -> None:
    text, problems = render("Dear {{ title }},")
    assert text == "Dear {{ title }},"
    assert problems == [("UNRESOLVED_MERGE_FIELD", "title")]


def test_unknown_field_names_the_field() -> None:
    result = render_parts("", "", "{{favourite_colour}}", VALUES)
    [problem] = result.problems
    assert (problem.code, problem.field) == ("UNRESOLVED_MERGE_FIELD", "favourite_colour")
    assert "not a known field" in problem.message


def test_prompt_must_be_replaced() -> None:
    text, problems = render("Hi! {{! write something personal }} Bye")
    assert text == "Hi! {{! write something personal }} Bye"
    assert problems == [("PROMPT_NOT_REPLACED", "write something personal")]


def test_malformed_tags_are_reported_not_sent() -> None:
    _, problems = render("{{ first name }} {{first_name | default: there}}")
    assert problems == [
        ("UNRESOLVED_MERGE_FIELD", "first name"),
        ("UNRESOLVED_MERGE_FIELD", "first_name | default: there"),
    ]


def test_prompts_may_contain_quotes_and_braces_may_precede_a_tag() -> None:
    _, problems = render('{{! don\'t forget "it" }} {{{{first_name}}')
    assert problems == [("PROMPT_NOT_REPLACED", 'don\'t forget "it"')]
    assert render("{{{{first_name}}}}")[0] == "{{Ada}}"


def test_an_unbalanced_quote_is_reported() -> None:
    _, problems = render('{{ title | default: "oops }}')
    assert problems == [("UNRESOLVED_MERGE_FIELD", 'title | default: "oops')]


def test_unclosed_braces_are_plain_text() -> None:
    assert render("a {{first_name and } b") == ("a {{first_name and } b", [])


def test_a_quoted_default_may_contain_closing_braces() -> None:
    assert render('{{title | default: "}}"}}!') == ("}}!", [])


def test_problems_are_listed_once_per_field() -> None:
    result = render_parts("{{nope}}", "{{nope}}", "{{nope}} {{nope}}", VALUES)
    assert [(p.code, p.field) for p in result.problems] == [("UNRESOLVED_MERGE_FIELD", "nope")]
    assert "subject" in result.problems[0].message


def test_values_are_escaped_in_html_only() -> None:
    values = {**VALUES, "company": '<script>alert("x")</script> & Co'}
    result = render_parts("{{company}}", "<p>{{company}}</p>", "{{company}}", values)
    assert result.html == "<p>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co</p>"
    assert result.text == values["company"]
    assert result.subject == values["company"]


def test_defaults_are_escaped_in_html_too() -> None:
    result = render_parts("", '{{title | default: "<b>"}}', "", VALUES)
    assert result.html == "&lt;b&gt;"


def test_the_subject_stays_on_one_line() -> None:
    values = {**VALUES, "company": "Line\r\nBreak\nCo"}
    assert render_parts("At {{company}}", "", "", values).subject == "At Line Break Co"


def test_tokens() -> None:
    tokens = list(tokenize("a {{x}} {{! p }} {{y|default:'d'}} {{?}}"))
    assert tokens == [
        Text("a "),
        Field("{{x}}", "x", None),
        Text(" "),
        Prompt("{{! p }}", "p"),
        Text(" "),
        Field("{{y|default:'d'}}", "y", "d"),
        Text(" "),
        Invalid("{{?}}", "?"),
    ]


@given(st.text())
def test_tokens_give_back_the_source(source: str) -> None:
    assert "".join(token.source for token in tokenize(source)) == source


@given(st.text().filter(lambda s: "{{" not in s))
def test_text_without_tags_renders_unchanged(source: str) -> None:
    result = render_parts(source.replace("\n", " ").replace("\r", " "), source, source, VALUES)
    assert result.html == source
    assert result.text == source
    assert result.problems == []


@given(st.text().filter(lambda s: "}}" not in s))
def test_any_prompt_is_reported(text: str) -> None:
    result = render_parts("", "", "before {{!" + text + "}} after", VALUES)
    assert [p.code for p in result.problems] == ["PROMPT_NOT_REPLACED"]


@given(st.text().filter(lambda s: s.strip() != ""))
def test_values_never_inject_markup(value: str) -> None:
    result = render_parts("", "<i>{{company}}</i>", "{{company}}", {"company": value})
    inner = result.html.removeprefix("<i>").removesuffix("</i>")
    assert not set(inner) & set('<>"')
    assert html.unescape(inner) == value
    assert result.text == value
