"""R30's file name rules."""

from __future__ import annotations

import pytest

from services.drawing.domain.file_names import InvalidFileName, check_file_name


@pytest.mark.parametrize(
    "name",
    ["A-101.pdf", "plan.PDF", "Level 2 – Plan (rev 3).pdf", "a.b.pdf", "x" * 251 + ".pdf"],
)
def test_good_names_pass(name: str) -> None:
    check_file_name(name)


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("", "FILE_NAME_EMPTY"),
        ("   ", "FILE_NAME_EMPTY"),
        (".pdf", "FILE_NAME_EMPTY"),
        ("x" * 252 + ".pdf", "FILE_NAME_TOO_LONG"),
        *[(f"a{character}b.pdf", "FILE_NAME_FORBIDDEN_CHARACTER") for character in "/<>:\\|?*"],
        ("plan .pdf", "FILE_NAME_SPACE_AROUND_EXTENSION"),
        ("plan. pdf", "FILE_NAME_SPACE_AROUND_EXTENSION"),
        ("plan.pdf ", "FILE_NAME_SPACE_AROUND_EXTENSION"),
        ("plan\t.pdf", "FILE_NAME_CONTROL_CHARACTER"),
        ("plan\r\n.pdf", "FILE_NAME_CONTROL_CHARACTER"),
        ("plan.docx", "FILE_NAME_NOT_PDF"),
        ("plan", "FILE_NAME_NOT_PDF"),
        ("plan.pdf.txt", "FILE_NAME_NOT_PDF"),
    ],
)
def test_bad_names_are_refused_with_a_reason(name: str, reason: str) -> None:
    with pytest.raises(InvalidFileName) as refused:
        check_file_name(name)
    assert refused.value.reason == reason


def test_other_extensions_pass_when_a_pdf_is_not_required() -> None:
    check_file_name("notes.txt", require_pdf=False)
    check_file_name("README", require_pdf=False)
    with pytest.raises(InvalidFileName):
        check_file_name("notes .txt", require_pdf=False)
