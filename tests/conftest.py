"""Shared test setup: the collection and localaws import from this checkout, as `make venv` arranges."""

from __future__ import annotations

import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
COLLECTIONS = REPO / "build" / "collections"
LINK = COLLECTIONS / "ansible_collections" / "streamflix" / "media_platform"

# `make venv` creates this link; create it here too so a bare `pytest` works on a fresh checkout.
if not LINK.exists():
    LINK.parent.mkdir(parents=True, exist_ok=True)
    LINK.symlink_to(Path("..") / ".." / ".." / "..")

for path in (str(COLLECTIONS), str(REPO / "tools" / "localaws")):
    if path not in sys.path:
        sys.path.insert(0, path)
os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO / "tools" / "localaws"), os.environ.get("PYTHONPATH")) if p)
os.environ.setdefault("ANSIBLE_CONFIG", str(REPO / "ansible.cfg"))
