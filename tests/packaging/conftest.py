"""Fixtures for the packaging tests: the collection tarball built from this checkout, and that tarball installed.

Everything runs on copies in a temporary directory, with no ansible.cfg and no link to the checkout: what these tests
see is what `ansible-galaxy collection install <tarball>` gives a user.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DEV_BIN = Path(sys.executable).parent
PACKAGING_BIN = REPO / "build" / "packaging-venv" / "bin"


def clean_env(**extra):
    """The environment without the checkout's ansible.cfg, collections path or PYTHONPATH (the tests' conftest sets
    both to find the collection in the checkout)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_") and k != "PYTHONPATH"}
    env.update(extra)
    return env


def run(cmd, **kwargs):
    proc = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, **kwargs)
    assert proc.returncode == 0, f"{' '.join(map(str, cmd))} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}"
    return proc


@pytest.fixture(scope="session")
def tarball(tmp_path_factory):
    """`ansible-galaxy collection build` of this checkout, into a temporary directory."""
    out = tmp_path_factory.mktemp("dist")
    run([DEV_BIN / "ansible-galaxy", "collection", "build", "--output-path", out, REPO], cwd=out, env=clean_env())
    (path,) = out.glob("streamflix-media_platform-*.tar.gz")
    return path


@pytest.fixture(scope="session")
def tarball_members(tarball):
    with tarfile.open(tarball) as tar:
        return {m.name: m for m in tar.getmembers()}


@pytest.fixture(scope="session")
def installed(tarball, tmp_path_factory):
    """The tarball installed (without dependencies: amazon.aws and community.aws come from .venv's ansible package,
    as `pip install ansible` gives them) into a temporary collections path; returns that path."""
    path = tmp_path_factory.mktemp("collections")
    run([DEV_BIN / "ansible-galaxy", "collection", "install", "--no-deps", "-p", path, tarball],
        cwd=path, env=clean_env(ANSIBLE_COLLECTIONS_PATH=str(path)))
    return path


@pytest.fixture(scope="session")
def packaging_bin():
    """build/packaging-venv (galaxy-importer, antsibull-docs, ansible-builder), made by `make packaging-venv`."""
    assert (PACKAGING_BIN / "ansible-builder").exists(), "run `make packaging-venv` first (make test-packaging does)"
    return PACKAGING_BIN
