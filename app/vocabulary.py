"""The office's words for what a record may be: statuses, types, kinds and limits.

Plain tuples and numbers, with no Peewee and no Qt, so that the models, the services, the CLI
and the screens all take them from one place (the screens fill their choice lists from them).
The order of each tuple is the order users see.
"""

from __future__ import annotations

# A work order's status (DESIGN.md section 5), in the order of its lifecycle.
WO_STATUSES = ("open", "assigned", "in_progress", "on_hold", "completed", "closed", "cancelled")
WO_TYPES = ("corrective", "preventive", "inspection", "emergency", "project")
# What a checklist step asks for.
TASK_KINDS = ("check", "pass_fail", "reading", "text")
# How a PM schedule counts its next due date (DESIGN.md section 4).
PM_ANCHORS = ("fixed", "floating")
REQUEST_STATUSES = ("new", "approved", "rejected")
# What a line of a work order's log records.
LOG_KINDS = ("comment", "status")
ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024  # every desk downloads it from the shared database
