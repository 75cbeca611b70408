"""Insurer answers turned into the neutral cover vocabulary (see
:mod:`.edifact`): one module per API style, each returning
:class:`.decision.Decision` objects that the cover model records; overdue
notices in :mod:`.overdue`."""

from . import allianz, atradius, edifact, limit_list, overdue
from .decision import Decision

__all__ = ["Decision", "allianz", "atradius", "edifact", "limit_list", "overdue"]
