"""Template learning: the site teaches the parser its own template, from a sample of its article pages.

What repeats across pages of one site is template (navigation, sidebars, footer, print controls,
logo); what varies is the article (title, header line, body). Given N pages this finds, by votes
over the pages (each page proposes, the selector most pages agree on wins):
- the title: the deepest element whose text varies from page to page and is contained in the page's
  `<title>` (so never the logo, which repeats, nor a column label, which is shorter);
- the body: the block the generic fallback (scraper.extract) chooses, as a selector that picks
  exactly that element;
- the header: the smallest element holding every labelled field found between title and body;
- the footer: the smallest element outside the body holding the most footer fields;
- strip: elements inside the body whose text is the same on the pages (print controls, share bars);
- the cross-page boilerplate (scraper.learned_profile.Boilerplate): text blocks outside the
  article found on most pages, and the template containers beside it.
Title and body are voted as a pair (one template gives both); pages are learned in rounds, the
template most pages agree on first, then the next from the pages it does not fit, so a sample that
spans a redesign or two eras teaches each. Selectors are `tag#id` or `tag.class...` (ids and classes
that look generated, with long digit runs, are not used), else a short `keyed > tag` chain, and only
ones that match one element on the page. Pure: bytes in, a `LearnedProfile` out; no archive, no
network. How it is used: docs/parsing.md, "Calibration".
"""

from __future__ import annotations

import copy
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from lxml import etree

from scraper.encoding import decode
from scraper.extract import extract_main
from scraper.footer import parse_footer
from scraper.header import HeaderFields, normalise_space, parse_header
from scraper.htmltree import build_tree, page_body, text_lines, text_of, utf8_bytes
from scraper.learned_profile import Boilerplate, LearnedProfile, block_key, prune
from scraper.profile import DEFAULT_PROFILE, SiteProfile, css_to_xpath

__all__ = ["LearnResult", "SamplePage", "learn_profile"]

MIN_PAGES = 3  # fewer pages cannot tell what repeats from what varies
VOTE_SHARE = 0.5  # a selector must be the choice of at least this share of the pages that propose one
REPEAT_SHARE = 0.6  # a block on at least this share of the pages is boilerplate
MAIN_SHARE = 0.3  # for finding the body only: blocks on this share of the pages are not the article
MAX_TEMPLATES = 3  # a site may use a few templates at once (eras, a redesign half-way through a sample)
TEMPLATE_SHARE = 0.25  # a template (title and body pair) must be the choice of this share of a round's pages

_STABLE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,40}")
_GENERATED = re.compile(r"\d{4,}")


@dataclass(frozen=True)
class SamplePage:
    """One stored article page: its bytes as fetched and what the server said of them."""

    body: bytes
    url: str | None
    content_type: str | None = None


@dataclass
class LearnResult:
    """The profile learned and how many sample pages voted for each part (None: no part learned)."""

    profile: LearnedProfile | None
    pages: int
    votes: dict[str, tuple[str | None, int]] = field(default_factory=dict)  # part -> (selector, pages)
    reason: str | None = None  # why nothing was learned


def _name_ok(name: str) -> bool:
    return bool(_STABLE_NAME.fullmatch(name)) and not _GENERATED.search(name)


def _own_key(el: etree._Element) -> str | None:
    if not isinstance(el.tag, str):
        return None
    ident = el.get("id")
    if ident and _name_ok(ident):
        return f"{el.tag}#{ident}"
    classes = sorted(c for c in (el.get("class") or "").split() if _name_ok(c))
    if classes:
        return el.tag + "".join(f".{c}" for c in classes)
    return None


_XPATHS: dict[str, etree.XPath] = {}


def _matches(root: etree._Element, selector: str) -> list[etree._Element]:
    xp = _XPATHS.get(selector)
    if xp is None:
        xp = _XPATHS[selector] = etree.XPath(css_to_xpath(selector))
    return xp(root)


