"""Save simulator pages covering every template, era and body feature, labelled from the simulator's truth.

    python3 bench/make_sim_fixtures.py            # rewrites tests/fixtures/pages/sim/

Pages are fetched over HTTP from `simulator.SimServer`; labels come from `GET /__sim__/truth?full=1`,
converted to what the page *shows* (docs/parsing.md, "Fixture labels"):
- title without its `【column】` prefix (the column is its own field);
- published_at / published_raw / views only when the page has a header line (the vendor front end
  always shows date and clicks); source only on the 2020 layout's header line;
- the vendor page renders no image captions, no attachments, and a footer without e-mail or police record;
- absolute URLs on the fixed base http://www.ncgh.org.cn (the page's links are root-relative).
Articles are chosen greedily so that every (template, feature, value) triple seen in the corpus is
covered at least once: header line, paragraph wrapping style, old-layout blank lines, images,
captions, attachments, signature kind, quirk, column; then a GBK site without charset declarations,
vendor pages and a deleted-article page.
"""

from __future__ import annotations

import json
import re
import sys
import urllib.request
from pathlib import Path

from simulator import SimConfig, SimServer

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.labelled_fixtures import label_from_truth  # noqa: E402

OUT = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "pages" / "sim"
BASE = "http://www.ncgh.org.cn"


def fetch(url: str) -> tuple[bytes, str | None]:
    with urllib.request.urlopen(url, timeout=10) as resp:  # noqa: S310 - loopback simulator
        return resp.read(), resp.headers.get("Content-Type")


def truth(server: SimServer) -> dict:
    body, _ = fetch(server.url + "/__sim__/truth?full=1")
    return json.loads(body)


def signature_kind(sig: str | None) -> str:
    if not sig:
        return "none"
    first = sig.split("\n")[0]
    kind = "byline" if first.startswith("(") else "colon" if ":" in first else "space" if " " in first else (
        "name" if len(first) <= 3 else "unit")
    return kind + ("+date" if "\n" in sig else "")


def features(a: dict) -> set[tuple[str, str, str]]:
    t = a["template"]
    feats = {
        "header": str(a["header_line"]),
        "images": str(bool(a["images"])),
        "caption": str(any(i["caption"] for i in a["images"])),
        "attachments": str(bool(a["attachments"])),
        "signature": signature_kind(a["signature"]),
        "quirk": str(a["quirk"]),
        "column": str(bool(a["column"])),
    }
    return {(t, k, v) for k, v in feats.items()}


def label(a: dict, base: str, footer: dict, encoding: str, content_type: str | None, vendor: bool = False) -> dict:
    lab = label_from_truth(a, base, BASE, footer, encoding, content_type, vendor)
    lab["html_contains"] = []
    lab["html_excludes"] = ["<script", "字体大小", "分享到", "上一篇", "javascript:", "style=", "ICP备"]
    lab["sim"] = {"template": "vendor" if vendor else a["template"], "quirk": a["quirk"]}
    return lab


def pick(articles: list[dict]) -> list[dict]:
    """Greedy cover of every (template, feature, value) triple present in the corpus."""
    live = [a for a in articles if a["status"] == "live"]
    uncovered = set().union(*(features(a) for a in live))
    chosen: list[dict] = []
    while uncovered:
        best = max(live, key=lambda a: (len(features(a) & uncovered), -a["id"]))
        gain = features(best) & uncovered
        if not gain:
            break
        chosen.append(best)
        uncovered -= gain
    return chosen


def main() -> int:
    if OUT.exists():
        for old in OUT.iterdir():
            old.unlink()
    OUT.mkdir(parents=True, exist_ok=True)
    labels: dict[str, dict] = {}

    def save(name: str, body: bytes, lab: dict) -> None:
        (OUT / name).write_bytes(body)
        labels[name] = lab

    # 1. UTF-8 site (day 0): every template and body feature.
    with SimServer(SimConfig(articles=400, seed=7)) as server:
        t = truth(server)
        for a in pick(t["articles"]):
            body, ctype = fetch(f"{server.url}/nczhghcms/article/{a['id']}")
            save(f"{a['template']}-{a['id']}.html", body, label(a, server.url, t["footer"], "utf-8", ctype))
        # 2. The vendor front end for three articles (with and without images/signature).
        live = [a for a in t["articles"] if a["status"] == "live"]
        vendor = [next(a for a in live if a["images"]), next(a for a in live if a["signature"]),
                  next(a for a in live if not a["signature"] and not a["images"])]
        for a in vendor:
            body, ctype = fetch(f"{server.url}/plugin/gh/ghzx/pc_detail.php?erid=34&id={a['id']}&yiid=32")
            save(f"vendor-{a['id']}.html", body, label(a, server.url, t["footer"], "utf-8", ctype, vendor=True))

    # 3. GBK site without any charset declaration, after the footer gained its police record line.
    cfg = SimConfig(articles=120, seed=3, encoding="gbk", charset_header=False, meta_charset=False, day=0)
    with SimServer(cfg) as server:
        server.advance(6)
        t = truth(server)
        done: set[str] = set()
        for a in t["articles"]:
            key = f"{a['template']}-{a['header_line']}"
            if a["status"] != "live" or key in done:
                continue
            done.add(key)
            body, ctype = fetch(f"{server.url}/nczhghcms/article/{a['id']}")
            save(f"gbk-{a['template']}-{a['id']}.html", body, label(a, server.url, t["footer"], "gb18030", ctype))
        # 4. A deleted article served as a 200 "does not exist" page.
        for _ in range(60):
            gone = [a for a in t["articles"] if a["status"] == "deleted" and a["deletion_kind"] == "not_exist_page"]
            if gone:
                break
            server.advance(1)
            t = truth(server)
        if gone:
            body, ctype = fetch(f"{server.url}/nczhghcms/article/{gone[0]['id']}")
            save(f"not-exist-{gone[0]['id']}.html", body,
                 {"url": f"{BASE}/nczhghcms/article/{gone[0]['id']}", "content_type": ctype, "error": "ArticleMissing"})
        else:
            print("warning: no not-exist page within 60 days", file=sys.stderr)

    (OUT / "labels.json").write_text(json.dumps(labels, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    kinds = sorted({re.sub(r"-\d+\.html$", "", n) for n in labels})
    print(f"wrote {len(labels)} pages to {OUT}: {', '.join(kinds)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
