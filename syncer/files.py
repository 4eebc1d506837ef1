"""Reading the small files syncer is given (the config file, secret files) with a size cap.

A path may name anything: `-c /dev/zero` or `token_file = "/dev/urandom"` would otherwise be
read until memory runs out. Each file is read up to its cap plus one byte, so a larger one is
refused with a clear message instead.
"""

from __future__ import annotations

from pathlib import Path

CONFIG_MAX_BYTES = 1024 * 1024  # a config file with hundreds of pipelines is a few tens of KB
SECRET_MAX_BYTES = 64 * 1024  # tokens and passwords are well under 4 KB


class FileTooLarge(ValueError):
    """The file holds more than its cap; the message names the cap."""


def read_capped_text(path: Path, max_bytes: int) -> str:
    """The file's text (UTF-8); FileTooLarge beyond `max_bytes`, OSError or
    UnicodeDecodeError as reading raises them."""
    with path.open("rb") as stream:
        data = stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise FileTooLarge(f"{path} is larger than {_size(max_bytes)}; is it the right file?")
    return data.decode("utf-8")


def _size(count: int) -> str:
    if count % (1024 * 1024) == 0:
        return f"{count // (1024 * 1024)} MiB"
    return f"{count // 1024} KiB" if count % 1024 == 0 else f"{count} bytes"