def _selector(el: etree._Element, root: etree._Element, levels: int = 3) -> str | None:
    """A selector matching `el` alone on this page: its own key, else a `keyed > tag > tag` chain."""
    chain: list[str] = []
    node: etree._Element | None = el
    for _ in range(levels + 1):
        if node is None or node.tag in ("body", "html"):
            return None
        key = _own_key(node)
        if key is not None:
            sel = " > ".join([key, *reversed(chain)])
            found = _matches(root, sel)
            return sel if len(found) == 1 and found[0] is el else None
        chain.append(node.tag)
        node = node.getparent()
    return None


@dataclass
class _Page:
    root: etree._Element
    head_title: str
    main: etree._Element | None


def _load(page: SamplePage) -> _Page | None:
    try:
        root = build_tree(utf8_bytes(decode(page.body, page.content_type)), html_elements=True)
    except Exception:  # noqa: BLE001 - a page the parser refuses teaches nothing
        return None
    title_el = root.find(".//title")
    head = normalise_space(text_of(title_el)) if title_el is not None else ""
    return _Page(root, head, None)


_INDEX = "data-ncgh-learn"


def _repeated_blocks(pages: list[_Page], share: float) -> Boilerplate:
    """First pass: the text blocks found on `share` of the pages or more, whatever they are."""
    counts: Counter[str] = Counter()
    for p in pages:
        counts.update({k for k in (block_key(text_of(el)) for el in page_body(p.root).iter()
                                   if isinstance(el.tag, str)) if k is not None})
    return Boilerplate(blocks=tuple(k for k, c in counts.items() if c >= max(2, share * len(pages))))


def _find_main(p: _Page, model: Boilerplate) -> etree._Element | None:
    """The fallback's main text block on a copy of the page without the repeated blocks (a
    prose-heavy sidebar that repeats cannot win the body), as the element of the page itself."""
    elements = [el for el in p.root.iter() if isinstance(el.tag, str)]
    for i, el in enumerate(elements):
        el.set(_INDEX, str(i))
    dup = copy.deepcopy(p.root)
    for el in elements:
        del el.attrib[_INDEX]
    prune(dup, model)
    main = extract_main(dup)
    if main is None or main.element.get(_INDEX) is None:
        return None
    return elements[int(main.element.get(_INDEX, "0"))]


def _vote(proposals: Iterable[str | None], pages: int, share: float = VOTE_SHARE) -> tuple[str | None, int]:
    """The proposal most pages make, if at least `share` of the `pages` (and two) make it."""
    counts = Counter(p for p in proposals if p is not None)
    if not counts:
        return None, 0
    sel, n = counts.most_common(1)[0]
    return (sel, n) if n >= max(2, share * pages) else (None, n)


def _contains(outer: etree._Element, inner: etree._Element) -> bool:
    return outer is inner or outer in inner.iterancestors()


def _title_proposals(pages: list[_Page]) -> list[str | None]:
    """Per page: the deepest, longest element whose text is inside `<title>` and not the same on
    most pages."""
    texts: Counter[str] = Counter()
    cands: list[list[tuple[etree._Element, str]]] = []
    for p in pages:
        found: list[tuple[etree._Element, str]] = []
        for el in page_body(p.root).iter():
            if not isinstance(el.tag, str) or el.tag in ("body", "html", "a", "script", "style"):
                continue
            text = normalise_space(text_of(el))
            if 4 <= len(text) <= 200 and p.head_title and text in p.head_title:
                found.append((el, text))
        cands.append(found)
        texts.update({t for _, t in found})
    out: list[str | None] = []
    for p, found in zip(pages, cands, strict=True):
        varying = [(el, t) for el, t in found if texts[t] < max(2, REPEAT_SHARE * len(pages))]
        best = max(varying, key=lambda c: (len(c[1]), sum(1 for _ in c[0].iterancestors())), default=None)
        out.append(_selector(best[0], p.root) if best else None)
    return out


