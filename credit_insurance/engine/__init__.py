from . import caps, matching

__all__ = ["caps", "matching"]
