"""Peewee models. `ALL_MODELS` is in dependency order; the migration ladder must produce them."""

import app.db  # noqa: F401  (first: it loads peewee without psycopg, see app.db)
from app.clock import utcnow
from app.models.assets import Asset, Location, Site
from app.models.base import BaseModel, VersionedModel
from app.models.meters import Meter, MeterReading
from app.models.pm import PmMissed, PmSchedule, RunLease
from app.models.requests import WorkRequest
from app.models.system import AuditEvent, NumberSequence, Setting
from app.models.users import User
from app.models.work import Task, WorkOrder
from app.models.work_log import Attachment, LaborEntry, WorkOrderLog

# The vocabulary and the clock are named here too (for the command line and the tests that take
# them with the models); the rest of app/ and the GUI import app.vocabulary and app.clock.
from app.vocabulary import (
    ATTACHMENT_MAX_BYTES,
    LOG_KINDS,
    PM_ANCHORS,
    REQUEST_STATUSES,
    TASK_KINDS,
    WO_STATUSES,
    WO_TYPES,
)

ALL_MODELS = [
    User, Setting, AuditEvent, NumberSequence, Site, Location, Asset, Meter, MeterReading,
    PmSchedule, WorkOrder, Task, WorkRequest, WorkOrderLog, LaborEntry, Attachment, PmMissed,
    RunLease,
]

__all__ = [
    "ALL_MODELS",
    "ATTACHMENT_MAX_BYTES",
    "Attachment",
    "LOG_KINDS",
    "LaborEntry",
    "Meter",
    "MeterReading",
    "REQUEST_STATUSES",
    "WorkOrderLog",
    "WorkRequest",
    "Asset",
    "AuditEvent",
    "BaseModel",
    "Location",
    "NumberSequence",
    "PM_ANCHORS",
    "PmMissed",
    "PmSchedule",
    "RunLease",
    "Setting",
    "Site",
    "TASK_KINDS",
    "Task",
    "User",
    "VersionedModel",
    "WO_STATUSES",
    "WO_TYPES",
    "WorkOrder",
    "utcnow",
]
