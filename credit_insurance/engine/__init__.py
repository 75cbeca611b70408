from . import caps

__all__ = ["caps"]
