"""Plain-Python, set-based engines behind the credit management models."""
