"""List pages and the mobile app's JSON API -> article references; article ids <-> URLs.

An article's identity is its numeric id, not its URL: the same article is served under two path forms
on four hosts, and the vendor front end adds a third form (`pc_detail.php?...&id=N`). Everything the
crawler discovers is therefore reduced to an id here (by scraper.ids, the rule the archive's readers
use too), and URLs are rebuilt from the first configured path pattern.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from urllib.parse import parse_qs, parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import lxml.html
from lxml import etree

from scraper.dates import parse_date
from scraper.encoding import decode
from scraper.ids import DEFAULT_ARTICLE_PATHS
from scraper.ids import article_id as _article_id
from scraper.records import ArticleLink, ListPage, ParseError

__all__ = [
    "ApiRefused",
    "IdList",
    "article_url",
    "parse_api_id_page",
    "parse_api_ids",
    "parse_api_list",
]

def article_url(base_url: str, article_id: int, article_paths: tuple[str, ...] = DEFAULT_ARTICLE_PATHS) -> str:
    """The canonical URL of an article: the first path pattern on `base_url`'s host."""
    return urljoin(base_url, article_paths[0].replace("{id}", str(int(article_id))))


# ---- what the HTML readers share (scraper.hubs reads list and hub pages) ----------------------

_SPACES = re.compile(r"\s+")


def element_text(el: etree._Element) -> str:
    """An element's text with its white space folded: a link's or a label's words."""
    return _SPACES.sub(" ", el.text_content()).strip()


def html_root(body: bytes, content_type: str | None) -> lxml.html.HtmlElement:
    """A list or hub page's tree, decoded as every page is; ParseError when there is none."""
    text = decode(body, content_type).text
    text = re.sub(r"^\s*<\?xml[^>]*>", "", text)  # lxml refuses str input with an XML declaration
    if not text.strip():
        raise ParseError("empty page")
    try:
        return lxml.html.fromstring(text)
    except (etree.ParserError, ValueError) as exc:
        raise ParseError(f"unparseable HTML: {exc}") from exc


class ApiRefused(ParseError):
    """An API answer that refuses (a `code` other than 200, e.g. 请先登录): the source needs a login or
    is turned off; it says nothing about whether articles exist. `busy`: the answer says the server
    is busy or failing (a 5xx code, 系统繁忙, 请稍后再试), a passing failure of this page, no login."""

    def __init__(self, reason: str, busy: bool = False):
        super().__init__(reason)
        self.busy = busy


_BUSY = re.compile(r"繁忙|频繁|稍后|超时|异常|开小差|不可用|服务器错误|系统错误|busy|try again|timeout|unavailable", re.IGNORECASE)
# A login wall however it is worded: 请先登录, 登录超时, 登录已过期, 重新登录, token无效. It wins over the
# busy words (登录超时 is no busy server); a 401/403 code is one whatever it says.
_LOGIN = re.compile(
    r"请先登|未登录|请登录|重新登录|需要登录|登录(?:已)?(?:超时|过期|失效)|登录状态|会话(?:已)?(?:超时|过期|失效)"
    r"|token(?:无效|已?过期|失效)|未授权|无权限|没有权限|未认证|not\s+logged|login\s+required|unauthori",
    re.IGNORECASE,
)


# ---- JSON API ----------------------------------------------------------------------------------

_DATE_KEYS = ("publishTime", "publishDate", "releaseTime", "pubDate", "created", "createTime", "createDate", "date")
_TOTAL_KEYS = ("total", "totalCount", "count", "totalRow", "totalSize")


def _load_api(body: bytes, url: str) -> object:
    try:
        payload = json.loads(decode(body, "application/json; charset=utf-8").text)
    except (ValueError, RecursionError) as exc:
        raise ParseError(f"API answer is not JSON ({url}): {exc}") from exc
    if isinstance(payload, dict) and "code" in payload:
        code = payload["code"]
        if str(code).strip() != "200":
            message = payload.get("msg") or payload.get("message") or ""
            code_text = str(code).strip()
            login = code_text in ("401", "403") or bool(_LOGIN.search(str(message)))
            busy = not login and (code_text.startswith("5") or code_text == "429" or bool(_BUSY.search(str(message))))
            raise ApiRefused(f"API answered code {code!r} {message}".strip(), busy=busy)
    return payload


