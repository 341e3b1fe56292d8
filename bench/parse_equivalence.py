"""Does a parser change alter any record? Save every record of a large varied corpus, change, compare.

    python3 bench/parse_equivalence.py save /tmp/records.pickle    # before the change
    python3 bench/parse_equivalence.py check /tmp/records.pickle   # after: exit 1 and the diffs if any

Speed work on `scraper/` must leave the records alone (a changed record is a new archive version on
the next re-parse), and the fixtures alone are too few to show that. The corpus (about 4,200 pages,
built the same way each run): every live article of six seeded simulator sites (UTF-8 and GBK, lying
and missing charset declarations, several days so edits and eras are in), every labelled fixture
under tests/fixtures/pages, the real pages under ../shared/realpages (fallback path; `--realpages DIR` elsewhere) when present,
and 1,500 mutations of those (truncations, cut-outs, junk bytes, inserted markup, charset headers,
mangled class attributes) from a fixed seed. Compared: every field of `parse_article`'s record but
`parser_version`, or the exception type and message.
"""

from __future__ import annotations

import argparse
import dataclasses
import pickle
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scraper.parse import parse_article  # noqa: E402
from simulator.config import SimConfig  # noqa: E402
from simulator.site import SimSite  # noqa: E402

REALPAGES = ROOT.parent / "shared" / "realpages"
SITES = (  # seed, encoding, day, lie, charset header, meta charset
    (11, "utf-8", 0, "none", True, True),
    (3, "gbk", 0, "none", True, True),
    (5, "utf-8", 20, "header", True, True),
    (7, "gbk", 10, "meta", False, True),
    (9, "utf-8", 5, "none", False, False),
    (13, "gbk", 3, "none", False, False),
)
INSERTS = (
    b"<script>x</script>", b'<p class="caption">\xe5\x9b\xbe</p>', b'<img src="a.jpg" alt="pic">', b"&#1;&#x0;",
    b'<div class="detail-info footer">\xe5\x8f\x91\xe5\xb8\x83\xe6\x97\xb6\xe9\x97\xb4:2020-1-2</div>',
    b'<a href="x.doc">f</a>', b'<base href="/q/">', b"<form><input></form>", b'<p style="text-align:center">cap</p>',
    b'<td class="art-body">t</td>', b"\xee\x80\x80", b"\x00\x01",
)  # fmt: skip

Page = tuple[str, bytes, "str | None"]


def corpus(articles: int = 400, mutations: int = 1500, realpages: Path = REALPAGES) -> list[Page]:
    pages: list[Page] = []
    for seed, encoding, day, lie, header, meta in SITES:
        config = SimConfig(articles=articles, seed=seed, encoding=encoding, day=day, lie=lie,
                           charset_header=header, meta_charset=meta)
        site = SimSite(config)
        for article_id in sorted(site.state.articles):
            path = f"/nczhghcms/article/{article_id}"
            resp = site.handle(path, {})
            pages.append((f"http://www.ncgh.org.cn{path}", resp.body, resp.content_type))
    for f in sorted((ROOT / "tests" / "fixtures" / "pages").rglob("*.htm*")):
        pages.append(("http://www.ncgh.org.cn/nczhghcms/article/1", f.read_bytes(), None))
    if realpages.is_dir():
        for f in sorted(realpages.rglob("*.htm*")):
            pages.append(("http://example.com/a/b.html", f.read_bytes(), None))
    rnd = random.Random(1)
    originals = list(pages)
    for _ in range(mutations):
        url, body, ctype = rnd.choice(originals)
        kind = rnd.randrange(6)
        i, j = sorted((rnd.randrange(len(body) + 1), rnd.randrange(len(body) + 1)))
        if kind == 0:
            body = body[:j]
        elif kind == 1:
            body = body[:i] + body[j:]
        elif kind == 2:
            body = body[:i] + bytes(rnd.randrange(256) for _ in range(rnd.randrange(1, 40))) + body[i:]
        elif kind == 3:
            body = body[:i] + rnd.choice(INSERTS) + body[i:]
        elif kind == 4:
            ctype = rnd.choice([None, "text/html", "text/html; charset=gbk", "text/html; charset=iso-8859-1",
                                "text/html; charset=utf-8"])
        else:
            body = body.replace(b'class="', rnd.choice([b'CLASS="', b'class="x ', b"class='", b'id="']),
                                rnd.randrange(1, 6))
        pages.append((url, body, ctype))
    return pages


def outcome(page: Page) -> tuple[str, object]:
    url, body, ctype = page
    try:
        record = dataclasses.asdict(parse_article(body, url, ctype))
    except Exception as exc:  # the exception and its message are part of the behaviour compared
        return type(exc).__name__, str(exc)
    record.pop("parser_version")
    return "ok", record


def _window(a: object, b: object, width: int = 60) -> str:
    """The two values around their first difference (strings), else both shortened."""
    if not (isinstance(a, str) and isinstance(b, str)):
        return f"{a!r:.200} -> {b!r:.200}"
    at = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))
    lo = max(0, at - width // 2)
    return f"at {at}: {a[lo:at + width]!r} -> {b[lo:at + width]!r}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("action", choices=("save", "check"))
    ap.add_argument("path", type=Path)
    ap.add_argument("--show", type=int, default=10, help="pages whose differences are printed")
    ap.add_argument("--realpages", type=Path, default=REALPAGES,
                    help="the real pages (default ../shared/realpages; a git worktree elsewhere must name them)")
    args = ap.parse_args()
    if not args.realpages.is_dir():
        print(f"note: no real pages at {args.realpages}: the fallback path is checked on mutations only")
    pages = corpus(realpages=args.realpages)
    results = [outcome(p) for p in pages]
    if args.action == "save":
        args.path.write_bytes(pickle.dumps(results))
        print(f"saved {len(results)} outcomes ({sum(r[0] == 'ok' for r in results)} records) to {args.path}")
        return 0
    saved = pickle.loads(args.path.read_bytes())
    if len(saved) != len(results):
        print(f"the corpus changed ({len(saved)} saved, {len(results)} now): save again before the change")
        return 2
    diffs = [i for i, (a, b) in enumerate(zip(saved, results, strict=True)) if a != b]
    print(f"{len(results)} pages, {len(diffs)} with a different outcome")
    fields: dict[str, int] = {}
    for i in diffs:
        (kind_a, a), (kind_b, b) = saved[i], results[i]
        changed = [k for k in a if a[k] != b[k]] if kind_a == kind_b == "ok" else ["outcome"]  # type: ignore[index,union-attr]
        for key in changed:
            fields[key] = fields.get(key, 0) + 1
    if fields:
        print("changed fields (pages):", ", ".join(f"{k} {n}" for k, n in sorted(fields.items())))
    for i in diffs[: args.show]:
        (kind_a, a), (kind_b, b) = saved[i], results[i]
        print(f"- page {i}: {pages[i][0]} ({pages[i][2]})")
        if kind_a == kind_b == "ok":
            for key in a:  # type: ignore[union-attr]
                if a[key] != b[key]:  # type: ignore[index]
                    print(f"    {key}: {_window(a[key], b[key])}")  # type: ignore[index]
        else:
            print(f"    {kind_a}: {str(a):.200} -> {kind_b}: {str(b):.200}")
    return 1 if diffs else 0


if __name__ == "__main__":
    sys.exit(main())
