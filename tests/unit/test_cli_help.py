"""`syncer --help` speaks to the user, and every sandbox flag says what it does."""

from __future__ import annotations

import pytest

from syncer.cli import _parser, main


def test_the_top_help_describes_syncer_and_its_exit_codes(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    text = capsys.readouterr().out
    assert "Keep HubSpot and a legacy CRM" in text
    assert "parses arguments" not in text  # the module's docstring is for its readers
    assert "4 finished" in text


def test_every_sandbox_flag_has_a_help_line() -> None:
    commands = next(a for a in _parser()._actions if a.dest == "==SUPPRESS==" or a.choices)
    sandbox = commands.choices["sandbox"]  # type: ignore[index]
    silent = [a.option_strings or [a.dest] for a in sandbox._actions if not a.help]
    assert not silent
