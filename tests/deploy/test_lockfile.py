"""requirements.lock pins every dependency of pyproject.toml with its hashes, and the image
installs exactly it: two builds of one commit install the same files.

A dependency added to (or changed in) pyproject.toml without `make lock` fails here.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]
LOCKFILE = ROOT / "requirements.lock"
STALE = "requirements.lock is out of date with pyproject.toml: run make lock"


def locked() -> dict[str, tuple[Version, list[str]]]:
    """Each locked package's version and hashes, by canonical name."""
    entries: dict[str, tuple[Version, list[str]]] = {}
    text = LOCKFILE.read_text().replace("\\\n", " ")
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        pin = re.match(r"^([A-Za-z0-9._-]+)==(\S+)", line)
        assert pin, f"not a pinned requirement in requirements.lock: {line!r}"
        hashes = re.findall(r"--hash=sha256:([0-9a-f]{64})", line)
        entries[canonicalize_name(pin[1])] = (Version(pin[2]), hashes)
    return entries


def test_every_dependency_in_pyproject_is_locked_at_a_version_it_allows() -> None:
    dependencies = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    pins = locked()
    for dependency in map(Requirement, dependencies):
        name = canonicalize_name(dependency.name)
        assert name in pins, f"{dependency.name} is not in it. {STALE}"
        version = pins[name][0]
        assert dependency.specifier.contains(version, prereleases=True), (
            f"{dependency.name}=={version} is locked, pyproject.toml asks {dependency}. {STALE}"
        )


def test_every_locked_package_carries_its_hashes() -> None:
    for name, (version, hashes) in locked().items():
        assert hashes, f"{name}=={version} has no hash, which --require-hashes refuses. {STALE}"


def test_the_image_installs_the_lockfile_with_hashes_checked() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "COPY requirements.lock" in dockerfile
    assert re.search(r"pip install .*--require-hashes -r requirements\.lock", dockerfile)
    # The project itself goes in without pulling anything the lock does not name.
    assert re.search(r"pip install .*--no-deps \.", dockerfile)


def test_the_base_image_is_pinned_to_a_patch_release() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    [base] = re.findall(r"^FROM (\S+)", dockerfile, re.MULTILINE)
    assert re.fullmatch(r"python:3\.\d+\.\d+-\S+", base), f"{base} moves under each rebuild"
