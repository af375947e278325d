"""Peewee models. `ALL_MODELS` is in dependency order; the migration ladder must produce them."""

import app.db  # noqa: F401  (first: it loads peewee without psycopg, see app.db)
from app.models.assets import Asset, Location, Site
from app.models.base import BaseModel, VersionedModel
from app.models.meters import Meter, MeterReading
from app.models.pm import PmMissed, PmSchedule, RunLease
from app.models.requests import WorkRequest
from app.models.system import AuditEvent, AuditHead, NumberSequence, Setting
from app.models.users import User
from app.models.work import Task, WorkOrder
from app.models.work_log import Attachment, LaborEntry, WorkOrderLog

ALL_MODELS = [
    User, Setting, AuditEvent, NumberSequence, Site, Location, Asset, Meter, MeterReading,
    PmSchedule, WorkOrder, Task, WorkRequest, WorkOrderLog, LaborEntry, Attachment, PmMissed,
    RunLease, AuditHead,
]

__all__ = [
    "ALL_MODELS",
    "Attachment",
    "LaborEntry",
    "Meter",
    "MeterReading",
    "WorkOrderLog",
    "WorkRequest",
    "Asset",
    "AuditEvent",
    "AuditHead",
    "BaseModel",
    "Location",
    "NumberSequence",
    "PmMissed",
    "PmSchedule",
    "RunLease",
    "Setting",
    "Site",
    "Task",
    "User",
    "VersionedModel",
    "WorkOrder",
]
