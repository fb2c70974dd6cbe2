"""HTML instrumentation on odd but real-world HTML: only real <a href> values change."""

from __future__ import annotations

import pytest

from models.engagement.instrument import instrument, tracked_urls

PIXEL = "https://t.example/t/o/P.gif"
PIXEL_TAG = '<img src="https://t.example/t/o/P.gif"'


def rewrite(source: str) -> tuple[str, dict[str, str]]:
    tokens: dict[str, str] = {}

    def link_for(url: str) -> str:
        return tokens.setdefault(url, f"https://t.example/t/c/{len(tokens)}")

    return instrument(source, link_for, PIXEL), tokens


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ('<a href="https://a.example/x">x</a>', '<a href="https://t.example/t/c/0">x</a>'),
        ("<a href='http://a.example/'>x</a>", '<a href="https://t.example/t/c/0">x</a>'),
        ("<A HREF=https://a.example/>x</A>", '<A HREF="https://t.example/t/c/0">x</A>'),
        ('<a\n  class="b"\n  href = "HTTPS://a.example">x</a>', None),
        ('<a title="see href=https://no.example" href="https://a.example">x</a>', None),
    ],
)
def test_hrefs_are_replaced_in_place_whatever_the_quoting_or_case(
    source: str, expected: str | None
) -> None:
    out, tokens = rewrite(source)
    assert len(tokens) == 1
    assert "https://t.example/t/c/0" in out
    assert "a.example" not in out
    if expected is not None:
        assert out == expected + f'{PIXEL_TAG} width="1" height="1" alt="" ' + (
            'style="display:block;border:0;width:1px;height:1px" />'
        )
    if "no.example" in source:  # an href-like text inside another attribute stays as it was
        assert 'title="see href=https://no.example"' in out


def test_entities_are_unescaped_and_query_strings_kept() -> None:
    source = '<a href="https://a.example/p?x=1&amp;y=&#50;#frag">p</a>'
    assert tracked_urls(source) == ["https://a.example/p?x=1&y=2#frag"]


def test_non_web_links_comments_and_scripts_are_left_alone() -> None:
    source = (
        '<a href="mailto:a@b.example">m</a><a href="tel:+1555">t</a><a href="#top">#</a>'
        '<a href="/relative">r</a><a href="javascript:void(0)">j</a><a name="anchor">n</a>'
        '<a href="">e</a><a href>bare</a>'
        '<!-- <a href="https://comment.example">c</a> -->'
        "<script>var s = '<a href=\"https://script.example\">';</script>"
    )
    out, tokens = rewrite(source)
    assert tokens == {}
    assert out == source + out[len(source) :]  # only the pixel was added, at the end
    assert out[len(source) :].startswith(PIXEL_TAG)


def test_the_pixel_goes_before_the_closing_body_tag() -> None:
    source = "<html><BODY><p>Hi</p></Body></html>"
    out, _ = rewrite(source)
    assert out.startswith("<html><BODY><p>Hi</p>" + PIXEL_TAG)
    assert out.endswith("</Body></html>")


def test_one_token_per_distinct_url_and_order_of_appearance() -> None:
    source = (
        '<a href="https://b.example">1</a><a href="https://a.example">2</a>'
        '<a href="https://b.example">3</a><img src="https://img.example/x.png">'
    )
    assert tracked_urls(source) == ["https://b.example", "https://a.example"]
    out, tokens = rewrite(source)
    assert list(tokens) == ["https://b.example", "https://a.example"]
    assert out.count("https://t.example/t/c/0") == 2
    assert out.count("https://t.example/t/c/1") == 1
    assert 'src="https://img.example/x.png"' in out  # images are not links


def test_skipped_urls_are_not_tracked() -> None:
    source = '<a href="https://t.example/u/abc">unsubscribe</a><a href="https://a.example">a</a>'
    assert tracked_urls(source, skip=lambda url: url.startswith("https://t.example/")) == [
        "https://a.example"
    ]
