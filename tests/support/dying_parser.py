"""A parser child for tests: it dies on a page whose URL says "die" and stalls on one that says "slow"
(ncgh.parse_pool.serve with another work function), so the crawl's handling of a child that crashes
or hangs on a hostile page can be shown without one."""

from __future__ import annotations

import os
import sys
import time

from ncgh.parse_pool import interpret_and_prepare, serve


def work(site, url, *rest):  # noqa: ANN001, ANN201 - interpret_and_prepare's arguments
    if "die" in url:
        os._exit(3)  # as a segfault would: no answer, no cleanup
    if "slow" in url:
        time.sleep(30)
    return interpret_and_prepare(site, url, *rest)


COMMAND = [sys.executable, "-c", f"import sys; sys.path[:0] = {sys.path!r}; import tests.support.dying_parser as d; d.main()"]


def main() -> None:
    serve(work)


if __name__ == "__main__":
    main()
