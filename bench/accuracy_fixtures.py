"""Per-field accuracy of the parser over every labelled fixture page (hand-written and simulator).

    python3 bench/accuracy_fixtures.py [-v]

Prints, for each field, how many fixtures state it and how many the parser got exactly right, per
fixture set and overall; -v lists every wrong field with what was expected. Target: 100% everywhere.
"""

from __future__ import annotations

import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.labelled_fixtures import check, fixtures, labelled_fields  # noqa: E402


def main(argv: list[str]) -> int:
    verbose = "-v" in argv
    total: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])  # (set, field) -> [right, stated]
    pages: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    failures: list[str] = []
    for fx in fixtures():
        wrong = check(fx)
        pages[fx.set][1] += 1
        pages["all"][1] += 1
        if not wrong:
            pages[fx.set][0] += 1
            pages["all"][0] += 1
        for field in labelled_fields(fx):
            for key in ((fx.set, field), ("all", field)):
                total[key][1] += 1
                if field not in wrong:
                    total[key][0] += 1
        for field, (got, expected) in wrong.items():
            failures.append(f"{fx.id} {field}: got {got!r:.120} expected {expected!r:.120}")

    sets = sorted({s for s, _ in total if s != "all"}) + ["all"]
    fields = sorted({f for _, f in total}, key=lambda f: (f == "error", f))
    print(f"{'field':<15}" + "".join(f"{s:>16}" for s in sets))
    for field in fields:
        row = f"{field:<15}"
        for s in sets:
            right, stated = total.get((s, field), [0, 0])
            row += f"{f'{right}/{stated}':>10} {100 * right / stated:4.0f}%" if stated else f"{'-':>16}"
        print(row)
    row = f"{'pages all right':<15}"
    for s in sets:
        right, stated = pages[s]
        row += f"{f'{right}/{stated}':>10} {100 * right / stated:4.0f}%" if stated else f"{'-':>16}"
    print(row)
    if failures and verbose:
        print("\n".join(failures))
    elif failures:
        print(f"{len(failures)} wrong fields; -v lists them")
    return 0 if not failures else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
