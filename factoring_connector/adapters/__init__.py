"""Factor transports: the JSON API over HTTP (files go by e-mail)."""

from .json_api import Config, FactorError, Hooks, JsonApiAdapter

__all__ = ["Config", "FactorError", "Hooks", "JsonApiAdapter"]
