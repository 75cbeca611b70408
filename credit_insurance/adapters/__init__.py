"""Insurer transports, one module per API style, found by backend kind."""

from .allianz import AllianzAdapter
from .atradius import AtradiusAdapter
from .base import Config, Hooks, InsurerError, mask
from .file import FileAdapter

REGISTRY = {
    "allianz": AllianzAdapter,
    "atradius": AtradiusAdapter,
    "file": FileAdapter,
}


def adapter_for(kind, config, hooks=None):
    return REGISTRY[kind](config, hooks)


__all__ = ["REGISTRY", "Config", "Hooks", "InsurerError", "adapter_for", "mask"]
