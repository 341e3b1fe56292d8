"""Accuracy of the generic fallback (scraper.extract) on ../shared/realpages.

Prints, per corpus folder and overall:
- body F1: character-level F1 between the extracted main text and the ground-truth body, over the
  multiset of non-whitespace characters (precision = shared chars / extracted chars, recall = shared
  chars / truth chars; see docs/extraction.md), for pages with a full body text;
  also an order-aware variant over character bigrams;
- excerpt containment: for pages whose ground truth only has the first and last sentence
  (body_excerpt_start/end), the share of those excerpts found in the extracted text
  (whitespace ignored); must_contain / must_not_contain snippets likewise;
- date accuracy: guess_publication_date against publish_date, compared at the precision the
  labeller gave (day, month, year, or month-day when the label has no year).

Usage: python3 bench/accuracy_realpages.py [--verbose] [REALPAGES_DIR]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import lxml.html

from scraper.encoding import decode
from scraper.extract import extract_main
from scraper.pubdate import guess_publication_date

DEFAULT_ROOT = Path(__file__).resolve().parents[2] / "shared" / "realpages"
_WS = re.compile(r"\s+")


def parse_html(text: str) -> lxml.html.HtmlElement:
    parser = lxml.html.HTMLParser(encoding="utf-8")
    return lxml.html.document_fromstring(text.encode("utf-8", errors="replace"), parser=parser)


def squash(s: str) -> str:
    return _WS.sub("", s.replace("\u3000", "").replace("\u00a0", ""))


def f1_counts(pred: Counter, truth: Counter) -> tuple[float, float, float]:
    if not pred or not truth:
        return (0.0, 0.0, 1.0 if not pred and not truth else 0.0)
    shared = sum((pred & truth).values())
    p = shared / sum(pred.values())
    r = shared / sum(truth.values())
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def char_f1(pred: str, truth: str) -> tuple[float, float, float]:
    return f1_counts(Counter(squash(pred)), Counter(squash(truth)))


def bigram_f1(pred: str, truth: str) -> float:
    a, b = squash(pred), squash(truth)
    return f1_counts(Counter(zip(a, a[1:], strict=False)), Counter(zip(b, b[1:], strict=False)))[2]


def truth_date(label: str) -> tuple[str, tuple[int, ...]] | None:
    """("ymd"|"ym"|"y"|"md", parts) from a labeller's string such as 2005-5-7 21:23:57 or 2003-5."""
    label = label.strip()
    m = re.match(r"^(\d{4})(?:\D{1,2}(\d{1,2}))?(?:\D{1,2}(\d{1,2}))?", label)
    if m:
        parts = tuple(int(g) for g in m.groups() if g is not None)
        return ({1: "y", 2: "ym", 3: "ymd"}[len(parts)], parts)
    m = re.match(r"^(\d{1,2})月(\d{1,2})日", label)
    if m:
        return ("md", (int(m.group(1)), int(m.group(2))))
    return None


def date_matches(kind: str, parts: tuple[int, ...], iso_day: str) -> bool:
    """Same value at the labeller's precision; a month-precision guess never matches a day label."""
    got = [int(x) for x in iso_day.split("-")]
    if len(got) == 2:
        return kind in ("y", "ym") and tuple(got[: len(parts)]) == parts
    y, mo, d = got
    return {"y": (y,), "ym": (y, mo), "ymd": (y, mo, d), "md": (mo, d)}[kind] == parts


def truth_body(folder: Path, row: dict) -> str | None:
    name = row.get("body_text_file")
    if not name:
        return None
    path = folder / name
    raw = path.read_bytes()
    text = decode(raw).text
    if path.suffix in (".html", ".htm"):
        return lxml.html.fragment_fromstring(text, create_parent="div").text_content()
    return text


@dataclass
class Tally:
    f1: list[float] = field(default_factory=list)
    bigram: list[float] = field(default_factory=list)
    precision: list[float] = field(default_factory=list)
    recall: list[float] = field(default_factory=list)
    excerpts: list[bool] = field(default_factory=list)
    must: list[bool] = field(default_factory=list)
    dates: list[bool] = field(default_factory=list)
    dates_day: list[bool] = field(default_factory=list)  # month-precision guesses counted as misses
    pages: int = 0
    seconds: float = 0.0

    def add(self, other: Tally) -> None:
        for name in ("f1", "bigram", "precision", "recall", "excerpts", "must", "dates", "dates_day"):
            getattr(self, name).extend(getattr(other, name))
        self.pages += other.pages
        self.seconds += other.seconds


def mean(xs: list[float] | list[bool]) -> str:
    return f"{sum(xs) / len(xs):.3f} (n={len(xs)})" if xs else "-"


@dataclass
class Guess:
    """One extractor's answer for a page: body text and publication date (None when it has none)."""

    body: str
    day: str | None  # "YYYY-MM-DD" or "YYYY-MM" (month precision)
    iso: str | None
    day_precision: bool


def ours(text: str) -> Guess:
    tree = parse_html(text)
    main = extract_main(tree)
    date = guess_publication_date(tree, allow_month=True, main=main)
    return Guess(main.text if main else "", date.day if date else None, date.iso if date else None,
                 date is not None and date.precision == "day")