def _api_id(value: object) -> tuple[int | None, bool]:
    """(the article id in an API item's `id`, whether a number stood there that is no id).

    The API sends ids as JSON numbers or strings; scraper.ids decides (a string may be padded)."""
    if isinstance(value, str):
        value = value.strip()
    found = _article_id(value)
    if found is not None:
        return found, False
    number = (isinstance(value, int) and not isinstance(value, bool)) or (
        isinstance(value, str) and _SIGNED_DIGITS.fullmatch(value) is not None
    )
    return None, number


_SIGNED_DIGITS = re.compile(r"[+-]?\d+")


def _as_int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    text = value.strip() if isinstance(value, str) else ""
    if text.isascii() and text.isdigit() and len(text) <= 19:  # `isdigit` alone takes "²", which int() refuses
        return int(text)
    return None


def _query_int(url: str, key: str) -> int | None:
    values = parse_qs(urlsplit(url).query).get(key)
    return _as_int(values[0]) if values else None


def _with_page(url: str, page: int) -> str:
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    if any(k == "pageNum" for k, _ in query):
        query = [(k, str(page) if k == "pageNum" else v) for k, v in query]
    else:
        query.append(("pageNum", str(page)))
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query, safe=","), parts.fragment))


def parse_api_list(body: bytes, url: str, article_paths: tuple[str, ...] = DEFAULT_ARTICLE_PATHS) -> ListPage:
    """One page of `/api/cms/article/list` -> references (URLs built from ids) and the next page.

    The next page exists while pageNum * pageSize < total (pageNum and pageSize from the answer, else
    from the request URL); without a total, while the page came back full. An empty list ends it.
    """
    payload = _load_api(body, url)
    data = payload.get("data") if isinstance(payload, dict) else None
    if isinstance(data, dict):
        items = data.get("list")
        if items is None:
            items = data.get("rows") or data.get("records") or []
    elif isinstance(data, list):
        items, data = data, {}
    else:
        raise ParseError("API answer has no data.list")
    if not isinstance(items, list):
        raise ParseError("API data.list is not a list")

    links: list[ArticleLink] = []
    seen: set[int] = set()
    skipped = 0
    for item in items:
        if not isinstance(item, dict):
            continue
        article_id, out_of_range = _api_id(item.get("id"))
        skipped += out_of_range
        if article_id is None or article_id in seen:
            continue
        seen.add(article_id)
        title = item.get("title")
        published = None
        for key in _DATE_KEYS:
            if isinstance(item.get(key), str):
                value = parse_date(item[key])
                if value:
                    published = value.day
                    break
        links.append(
            ArticleLink(
                article_id=article_id,
                url=article_url(url, article_id, article_paths),
                title=title.strip() if isinstance(title, str) and title.strip() else None,
                published=published,
                category_id=_as_int(item.get("categoryId")),
            )
        )

    page = _as_int(data.get("pageNum")) or _query_int(url, "pageNum") or 1
    size = _as_int(data.get("pageSize")) or _query_int(url, "pageSize")
    total = next((_as_int(data.get(k)) for k in _TOTAL_KEYS if _as_int(data.get(k)) is not None), None)
    if not items:
        has_next = False
    elif total is not None and size:
        has_next = page * size < total
    else:
        has_next = size is not None and len(items) >= size
    return ListPage(links=links, next_url=_with_page(url, page + 1) if has_next else None, skipped_ids=skipped)


@dataclass(frozen=True)
class IdList:
    """An id-list answer: the ids in answer order, each once, and how many numbers were no id."""

    ids: list[int]
    skipped_ids: int = 0


def parse_api_ids(body: bytes, url: str) -> list[int]:
    """`/api/cms/article/getIdsList` -> ids in answer order, each once (objects with `id`, or bare ids)."""
    return parse_api_id_page(body, url).ids


def parse_api_id_page(body: bytes, url: str) -> IdList:
    """`parse_api_ids` with the count of numbers skipped for being no article id (2**63, 10**40 ...)."""
    payload = _load_api(body, url)
    data = payload.get("data") if isinstance(payload, dict) else payload
    if isinstance(data, dict):
        data = data.get("list") if data.get("list") is not None else data.get("ids")
    if not isinstance(data, list):
        raise ParseError("API answer has no list of ids")
    ids: list[int] = []
    seen: set[int] = set()
    skipped = 0
    for item in data:
        value, out_of_range = _api_id(item.get("id") if isinstance(item, dict) else item)
        skipped += out_of_range
        if value is not None and value not in seen:
            seen.add(value)
            ids.append(value)
    return IdList(ids, skipped)
