from . import factoring_approval_import
