"""What a pipeline run is given (PipelineRun), and what it has settled before it collects
(RunState): the parts its pages are run with, the matcher, the executor and the policy."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from syncer.connectors.base import Connector
from syncer.engine.execute import Executor
from syncer.engine.match import Matcher
from syncer.engine.observer import LoggingObserver, RunObserver
from syncer.engine.plan import Policy
from syncer.engine.references import LinkResolver
from syncer.engine.report import Mode, RunReport
from syncer.ledger.store import Ledger
from syncer.mapping.apply import FieldMap
from syncer.records import Side
from syncer.relations import AssociationField
from syncer.settings_pipeline import PipelineSettings
from syncer.settings_relations import OwnersSettings

LEASE_TTL = timedelta(minutes=10)


@dataclass(slots=True)
class PipelineRun:
    """Everything one run needs, built once at the edge."""

    pipeline: PipelineSettings
    ledger: Ledger
    connectors: dict[Side, Connector]
    owner: str
    force: bool = False
    dry_run: bool = False  # plan only: read and plan, write nothing, commit nothing
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    lease_ttl: timedelta = LEASE_TTL  # [ledger] lease_seconds
    # [ledger] conflict_retention: conflicts older than this lose their values after a run.
    conflict_retention: timedelta | None = None
    stop: threading.Event | None = None  # set by SIGTERM: end at the next chunk boundary
    observer: RunObserver = field(default_factory=LoggingObserver)  # told what the run does
    # The pipeline's association fields (relations.association_fields) and `[owners]`.
    associations: Sequence[AssociationField] = ()
    owners: OwnersSettings | None = None
    # Other pipelines' records point at this one's: its archives matter to them even with
    # deletes = "ignore" (side_events.py reads them, to remember, not to propagate).
    pointed_at: bool = False


@dataclass(slots=True)
class RunState:
    """One run once it holds the lease and has compiled the mapping."""

    ctx: PipelineRun
    mode: Mode
    epoch: int
    report: RunReport
    fieldmap: FieldMap
    until: datetime  # the run's signpost: changes up to here

    @property
    def resolver(self) -> LinkResolver | None:
        """The resolver of the mapping's references, when it has any."""
        resolver = self.fieldmap.resolver
        return resolver if isinstance(resolver, LinkResolver) else None

    def matcher(self) -> Matcher:
        return Matcher(
            pipeline=self.ctx.pipeline.name,
            fieldmap=self.fieldmap,
            ledger=self.ctx.ledger,
            connectors=self.ctx.connectors,
            external_id_property=self.ctx.pipeline.external_id_property,
            look_up_other_side=self.mode is not Mode.MIGRATE,
        )

    def policy(self) -> Policy:
        pipeline = self.ctx.pipeline
        flowing = frozenset(side for side in Side if pipeline.direction.flows_to(side))
        creates = pipeline.creates_to()
        return Policy(
            pipeline.conflict,
            pipeline.deletes,
            creates,
            withheld=flowing - creates,
            first_link=pipeline.first_link,
            stamps_external_id=pipeline.stamp_external_id,
            keys=self._keys(),
        )

    def _keys(self) -> frozenset[str]:
        """The fields whose blank is never copied: the match key, the unique id property."""
        match = self.fieldmap.match
        own = {match.hubspot} if match is not None else set()
        return frozenset({*own, self.ctx.pipeline.external_id_property})

    def executor(self) -> Executor:
        ctx, epoch = self.ctx, self.epoch

        def renew() -> None:
            ctx.ledger.renew_lease(ctx.pipeline.name, epoch, ctx.lease_ttl)

        return Executor(
            pipeline=ctx.pipeline.name,
            run_id=self.report.run_id,
            epoch=epoch,
            ledger=ctx.ledger,
            connectors=ctx.connectors,
            fieldmap=self.fieldmap,
            external_id_property=ctx.pipeline.external_id_property,
            stamps_external_id=ctx.pipeline.stamp_external_id,
            conflict_policy=ctx.pipeline.conflict,
            before_chunk=renew,
            stopping=ctx.stop.is_set if ctx.stop is not None else None,
            clock=ctx.clock,
            observer=ctx.observer,
        )
