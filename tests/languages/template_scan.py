"""What a template shows a person that no translation tag covers.

Template tags and variables are taken out first (a `{% translate %}` or a whole
`{% blocktranslate %}…{% endblocktranslate %}` block leaves nothing behind), then the HTML is
read for its text nodes and the attributes people see or hear. What is left must be free of
words, but for a few names that stay the same in every language.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

# Names of products and platforms, shown as they are in every language.
KEPT_NAMES = frozenset({"LinkedIn", "iPhone", "Thunderbird", "macOS", "DAVx⁵"})
# The attributes whose text reaches a person (read aloud, shown on hover, or in a field).
SPOKEN_ATTRIBUTES = frozenset({"title", "aria-label", "alt", "placeholder"})
BUTTON_TYPES = frozenset({"submit", "button", "reset"})

_COMMENTS = re.compile(r"\{%\s*comment\s*%\}.*?\{%\s*endcomment\s*%\}|\{#.*?#\}|<!--.*?-->", re.S)
_TRANSLATED_BLOCKS = re.compile(
    r"\{%\s*blocktrans(?:late)?\b.*?\{%\s*endblocktrans(?:late)?\s*%\}", re.S
)
_TAGS_AND_VARIABLES = re.compile(r"\{%.*?%\}|\{\{.*?\}\}", re.S)
_NOT_SHOWN = re.compile(r"<(script|style)\b.*?</\1>", re.S | re.I)
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


def without_template_code(source: str) -> str:
    """`source` with its comments, translated blocks, other tags and variables removed."""
    source = _COMMENTS.sub("", source)
    source = _TRANSLATED_BLOCKS.sub("", source)
    return _TAGS_AND_VARIABLES.sub("", source)


def words_left(text: str) -> list[str]:
    """The words of `text` that are not kept names: each is English nobody translates."""
    for name in KEPT_NAMES:
        text = text.replace(name, " ")
    return _WORD.findall(text)


class _TextNodes(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.texts.append(data)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        self.texts.extend(value for name, value in attrs if value and name in SPOKEN_ATTRIBUTES)
        # An <input> button shows its value; a <button>'s value is only sent.
        if tag == "input" and values.get("type") in BUTTON_TYPES and values.get("value"):
            self.texts.append(values["value"] or "")

    handle_startendtag = handle_starttag


def untranslated_text(source: str, *, html: bool = True) -> list[str]:
    """The pieces of visible text in a template `source` outside translation tags."""
    stripped = without_template_code(source)
    if html:
        stripped = _NOT_SHOWN.sub("", stripped)
        parser = _TextNodes()
        parser.feed(stripped)
        parser.close()
        texts = parser.texts
    else:
        texts = stripped.splitlines()
    return [text.strip() for text in texts if words_left(text)]
