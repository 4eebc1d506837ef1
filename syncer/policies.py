"""A pipeline's policies: the values its configuration names, as the planner reads them.

Each value is the text the configuration file uses (`direction = "to_hubspot"`), so the file
and the environment stay as they are; the engine compares members, never text.
"""

from __future__ import annotations

import enum

from syncer.records import Side


class Direction(enum.StrEnum):
    """Which way a pipeline, or one field of it, copies values."""

    BOTH = "both"
    TO_HUBSPOT = "to_hubspot"
    TO_EXTERNAL = "to_external"

    def flows_to(self, side: Side) -> bool:
        """Whether values are copied onto `side` (and records created there)."""
        return self is Direction.BOTH or self is Direction.toward(side)

    @staticmethod
    def toward(side: Side) -> Direction:
        return Direction.TO_HUBSPOT if side is Side.HUBSPOT else Direction.TO_EXTERNAL


class ConflictPolicy(enum.StrEnum):
    """Who wins a field both sides changed since they last agreed."""

    NEWEST = "newest"  # the side whose record was modified later
    HUBSPOT = "hubspot"
    EXTERNAL = "external"


class DeletePolicy(enum.StrEnum):
    """What an archive on one side does to the twin on the other."""

    IGNORE = "ignore"  # the pair stops syncing; the twin stays live
    ARCHIVE = "archive"  # the twin is archived too


class Unmapped(enum.StrEnum):
    """What becomes of an enumeration value with no entry in the field's `values` table (or,
    without one, not an option of the HubSpot property), when the field sets no `default`."""

    QUARANTINE = "quarantine"  # the record is refused, naming the field, value and options
    SKIP_FIELD = "skip_field"  # that field is left alone on this record; the rest syncs