def baselines() -> dict[str, object]:
    """General-purpose extractors for comparison, when installed (they are not project dependencies):
    trafilatura (body and date, Chinese-aware settings off by default) and readability-lxml (body)
    with htmldate (date)."""
    found: dict[str, object] = {}
    try:
        import trafilatura

        def traf(text: str) -> Guess:
            body = trafilatura.extract(text, include_comments=False, include_tables=True) or ""
            meta = trafilatura.extract_metadata(text)
            day = meta.date if meta and meta.date else None
            return Guess(body, day, day, day is not None)

        found["trafilatura"] = traf
    except ImportError:
        pass
    try:
        from htmldate import find_date
        from readability import Document

        def readab(text: str) -> Guess:
            try:
                summary = Document(text).summary(html_partial=True)
                body = lxml.html.fragment_fromstring(summary, create_parent="div").text_content()
            except Exception:
                body = ""
            try:
                day = find_date(text, original_date=True)
            except Exception:
                day = None
            return Guess(body, day, day, day is not None)

        found["readability+htmldate"] = readab
    except ImportError:
        pass
    return found


def run(root: Path, verbose: bool, extractor=ours) -> dict[str, Tally]:  # noqa: ANN001
    tallies: dict[str, Tally] = {}
    for gt in sorted(root.glob("*/ground_truth.jsonl")):
        folder = gt.parent
        tally = Tally()
        for line in gt.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            row = json.loads(line)
            raw = (folder / row["file"]).read_bytes()
            started = time.perf_counter()
            guess = extractor(decode(raw).text)
            pred = guess.body
            tally.seconds += time.perf_counter() - started
            tally.pages += 1
            notes = []
            body = truth_body(folder, row)
            if body is not None:
                p, r, f = char_f1(pred, body)
                tally.f1.append(f)
                tally.precision.append(p)
                tally.recall.append(r)
                tally.bigram.append(bigram_f1(pred, body))
                notes.append(f"F1={f:.3f} P={p:.3f} R={r:.3f}")
            elif row.get("body_excerpt_start"):
                flat = squash(pred)
                for key in ("body_excerpt_start", "body_excerpt_end"):
                    if row.get(key):
                        hit = squash(row[key]) in flat
                        tally.excerpts.append(hit)
                        notes.append(f"{key[13:]}={'ok' if hit else 'MISS'}")
            for snippet in row.get("must_contain") or []:
                hit = squash(snippet) in squash(pred)
                tally.must.append(hit)
                notes.append(f"has[{snippet}]={'ok' if hit else 'MISS'}")
            for snippet in row.get("must_not_contain") or []:
                hit = squash(snippet) not in squash(pred)
                tally.must.append(hit)
                notes.append(f"not[{snippet}]={'ok' if hit else 'MISS'}")
            label = row.get("publish_date")
            parsed = truth_date(label) if label else None
            if parsed is not None:
                ok = guess.day is not None and date_matches(parsed[0], parsed[1], guess.day)
                tally.dates.append(ok)
                tally.dates_day.append(ok and guess.day_precision)
                notes.append(f"date {'ok' if ok else 'MISS'} truth={label} got={guess.iso}")
            if verbose:
                print(f"  {folder.name}/{row['file']}: {'; '.join(notes)}")
        tallies[folder.name] = tally
    return tallies


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("root", nargs="?", type=Path, default=DEFAULT_ROOT)
    ap.add_argument("--verbose", "-v", action="store_true", help="one line per page")
    ap.add_argument("--compare", action="store_true", help="also run trafilatura / readability+htmldate if installed")
    args = ap.parse_args(argv)
    if not args.root.is_dir():
        print(f"no realpages at {args.root}", file=sys.stderr)
        return 2
    report("scraper.extract (ncgh fallback)", run(args.root, args.verbose))
    if args.compare:
        others = baselines()
        if not others:
            print("\n--compare: neither trafilatura nor readability-lxml+htmldate is installed")
        for name, fn in others.items():
            report(name, run(args.root, args.verbose, fn))
    return 0


def report(title: str, tallies: dict[str, Tally]) -> None:
    print(f"\n== {title}")
    total = Tally()
    header = f"{'folder':42} {'pages':>5} {'body F1':>16} {'bigram F1':>16} {'excerpts':>16} {'snippets':>16} {'date acc':>16}"
    print(header)
    for name, t in tallies.items():
        total.add(t)
        print(f"{name:42} {t.pages:5} {mean(t.f1):>16} {mean(t.bigram):>16} {mean(t.excerpts):>16} {mean(t.must):>16} {mean(t.dates):>16}")
    print(f"{'OVERALL':42} {total.pages:5} {mean(total.f1):>16} {mean(total.bigram):>16} {mean(total.excerpts):>16} {mean(total.must):>16} {mean(total.dates):>16}")
    print(f"date accuracy counting month-precision guesses (allow_month) as misses: {mean(total.dates_day)}")
    print(f"body precision {mean(total.precision)}, recall {mean(total.recall)}; "
          f"{total.pages / max(total.seconds, 1e-9):.1f} pages/s (decode + parse + extract + date)")


if __name__ == "__main__":
    sys.exit(main())