def _fields_of(el: etree._Element) -> HeaderFields:
    return parse_header(" ".join(text_lines(el)))


def _field_set(h: HeaderFields) -> tuple[bool, ...]:
    return (h.published is not None, h.views is not None, h.source is not None, h.author is not None)


def _info_proposal(p: _Page, title: etree._Element, body: etree._Element) -> str | None:
    """The smallest keyed element, outside title and body, whose text gives every header field that
    the page shows before the body."""
    lines = text_lines(page_body(p.root))
    title_text = normalise_space(text_of(title))
    body_lines = text_lines(body)
    start = next((i for i, line in enumerate(lines) if line == title_text), None)
    end = next((i for i, line in enumerate(lines) if body_lines and line == body_lines[0] and i > (start or 0)), None)
    if start is None or end is None:
        return None
    wanted = parse_header(" ".join(lines[start + 1 : min(end, start + 13)]))
    if wanted.published is None and wanted.views is None:
        return None
    best: etree._Element | None = None
    for el in page_body(p.root).iter():
        if not isinstance(el.tag, str) or _contains(el, body) or _contains(el, title) or _contains(body, el):
            continue
        got = _fields_of(el)
        same = _field_set(got) == _field_set(wanted) and got.published == wanted.published
        if same and (best is None or best in el.iterancestors()):
            best = el  # the deepest element holding them all
    return _selector(best, p.root) if best is not None else None


def _footer_proposal(p: _Page, body: etree._Element) -> str | None:
    best: tuple[int, etree._Element] | None = None
    for el in page_body(p.root).iter():
        if not isinstance(el.tag, str) or _contains(el, body) or _contains(body, el) or _own_key(el) is None:
            continue
        f = parse_footer("\n".join(text_lines(el)))
        n = sum(v is not None for v in (f.org, f.icp, f.police_record, f.phone, f.email, f.address, f.postcode))
        if n >= 2 and (best is None or n > best[0] or (n == best[0] and best[1] in el.iterancestors())):
            best = (n, el)
    return _selector(best[1], p.root) if best else None


@dataclass
class _Template:
    """One template the sample pages agree on: its selectors, votes and cross-page model."""

    votes: dict[str, tuple[str | None, int]]
    strip: list[str]
    model: Boilerplate

    def fits(self, p: _Page) -> bool:
        title, body = self.votes["title"][0], self.votes["body"][0]
        return bool(title and body and _matches(p.root, title) and _matches(p.root, body))


def learn_profile(samples: list[SamplePage], base: SiteProfile = DEFAULT_PROFILE) -> LearnResult:
    """The profile the sample pages agree on; `base` (the configured profile) supplies what was not
    learned, tried after the learned selectors, and the missing-page patterns.

    Pages are learned in rounds: the template most pages agree on first, then, from the pages it
    does not fit, the next one (up to MAX_TEMPLATES), so a sample that spans a redesign or two eras
    teaches both."""
    pages = [p for p in map(_load, samples) if p is not None]
    n = len(pages)
    if n < MIN_PAGES:
        return LearnResult(None, n, reason=f"{n} usable article pages; at least {MIN_PAGES} are needed")
    templates: list[_Template] = []
    left = pages
    reason = None
    while len(templates) < MAX_TEMPLATES and len(left) >= MIN_PAGES:
        found, reason = _learn_template(left)
        if found is None:
            break
        templates.append(found)
        left = [p for p in left if not found.fits(p)]
    if not templates:
        return LearnResult(None, n, reason=reason)

    def learned(part: str) -> tuple[str, ...]:
        return tuple(sel for t in templates if (sel := t.votes[part][0]) is not None)

    profile = LearnedProfile(
        title_selectors=_merged(learned("title"), base.title_selectors),
        info_selectors=_merged(learned("info"), base.info_selectors),
        body_selectors=_merged(learned("body"), base.body_selectors),
        footer_selectors=_merged(learned("footer"), base.footer_selectors),
        strip_selectors=_merged(tuple(s for t in templates for s in t.strip), base.strip_selectors),
        missing_patterns=base.missing_patterns,
        boilerplate=Boilerplate(blocks=tuple(b for t in templates for b in t.model.blocks),
                                chrome_selectors=tuple(c for t in templates for c in t.model.chrome_selectors)),
    )
    votes = dict(templates[0].votes)
    for i, t in enumerate(templates[1:], 2):
        votes.update({f"{part}#{i}": v for part, v in t.votes.items()})
    return LearnResult(profile, n, votes)


