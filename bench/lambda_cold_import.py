"""Benchmark: what importing each Lambda handler costs a cold start.

What it measures
----------------
For every function of `lambda_functions.FUNCTIONS` whose handler module exists, a fresh
interpreter imports the handler module; RUNS times each, the functions taken in turn (so a
busy moment of the machine spreads over all of them). Two times per run:
- import: inside the subprocess, from before `import <handler>` to after it
  (time.perf_counter), the interpreter's own start left out;
- process: the whole subprocess, start to exit, as the parent sees it.
Beside them, the bare interpreter (`python -c pass`) the same way: the floor every function
pays. Medians are printed, with the number of modules each import loads and whether strands
or dbos is among them (neither may be for the Slack webhook).

The handlers are imported from the project's source with the installed dependencies and
their bytecode caches: the shipped archives carry bytecode too. Runs on the machine's own
architecture, so it measures the Python work, not Lambda's file system.

Run: python bench/lambda_cold_import.py [--runs 7] [--only KEY ...]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from exec_assistant.lambda_functions import FUNCTIONS  # noqa: E402

PROBE = """
import json, sys, time
before = set(sys.modules)
started = time.perf_counter()
import {module}
elapsed = time.perf_counter() - started
loaded = set(sys.modules) - before
print(json.dumps({{
    "seconds": elapsed,
    "modules": len(loaded),
    "strands": any(n == "strands" or n.startswith("strands.") for n in loaded),
    "dbos": any(n == "dbos" or n.startswith("dbos.") for n in loaded),
}}))
"""


def run_once(module: str | None, env: dict[str, str]) -> tuple[float, dict[str, object]]:
    code = "pass" if module is None else PROBE.format(module=module)
    started = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    process = time.perf_counter() - started
    return process, (json.loads(out.stdout) if module else {})


def main() -> None:
    parser = argparse.ArgumentParser(description="Cold import time of each Lambda handler.")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--only", nargs="+", metavar="KEY")
    args = parser.parse_args()
    # As on Lambda, where powertools' Tracer is on (it loads the X-Ray SDK).
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "AWS_LAMBDA_FUNCTION_NAME": "bench"}
    functions = [
        f
        for f in FUNCTIONS
        if (args.only is None or f.key in args.only)
        and (ROOT / "src" / f"{f.module.replace('.', '/')}.py").is_file()
    ]
    missing = [f.key for f in FUNCTIONS if f not in functions and not args.only]
    targets: list[str | None] = [None, *(f.module for f in functions)]
    processes: dict[str | None, list[float]] = {t: [] for t in targets}
    imports: dict[str | None, list[float]] = {t: [] for t in targets}
    facts: dict[str | None, dict[str, object]] = {}
    for module in targets:  # one warm-up each: the bytecode caches written, the files read
        run_once(module, env)
    for _ in range(args.runs):
        for module in targets:
            process, probe = run_once(module, env)
            processes[module].append(process)
            if probe:
                imports[module].append(float(str(probe["seconds"])))
                facts[module] = probe

    floor = statistics.median(processes[None])
    print(f"cold import of each Lambda handler: median of {args.runs} fresh interpreters")
    print(f"{'function':<26} {'import ms':>10} {'process ms':>11} {'modules':>8}  notes")
    print(f"{'(bare interpreter)':<26} {'':>10} {floor * 1000:11.0f} {'':>8}")
    for function in functions:
        probe = facts[function.module]
        notes = [name for name in ("strands", "dbos") if probe[name]]
        print(
            f"{function.key:<26} {statistics.median(imports[function.module]) * 1000:10.0f} "
            f"{statistics.median(processes[function.module]) * 1000:11.0f} "
            f"{probe['modules']!s:>8}  {'imports ' + ', '.join(notes) if notes else ''}"
        )
    if missing:
        print(f"no handler module yet: {', '.join(missing)}")


if __name__ == "__main__":
    main()
