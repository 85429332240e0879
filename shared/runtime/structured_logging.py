"""Process logging, tagged with the service: one JSON object per line (python-json-logger,
the default), or for people at a terminal, text that keeps every field as ``key=value``."""

from __future__ import annotations

import json
import logging
import sys
from typing import Any

from pythonjsonlogger.json import JsonFormatter

# What every LogRecord carries; anything else on a record came as a field (``extra=``).
_RECORD_ATTRIBUTES = frozenset(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {
    "message",
    "asctime",
    "service",
    "taskName",
}


class _ServiceTag(logging.Filter):
    def __init__(self, service: str):
        super().__init__()
        self._service = service

    def filter(self, record: logging.LogRecord) -> bool:
        record.service = self._service
        return True


def json_formatter() -> JsonFormatter:
    """One JSON object per record: whatever a message holds stays on its one line."""
    return JsonFormatter(
        "%(asctime)s %(levelname)s %(name)s %(message)s %(service)s",
        rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
    )


def _text_value(value: Any) -> str:
    """A field's value as one token: quoted (JSON string) when it has spaces, quotes or '='."""
    text = value if isinstance(value, str) else str(value)
    if not text or any(character in text for character in ' "=\n\r\t'):
        return json.dumps(text, ensure_ascii=False)
    return text


class TextFormatter(logging.Formatter):
    """``time LEVEL service logger: message key=value ...``; a traceback on the lines below."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(service)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        saved = record.exc_info, record.exc_text, record.stack_info
        record.exc_info = record.exc_text = record.stack_info = None
        try:
            line = super().format(record).replace("\n", "\\n")  # one record, one line
        finally:
            record.exc_info, record.exc_text, record.stack_info = saved
        fields = [
            f"{key}={_text_value(value)}"
            for key, value in record.__dict__.items()
            if key not in _RECORD_ATTRIBUTES and not key.startswith("_")
        ]
        if fields:
            line = f"{line} {' '.join(fields)}"
        if record.exc_info:
            line = f"{line}\n{self.formatException(record.exc_info)}"
        if record.stack_info:
            line = f"{line}\n{self.formatStack(record.stack_info)}"
        return line


def configure_logging(service: str, level: str = "INFO", fmt: str = "json") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(json_formatter() if fmt == "json" else TextFormatter())
    handler.addFilter(_ServiceTag(service))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
