"""Run every benchmark in bench/ (modules named ``bench_*.py`` with a ``run()``), print a
report and write it as JSON to bench/results/.

    python -m bench                 # all of them
    python -m bench home            # only bench_home.py
    python -m bench --seconds 5     # a shorter budget per measured phase
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import pkgutil
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.harness import ROOT, Budget

RESULTS = Path(__file__).resolve().parent / "results"


def discover() -> list[str]:
    """Names of the benchmark modules, without the ``bench_`` prefix, in alphabetical order."""
    folder = str(Path(__file__).resolve().parent)
    return sorted(
        info.name.removeprefix("bench_")
        for info in pkgutil.iter_modules([folder])
        if info.name.startswith("bench_")
    )


def _commit() -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        )
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return out.stdout.strip()


def _machine() -> dict[str, Any]:
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "commit": _commit(),
    }


def _format(value: object) -> str:
    if isinstance(value, float):
        return f"{value:,.3f}".rstrip("0").rstrip(".")
    return str(value)


def report(result: dict[str, Any]) -> str:
    """A readable block for one benchmark's result."""
    lines = [f"== {result['name']}: {result['description']}"]
    budget = result["budget"]
    lines.append(
        f"   budget: {budget['workers']} workers, up to {budget['requests']} requests "
        f"or {budget['seconds']} s per phase, {budget['warmup']} warm-up requests"
    )
    for key, section in result.items():
        if key in {"name", "description", "budget"} or not isinstance(section, dict):
            continue
        cells = ", ".join(f"{k}={_format(v)}" for k, v in section.items())
        lines.append(f"   {key:<10} {cells}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("names", nargs="*", help=f"benchmarks to run (default: {discover()})")
    defaults = Budget()
    parser.add_argument("--workers", type=int, default=defaults.workers)
    parser.add_argument("--requests", type=int, default=defaults.requests)
    parser.add_argument("--seconds", type=float, default=defaults.seconds)
    parser.add_argument("--warmup", type=int, default=defaults.warmup)
    args = parser.parse_args(argv)
    available = discover()
    unknown = sorted(set(args.names) - set(available))
    if unknown:
        parser.error(f"unknown benchmark(s) {unknown}; available: {available}")
    budget = Budget(args.workers, args.requests, args.seconds, args.warmup)

    results = []
    for name in args.names or available:
        module = importlib.import_module(f"bench.bench_{name}")
        started = time.monotonic()
        result = module.run(budget)
        result["wall_seconds"] = round(time.monotonic() - started, 1)
        results.append(result)
        print(report(result), flush=True)

    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / time.strftime("%Y%m%d-%H%M%S.json")
    path.write_text(json.dumps({"machine": _machine(), "results": results}, indent=2) + "\n")
    print(f"\nWritten to {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
