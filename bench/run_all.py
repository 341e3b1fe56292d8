"""Run every benchmark under bench/ and print each one's numbers, with the machine they ran on.

Runs bench/bench_*.py and bench/accuracy_*.py (each with its own defaults, one after the other, each
in its own process) and, with --chaos, the long reliability run bench/chaos.py. Every script also
runs alone: the header before its output is the exact command. The whole output is also written to
bench/out/run_all.txt (git-ignored).

    python3 bench/run_all.py [--only NAME ...] [--skip NAME ...] [--chaos] [--list]

NAME is a script's name with or without .py (e.g. bench_search).
"""

from __future__ import annotations

import argparse
import os
import platform
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
OUT = BENCH / "out"


def scripts(chaos: bool) -> list[Path]:
    found = sorted(BENCH.glob("bench_*.py")) + sorted(BENCH.glob("accuracy_*.py"))
    if chaos:
        found.append(BENCH / "chaos.py")
    return found


def machine() -> str:
    """nproc, memory, CPU, Python and SQLite versions: what a reader needs to compare numbers."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        mem_kb = next(
            int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")
        )
        mem = f"{mem_kb / 1024 / 1024:.1f} GiB"
    except (OSError, StopIteration, ValueError):
        mem = "unknown"
    return (
        f"machine: {os.cpu_count()} CPUs ({cpu}), {mem} memory, {platform.system()} {platform.release()};"
        f" Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}"
    )


def _name(path: Path) -> str:
    return path.stem


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", default=[], metavar="NAME")
    parser.add_argument("--skip", nargs="+", default=[], metavar="NAME")
    parser.add_argument("--chaos", action="store_true", help="Also run bench/chaos.py (20 kills, faults).")
    parser.add_argument("--list", action="store_true", help="List the scripts and exit.")
    args = parser.parse_args()
    only = {n.removesuffix(".py") for n in args.only}
    skip = {n.removesuffix(".py") for n in args.skip}
    chosen = [p for p in scripts(args.chaos or "chaos" in only) if (not only or _name(p) in only) and _name(p) not in skip]
    unknown = (only | skip) - {_name(p) for p in scripts(True)}
    if unknown:
        raise SystemExit(f"run_all: no such benchmark: {', '.join(sorted(unknown))}")
    if args.list:
        for path in chosen:
            print(f"python3 bench/{path.name}")
        return
    OUT.mkdir(exist_ok=True)
    log = (OUT / "run_all.txt").open("w", encoding="utf-8")

    def emit(text: str) -> None:
        print(text, flush=True)
        log.write(text + "\n")
        log.flush()

    emit(f"run_all: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    emit(machine())
    results = []
    for path in chosen:
        command = f"python3 bench/{path.name}"
        emit(f"\n== {command}")
        started = time.monotonic()
        proc = subprocess.Popen(
            [sys.executable, str(path)], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        assert proc.stdout is not None
        for line in proc.stdout:
            emit(line.rstrip("\n"))
        code = proc.wait()
        seconds = time.monotonic() - started
        results.append((command, code, seconds))
        emit(f"== {command}: exit {code} in {seconds:.0f}s")
    emit("\nsummary")
    for command, code, seconds in results:
        emit(f"  {'ok  ' if code == 0 else 'FAIL'} {seconds:7.0f}s  {command}")
    log.close()
    raise SystemExit(1 if any(code for _, code, _ in results) else 0)


if __name__ == "__main__":
    main()
