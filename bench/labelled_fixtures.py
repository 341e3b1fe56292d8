"""Labelled fixture pages for the parser tests and bench/accuracy_fixtures.py.

Fixtures live in tests/fixtures/pages/<set>/ with a labels.json per set (hand: written by hand from
what each page shows; sim: saved from the simulator with labels from its truth). Comparing a record
with a label is done here, once, so the test and the accuracy script count the same things.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from scraper.parse import parse_article
from scraper.records import ArticleMissing, ParseError

PAGES = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "pages"
SETS = ("hand", "families", "sim")
# Every ArticleRecord field a label states; body_html is checked through html_contains/html_excludes.
FIELDS = (
    "article_id", "title", "column", "published_at", "published_raw", "views", "source", "author",
    "body_text", "images", "attachments", "signature", "footer", "encoding", "extractor", "warnings",
)  # fmt: skip


@dataclass(frozen=True)
class Fixture:
    set: str
    name: str
    path: Path
    label: dict

    @property
    def id(self) -> str:
        return f"{self.set}/{self.name}"


def fixtures() -> list[Fixture]:
    out: list[Fixture] = []
    for s in SETS:
        labels_path = PAGES / s / "labels.json"
        if not labels_path.exists():
            continue
        labels = json.loads(labels_path.read_text(encoding="utf-8"))
        for name, label in labels.items():
            out.append(Fixture(s, name, PAGES / s / name, label))
    return out


def check(fx: Fixture) -> dict[str, tuple[object, object]]:
    """{field: (got, expected)} for every labelled field the parser got wrong; {} when all are right.

    A label with `error` expects that exception (its name) and nothing else.
    """
    label = fx.label
    body = fx.path.read_bytes()
    expected_error = label.get("error")
    try:
        record = parse_article(body, label["url"], label.get("content_type"))
    except ArticleMissing as exc:
        got = "ArticleMissing"
        return {} if expected_error == got else {"error": (f"{got}: {exc.reason}", expected_error)}
    except ParseError as exc:
        got = "ParseError"
        return {} if expected_error == got else {"error": (f"{got}: {exc.reason}", expected_error)}
    if expected_error:
        return {"error": ("record", expected_error)}
    data = record.to_dict()
    wrong: dict[str, tuple[object, object]] = {}
    for key in FIELDS:
        if key in label and data[key] != label[key]:
            wrong[key] = (data[key], label[key])
    if data["url"] != label["url"]:
        wrong["url"] = (data["url"], label["url"])
    for snippet in label.get("html_contains", []):
        if snippet not in data["body_html"]:
            wrong.setdefault("body_html", ("missing " + snippet, None))
    for snippet in label.get("html_excludes", []):
        if snippet in data["body_html"]:
            wrong.setdefault("body_html", ("contains " + snippet, None))
    return wrong


def labelled_fields(fx: Fixture) -> list[str]:
    """The fields a fixture's label checks (for per-field accuracy)."""
    if fx.label.get("error"):
        return ["error"]
    keys = [k for k in FIELDS if k in fx.label] + ["url"]
    if fx.label.get("html_contains") or fx.label.get("html_excludes"):
        keys.append("body_html")
    return keys


def label_from_truth(a: dict, truth_base: str, page_base: str, footer: dict, encoding: str,
                     content_type: str | None, vendor: bool = False) -> dict:
    """The label of a simulator page from its article's `/__sim__/truth?full=1` entry: what the page *shows*.

    Title without its `【column】` prefix; date and views only with a header line (the vendor front end
    always shows them); source only on the 2020 layout's header line; the vendor page shows no image
    captions, no attachments, and a footer without e-mail or police record. URLs are moved from the
    simulator's base (`truth_base`) to the base the page is parsed with (`page_base`).
    """
    shown = a["header_line"] or vendor

    def rebase(url: str) -> str:
        return page_base + url[len(truth_base):] if url.startswith(truth_base) else url

    title = a["title"]
    if a["column"]:
        prefix = f"【{a['column']}】"
        assert title.startswith(prefix), title
        title = title[len(prefix):]
    url = (f"{page_base}/plugin/gh/ghzx/pc_detail.php?erid=34&id={a['id']}&yiid=32" if vendor
           else f"{page_base}/nczhghcms/article/{a['id']}")
    warnings = [] if shown else ["missing_date", "missing_views"]
    if vendor:
        warnings.append("fallback_used")
        footer = dict(footer, email=None, police_record=None)
    return {
        "url": url,
        "content_type": content_type,
        "article_id": a["id"],
        "title": title,
        "column": a["column"],
        "published_at": a["published"] if shown else None,
        "published_raw": a["published"] if shown else None,
        "views": a["views"] if shown else None,
        "source": a["source"] if (shown and a["template"] == "nav2020" and not vendor) else None,
        "author": a["author"],
        "body_text": a["body_text"],
        "images": [{"src": rebase(i["src"]), "caption": None if vendor else i["caption"]} for i in a["images"]],
        "attachments": [] if vendor else [{"url": rebase(t["url"]), "name": t["name"]} for t in a["attachments"]],
        "signature": a["signature"],
        "footer": footer,
        "encoding": encoding,
        "extractor": "fallback" if vendor else "profile",
        "warnings": warnings,
    }
