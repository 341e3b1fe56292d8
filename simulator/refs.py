"""How the simulated site writes text into HTML: escaped, and in each article's own style of
character references.
"""

from __future__ import annotations

from html import escape

from simulator.article import Article


def esc(text: str) -> str:
    """HTML-escaped text, quotes included (for attributes too)."""
    return escape(text, quote=True)


# Character references, as CMS editors and Word pastes leave them on real Chinese government pages
# (`&#12288;` indentation, `&#8220;…&#8221;` quotes, named ones, `&#47;` in links). Each article is
# written in one of four styles (by its id): plain characters, decimal references with ";", hex ones
# without ";" where the next character cannot continue the number, or named ones. The truth is the
# decoded text, so the parser must decode them as a browser does (issue 13: it once turned
# `&#8220;` into `220;`).
_REF_CHARS = {"“": "ldquo", "”": "rdquo", "‘": "lsquo", "’": "rsquo", "—": "mdash", "、": None, "，": None, "/": "sol"}
_HEX_DIGITS = frozenset("0123456789abcdefABCDEF")


def ref_style(a: Article) -> int:
    """How article `a` writes characters: 0 plain, 1 decimal, 2 hex without ";", 3 named references."""
    return a.id % 4


def _refs(markup: str, style: int, chars: str = "“”‘’—、，") -> str:
    """`markup` (escaped already) with `chars` written as character references in `style`."""
    if style == 0:
        return markup
    out: list[str] = []
    for i, ch in enumerate(markup):
        if ch not in chars:
            out.append(ch)
        elif style == 1:
            out.append(f"&#{ord(ch)};")
        elif style == 2:
            after = markup[i + 1 : i + 2]
            out.append(f"&#x{ord(ch):X}" + (";" if not after or after in _HEX_DIGITS or after == ";" else ""))
        else:
            name = _REF_CHARS.get(ch)
            out.append(f"&{name};" if name else f"&#{ord(ch)};")
    return "".join(out)


def article_text(text: str, a: Article) -> str:
    """Escaped text of article `a`, in its reference style."""
    return _refs(esc(text), ref_style(a))


def article_path(path: str, a: Article) -> str:
    """A link or image path of article `a` for an attribute: its slashes as references in its style."""
    return _refs(esc(path), ref_style(a), "/")


def indent(a: Article) -> str:
    """The two ideographic spaces some editors indent paragraphs with, as references (whitespace:
    not part of the text)."""
    return {1: "&#12288;&#12288;", 2: "&#x3000&#x3000;", 3: "&#12288;&#12288;"}.get(ref_style(a), "")
