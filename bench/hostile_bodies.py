"""Peak memory and time of reading LinkedIn's hostile bodies, beside `json.loads` of a normal
body of the same size, in one run.

Each body is about `--megabytes` (60 by default, under the 64 MB size cap) and is read as
the app reads it: `linkedin_api.parse_export_task` (the bounds first), then, for a body
that passes, both readings of its contacts the ingest makes (without a database). The
bodies are the worst the memory and fuzz tests of the bounds found:

- a contact whose field is arrays inside arrays the whole body deep (before the bounds,
  40 KB of them took a gigabyte);
- objects inside objects, cut short (not JSON at its end, too deep long before);
- lone surrogate escapes throughout (each repaired: the one copy of the body);
- contacts whose values are each as long as allowed (32,767 characters);
- a normal address book, read by the app and by `json.loads`.

Peak memory is the growth of the process's peak resident set (Linux `VmHWM`, reset
before each body through `/proc/self/clear_refs`) above its size with the body loaded.

    .venv/bin/python -m bench.hostile_bodies [--megabytes 60]

It prints a Markdown table and writes it to bench/results/hostile-latest.md.
"""

from __future__ import annotations

import argparse
import gc
import json
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

from bench.body import export_body
from exports.linkedin_api import LinkedInAPIError, parse_export_task
from exports.linkedin_limits import MAX_VALUE_CHARS

RESULTS = Path(__file__).resolve().parent / "results"
HEAD = b'{"status":"SUCCEEDED","result~":{"expiresAt":4102444800000,"contacts":['
TAIL = b"]}}"


class Figure(NamedTuple):
    body: str
    megabytes: float
    outcome: str
    seconds: float
    peak_mb: float


def memory_kb(field: str) -> int:
    with open("/proc/self/status") as status:
        return int(re.search(rf"^{field}:\s+(\d+) kB", status.read(), re.MULTILINE).group(1))


def measured(name: str, body: bytes, read: Callable[[bytes], str]) -> Figure:
    gc.collect()
    with open("/proc/self/clear_refs", "w") as refs:
        refs.write("5")
    start_kb = memory_kb("VmRSS")
    started = time.perf_counter()
    outcome = read(body)
    seconds = time.perf_counter() - started
    peak_kb = memory_kb("VmHWM") - start_kb
    return Figure(name, len(body) / 1e6, outcome, seconds, peak_kb / 1024)


def read_as_the_app_does(body: bytes) -> str:
    try:
        result = parse_export_task(body).result
        result.expiry()
        count = sum(1 for _ in result.checked_contacts())
        count = sum(1 for _ in result.checked_contacts(with_json=True))
    except LinkedInAPIError as error:
        return type(error).__name__
    return f"read: {count:,} contacts"


def read_with_json_loads(body: bytes) -> str:
    value = json.loads(body)
    return f"json.loads: {len(value['result~']['contacts']):,} contacts"


def _deep_arrays(size: int) -> bytes:
    levels = (size - len(HEAD) - len(TAIL) - 20) // 2
    return HEAD + b'{"notes":' + b"[" * levels + b"]" * levels + b"}" + TAIL


def _deep_objects_cut_short(size: int) -> bytes:
    return HEAD + b'{"notes":' + b'{"a":' * (size // 5)


def _lone_surrogates(size: int) -> bytes:
    return _repeated(b'{"name":"' + b"\\ud800" * 1000 + b'"}', size)


def _longest_values(size: int) -> bytes:
    return _repeated(b'{"name":"' + b"x" * MAX_VALUE_CHARS + b'"}', size)


def _repeated(contact: bytes, size: int) -> bytes:
    return HEAD + b",".join([contact] * (size // (len(contact) + 1))) + TAIL


# The worst bodies of about `size` bytes, by name.
HOSTILE: dict[str, Callable[[int], bytes]] = {
    "deep arrays": _deep_arrays,
    "deep objects, cut short": _deep_objects_cut_short,
    "lone surrogates": _lone_surrogates,
    "values of the longest length": _longest_values,
}


def normal_body(size: int) -> bytes:
    """A normal address book of about `size` bytes, as the sandbox sends it."""
    sample = export_body(1_000)
    return export_body(max(1_000, int(1_000 * size / len(sample))))


def markdown(figures: list[Figure]) -> str:
    lines = [
        "| body | MB | outcome | seconds | peak memory, MB |",
        "| --- | ---: | --- | ---: | ---: |",
    ]
    for figure in figures:
        lines.append(
            f"| {figure.body} | {figure.megabytes:.1f} | {figure.outcome} | "
            f"{figure.seconds:.2f} | {figure.peak_mb:.1f} |"
        )
    return "\n".join(lines) + "\n"


CASES = {
    **{name: read_as_the_app_does for name in HOSTILE},
    "normal address book": read_as_the_app_does,
    "normal address book, json.loads": read_with_json_loads,
}


def body_named(name: str, size: int) -> bytes:
    return normal_body(size) if name.startswith("normal") else HOSTILE[name](size)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.hostile_bodies", description=__doc__)
    parser.add_argument("--megabytes", type=float, default=60.0, help="size of each body")
    parser.add_argument("--one", choices=CASES, help=argparse.SUPPRESS)
    parser.add_argument("--body-file", type=Path, help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    if options.one:
        # A process of its own per body that holds nothing but the body's bytes, so what
        # building a body (or reading another) left behind is not counted, nor reused.
        figure = measured(options.one, options.body_file.read_bytes(), CASES[options.one])
        print(json.dumps(figure._asdict()))
        return
    size = int(options.megabytes * 1e6)
    figures = []
    with tempfile.TemporaryDirectory() as folder:
        for name in CASES:
            print(f"{name}...", file=sys.stderr, flush=True)
            body_file = Path(folder) / "body.json"
            body_file.write_bytes(body_named(name, size))
            command = [sys.executable, "-m", "bench.hostile_bodies", "--one", name]
            command += ["--body-file", str(body_file)]
            child = subprocess.run(  # noqa: S603 (our own interpreter and module)
                command, check=True, capture_output=True, text=True
            )
            figures.append(Figure(**json.loads(child.stdout)))
    text = markdown(figures)
    print(text)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "hostile-latest.md").write_text(text)


if __name__ == "__main__":
    main()