def _learn_template(pages: list[_Page]) -> tuple[_Template | None, str | None]:
    """The template most of `pages` agree on: title and body voted as a pair (so both come from one
    template), then header, footer, strip and boilerplate from the pages it fits."""
    n = len(pages)
    first = _repeated_blocks(pages, MAIN_SHARE)
    titles = _title_proposals(pages)
    pairs: list[str | None] = []
    for p, title in zip(pages, titles, strict=True):
        p.main = _find_main(p, first)
        body = _selector(p.main, p.root) if p.main is not None else None
        pairs.append(f"{title}\n{body}" if title and body else None)
    pair, agree = _vote(pairs, n, TEMPLATE_SHARE)
    if pair is None:
        return None, "the pages agree on no title and body elements"
    title_sel, body_sel = pair.split("\n")
    votes: dict[str, tuple[str | None, int]] = {"title": (title_sel, agree), "body": (body_sel, agree)}
    located = []
    for p in pages:
        t, b = _matches(p.root, title_sel), _matches(p.root, body_sel)
        if t and b and not _contains(b[0], t[0]):
            located.append((p, t[0], b[0]))
    votes["info"] = _vote((_info_proposal(p, t, b) for p, t, b in located), len(located))
    votes["footer"] = _vote((_footer_proposal(p, b) for p, _t, b in located), len(located))
    strip, model = _template(located, votes)
    return _Template(votes, strip, model), None


def _merged(first: tuple[str, ...], rest: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(first + rest))


def _template(located: list[tuple[_Page, etree._Element, etree._Element]],
              votes: dict[str, tuple[str | None, int]]) -> tuple[list[str], Boilerplate]:
    """Strip selectors (keyed elements inside the body whose text is the same on most pages) and the
    boilerplate model (text blocks and containers outside title, header, body and footer)."""
    n = len(located)
    inside: Counter[tuple[str, str]] = Counter()
    blocks: Counter[str] = Counter()
    chrome: Counter[str] = Counter()
    info_sel, footer_sel = votes["info"][0], votes["footer"][0]
    for p, title, body in located:
        keep = [title, body]
        for sel in (info_sel, footer_sel):
            found = _matches(p.root, sel) if sel else []
            keep.extend(found[:1])
        page_blocks: set[str] = set()
        page_chrome: set[str] = set()
        page_inside: set[tuple[str, str]] = set()
        for el in body.iterdescendants():
            key = _own_key(el)
            if key is not None:
                page_inside.add((key, "".join(text_of(el).split())))
        for el in page_body(p.root).iterdescendants():
            if not isinstance(el.tag, str) or any(_contains(el, k) or _contains(k, el) for k in keep):
                continue
            bk = block_key(text_of(el))
            if bk is not None:
                page_blocks.add(bk)
            key = _own_key(el)
            parent = el.getparent()
            if key is not None and parent is not None and any(_contains(parent, k) for k in keep):
                page_chrome.add(key)  # a container beside the article's parts
        blocks.update(page_blocks)
        chrome.update(page_chrome)
        inside.update(page_inside)
    need = max(2, REPEAT_SHARE * n)
    strip = sorted({key for (key, text), c in inside.items() if c >= need and text})
    model = Boilerplate(
        blocks=tuple(b for b, c in blocks.items() if c >= need),
        chrome_selectors=tuple(k for k, c in chrome.items() if c >= need),
    )
    return strip, model
