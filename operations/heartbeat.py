"""A file whose modification time shows that a background process is alive.

The export worker and the purger touch their file at every turn of their loop; their
container's health check asks, without starting Django:

    python -m operations.heartbeat /tmp/worker.heartbeat 60

and exits 0 if the file was touched in the last 60 seconds, 1 otherwise.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path


def beat(path: str | os.PathLike) -> None:
    """Touch `path` now (creating it and its folder if needed)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch()
    os.utime(path)


def age(path: str | os.PathLike) -> float | None:
    """Return seconds since `path` was last touched, or None if it does not exist."""
    try:
        return max(0.0, time.time() - Path(path).stat().st_mtime)
    except FileNotFoundError:
        return None


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python -m operations.heartbeat FILE MAX_AGE_SECONDS", file=sys.stderr)
        return 2
    seconds = age(argv[0])
    if seconds is None:
        print(f"no heartbeat yet at {argv[0]}", file=sys.stderr)
        return 1
    if seconds > float(argv[1]):
        print(f"last heartbeat {seconds:.0f} s ago", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
