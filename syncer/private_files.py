"""Files that hold customer data (the ledger, the spool) are created readable by their owner only.

A plain create takes its mode from the umask, 0644 under the usual 022: every account on the
host could read the emails and names inside. Creating the file first with mode 0600 (O_EXCL, so
an existing file is never touched) fixes the mode whatever the umask; SQLite then opens it and
gives its journal and WAL files the same mode as the database file.
"""

from __future__ import annotations

import os
from pathlib import Path

OWNER_ONLY = 0o600


def create_owner_only(path: Path) -> None:
    """Create `path` empty with mode 0600 unless it exists; an existing file keeps the mode its
    operator gave it."""
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, OWNER_ONLY)
    except FileExistsError:
        return
    os.close(descriptor)
