"""The heartbeat health check, and the compose check where no Docker engine can run."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time

import pytest

from linkedin_sandbox.client import REPOSITORY_ROOT


def heartbeat_check(path, max_age: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "operations.heartbeat", str(path), max_age],
        cwd=REPOSITORY_ROOT,
        capture_output=True,
        text=True,
        timeout=30,
    )


def test_the_heartbeat_check_passes_only_for_a_fresh_heartbeat(tmp_path):
    beat = tmp_path / "worker.heartbeat"
    missing = heartbeat_check(beat, "60")
    assert missing.returncode == 1 and "no heartbeat yet" in missing.stderr

    beat.touch()
    assert heartbeat_check(beat, "60").returncode == 0

    old = time.time() - 120
    os.utime(beat, (old, old))
    stale = heartbeat_check(beat, "60")
    assert stale.returncode == 1 and "last heartbeat 120 s ago" in stale.stderr


@pytest.fixture
def path_without_docker(tmp_path) -> str:
    """A PATH with the few tools the script needs before it looks for Docker, and no docker."""
    tools = tmp_path / "bin"
    tools.mkdir()
    for tool in ("bash", "dirname", "date", "mktemp", "rm", "id", "sed", "tail"):
        found = shutil.which(tool)
        assert found, tool
        (tools / tool).symlink_to(found)
    return str(tools)


@pytest.mark.parametrize(("require", "code"), [("0", 0), ("1", 1)])
def test_the_compose_check_says_plainly_when_there_is_no_docker(path_without_docker, require, code):
    result = subprocess.run(
        ["bash", "deploy/compose-check.sh"],
        cwd=REPOSITORY_ROOT,
        env={"PATH": path_without_docker, "REQUIRE_DOCKER": require},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == code, result.stdout + result.stderr
    verdict = "FAILED" if require == "1" else "SKIPPED"
    assert f"{verdict}: no docker command" in result.stdout
