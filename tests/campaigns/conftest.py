"""Campaign tests reuse the sending tests' SMTP sink, settings and embedded worker."""

from tests.sending.conftest import sink, smtp_settings, worker

__all__ = ["sink", "smtp_settings", "worker"]
