"""Rewrite an email's HTML for tracking: http(s) links through click tokens, plus an open pixel.

The standard library's HTMLParser finds the real `<a>` start tags (not ones inside comments,
scripts or attribute values) and where they are; only the `href` value inside each such tag is
replaced, so the rest of the author's HTML goes out byte for byte. Attribute values are
HTML-escaped in the source (`&amp;`): the stored URL is the unescaped one the browser would open.
"""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Callable
from dataclasses import dataclass
from html.parser import HTMLParser

# One attribute inside a start tag: name, then an optional value (double, single or unquoted).
_ATTRIBUTE = re.compile(
    r"""(?P<name>[^\s"'>/=]+)(?:\s*=\s*(?P<value>"[^"]*"|'[^']*'|[^\s"'=<>`]+))?""",
)
_TAG_NAME = re.compile(r"<\s*[a-zA-Z][^\s/>]*")
_TRACKED = re.compile(r"https?://", re.IGNORECASE)


@dataclass(frozen=True)
class _Href:
    start: int  # offsets of the attribute value (quotes included) in the document
    end: int
    url: str  # unescaped


class _Scan(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.hrefs: list[_Href] = []
        self.body_end: int | None = None
        self._source = ""
        self._lines: list[int] = [0]

    def scan(self, source: str) -> None:
        self._source = source
        self._lines = [0] + [m.end() for m in re.finditer(r"\r\n|\r|\n", source)]
        self.feed(source)
        self.close()

    def _offset(self) -> int:
        line, column = self.getpos()
        return self._lines[line - 1] + column

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag != "a":
            return
        start = self._offset()
        raw = self.get_starttag_text() or ""
        if self._source[start : start + len(raw)] != raw:
            return  # position not trustworthy: leave the tag alone rather than corrupt it
        name = _TAG_NAME.match(raw)
        position = name.end() if name else 2
        for match in _ATTRIBUTE.finditer(raw, position):
            value = match.group("value")
            if match.group("name").lower() != "href":
                continue
            if value is None:
                return
            quoted = value[0] in "\"'"
            url = html_lib.unescape(value[1:-1] if quoted else value).strip()
            self.hrefs.append(_Href(start + match.start("value"), start + match.end("value"), url))
            return  # the first href wins, as in browsers

    handle_startendtag = handle_starttag

    def handle_endtag(self, tag: str) -> None:
        if tag == "body":
            self.body_end = self._offset()


def _scan(source: str) -> _Scan:
    scan = _Scan()
    scan.scan(source)
    return scan


def is_tracked(url: str) -> bool:
    """Only web links are tracked: mailto:, tel:, #anchors and relative paths are left alone."""
    return bool(_TRACKED.match(url))


def tracked_urls(source: str, skip: Callable[[str], bool] = lambda _url: False) -> list[str]:
    """The distinct http(s) link targets of the HTML, in order of appearance."""
    urls = (h.url for h in _scan(source).hrefs if is_tracked(h.url) and not skip(h.url))
    return list(dict.fromkeys(urls))


def instrument(source: str, link_for: Callable[[str], str | None], pixel_url: str) -> str:
    """The HTML with each tracked href replaced by `link_for(url)` (None: keep it) and a 1×1 open
    pixel before `</body>` (or at the end when there is none)."""
    scan = _scan(source)
    pixel = (
        f'<img src="{html_lib.escape(pixel_url)}" width="1" height="1" alt="" '
        'style="display:block;border:0;width:1px;height:1px" />'
    )
    edits: list[tuple[int, int, str]] = []
    for href in scan.hrefs:
        if not is_tracked(href.url):
            continue
        target = link_for(href.url)
        if target is not None:
            edits.append((href.start, href.end, f'"{html_lib.escape(target)}"'))
    at = scan.body_end if scan.body_end is not None else len(source)
    edits.append((at, at, pixel))
    out: list[str] = []
    last = 0
    for start, end, text in sorted(edits, key=lambda edit: edit[0]):
        out.append(source[last:start])
        out.append(text)
        last = end
    out.append(source[last:])
    return "".join(out)
