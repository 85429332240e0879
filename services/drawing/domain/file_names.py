"""The platform's file name rules (R30), as a pure function: no I/O, no framework.

``CreateUpload`` checks ``response_filename`` with it; the name is later what a download
saves as, so it must be valid on every client's file system.
"""

from __future__ import annotations

from shared.facts.errors import ErrorReason, ErrorReasonValue, reason_name

MAX_FILE_NAME_LENGTH = 255
FORBIDDEN_CHARACTERS = frozenset("/<>:\\|?*")
PDF_EXTENSION = ".pdf"


class InvalidFileName(ValueError):
    """A name the platform refuses, for an ``ErrorReason`` (``reason`` is its name)."""

    def __init__(self, reason: ErrorReasonValue, message: str) -> None:
        super().__init__(message)
        self.reason_value = reason
        self.reason = reason_name(reason)
        self.message = message


def check_file_name(name: str, *, require_pdf: bool = True) -> None:
    """Raise ``InvalidFileName`` unless ``name`` follows R30 (and ends in ``.pdf``).

    ``require_pdf`` is for ``response_filename`` (seed 002: drawings are PDFs); the case
    of the extension does not matter.
    """
    if not name.strip():
        raise InvalidFileName(ErrorReason.FILE_NAME_EMPTY, "the file name is empty")
    if len(name) > MAX_FILE_NAME_LENGTH:
        raise InvalidFileName(
            ErrorReason.FILE_NAME_TOO_LONG,
            f"the file name has {len(name)} characters; at most {MAX_FILE_NAME_LENGTH}",
        )
    forbidden = sorted(FORBIDDEN_CHARACTERS.intersection(name))
    if forbidden:
        raise InvalidFileName(
            ErrorReason.FILE_NAME_FORBIDDEN_CHARACTER,
            f"the file name may not contain {' '.join(forbidden)}",
        )
    # Not in R30's list, but a line break or other control character in a name would end
    # up inside a Content-Disposition header.
    if any(_is_control(character) for character in name):
        raise InvalidFileName(
            ErrorReason.FILE_NAME_CONTROL_CHARACTER,
            "the file name may not contain control characters",
        )
    stem, dot, extension = name.rpartition(".")
    if dot and (stem[-1:].isspace() or extension[:1].isspace() or extension[-1:].isspace()):
        raise InvalidFileName(
            ErrorReason.FILE_NAME_SPACE_AROUND_EXTENSION,
            "the file name may not have white space just before or after its extension",
        )
    if require_pdf and not name.lower().endswith(PDF_EXTENSION):
        raise InvalidFileName(ErrorReason.FILE_NAME_NOT_PDF, "the file name must end in .pdf")
    if require_pdf and not stem.strip():
        raise InvalidFileName(ErrorReason.FILE_NAME_EMPTY, "the file name needs a name before .pdf")


def _is_control(character: str) -> bool:
    # C0 controls (tab and line breaks included), DEL and the C1 controls.
    code = ord(character)
    return code < 0x20 or 0x7F <= code < 0xA0
