"""A real headless Chromium (Debian's `chromium` package) loading a page the way a person's
browser would: `dump_dom` returns the document after the browser parsed it (and ran any script
it let through), `screenshot` a PNG of it. The DOM is read back into a small tree (`Node`) so a
test can ask what the browser built, not what the server sent.

Where no Chromium is installed the tests that need it skip, saying why, except in CI (`CI` set,
as `.ci/run` does, which installs it): there a missing browser is a failure.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pytest

_VOID = {"meta", "link", "br", "hr", "img", "input", "col", "area", "base", "wbr", "source"}
_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run"]
_TIMEOUT = 60


def chromium() -> str:
    """The browser's path; skips the test (fails it in CI) when there is none."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    if os.environ.get("CI"):
        pytest.fail("no chromium in CI: .ci/run installs Debian's chromium package")
    pytest.skip("no headless Chromium here: apt-get install chromium")


def _run(browser: str, *args: str, home: Path) -> str:
    # A profile of its own: Chromium writes one, and must not share or keep the user's.
    profile = [f"--user-data-dir={home / 'chromium-profile'}", "--virtual-time-budget=2000"]
    done = subprocess.run(
        [browser, *_FLAGS, *profile, *args],
        capture_output=True,
        text=True,
        timeout=_TIMEOUT,
        check=False,
        env={**os.environ, "HOME": str(home)},
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def dump_dom(url: str, home: Path) -> Node:
    """The document Chromium built from `url`, as a tree."""
    return parse(_run(chromium(), "--dump-dom", url, home=home))


def screenshot(url: str, path: Path, home: Path, size: str = "1280,1800") -> Path:
    _run(chromium(), f"--screenshot={path}", f"--window-size={size}", url, home=home)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", "Chromium wrote no PNG"
    return path


@dataclass
class Node:
    tag: str
    attrs: dict[str, str]
    children: list[Node | str] = field(default_factory=list)

    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)

    def walk(self) -> Iterator[Node]:
        yield self
        for child in self.children:
            if isinstance(child, Node):
                yield from child.walk()

    def find_all(self, tag: str | None = None, **attrs: str) -> list[Node]:
        """Descendants (and self) with `tag` whose attributes include `attrs` (`class_` for
        class, matched as one of its words)."""
        wanted = {k.rstrip("_"): v for k, v in attrs.items()}
        return [n for n in self.walk() if (tag is None or n.tag == tag) and n._has(wanted)]

    def find(self, tag: str | None = None, **attrs: str) -> Node:
        found = self.find_all(tag, **attrs)
        assert found, f"no <{tag or '*'}> with {attrs} in the page"
        return found[0]

    def _has(self, wanted: dict[str, str]) -> bool:
        for key, value in wanted.items():
            have = self.attrs.get(key)
            if have is None or (value not in have.split() if key == "class" else have != value):
                return False
        return True


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {})
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(node)
        if tag not in _VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack[-1].children.append(Node(tag, {k: v or "" for k, v in attrs}))

    def handle_endtag(self, tag: str) -> None:
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def parse(document: str) -> Node:
    builder = _TreeBuilder()
    builder.feed(document)
    builder.close()
    return builder.root
