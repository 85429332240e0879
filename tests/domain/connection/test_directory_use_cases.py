"""The directory use cases over a fake unit of work: what a change commits, and what is
passed down to the services below only once it has committed."""

from __future__ import annotations

from typing import Any, cast

import pytest

from services.connection.use_cases.directory import DirectoryUseCases
from shared.facts.errors import DomainError
from shared.facts.identity import Principal, PrincipalKind
from tests.domain.connection.fake_directory import FakeDirectory, FakeFactsOutbox, FakeUnitOfWork

ADA = Principal(PrincipalKind.USER, "ada", "acme")  # company admin of acme
BEN = Principal(PrincipalKind.USER, "ben", "acme")  # member of acme


class World:
    def __init__(self) -> None:
        self.directory = FakeDirectory()
        self.directory.add_company("acme")
        self.directory.add_project("tower", "acme")
        self.directory.add_project("annex", "acme")
        self.directory.add_user("ada", "acme", "company_admin")
        self.directory.add_user("ben", "acme")
        self.uow = FakeUnitOfWork(self.directory)
        self.facts = FakeFactsOutbox()
        self.use_cases = DirectoryUseCases(
            cast(Any, lambda: self.uow), self.facts, lambda: self.facts.events.append("sync woken")
        )


def test_a_renamed_project_passes_its_facts_down_and_wakes_the_sync_once_committed() -> None:
    world = World()

    world.use_cases.update_project(ADA, "tower", {"name": "Tower B"}, etag="")

    assert world.uow.committed
    assert world.directory.changed == [("project", "tower", {"name": "Tower B"})]
    assert world.facts.events == [
        "queued tower",
        "delivered tower",
        "worker woken",
        "sync woken",
    ]


def test_a_refused_change_commits_nothing_and_passes_nothing_down() -> None:
    world = World()

    with pytest.raises(DomainError) as refused:
        world.use_cases.update_project(BEN, "tower", {"name": "Mine"}, etag="")

    assert refused.value.reason == "COMPANY_ADMIN_REQUIRED"
    assert not world.uow.committed
    assert world.directory.changed == []
    assert world.facts.events == []


@pytest.mark.parametrize(
    ("changes", "passed_down"),
    [
        # The services below hold whether outside applications are allowed, for each project.
        ({"outside_applications_allowed": False}, ["queued annex,tower", "delivered annex,tower"]),
        ({"approval_preference": "auto_approve"}, []),  # a fact of this service alone
    ],
)
def test_a_company_setting_reaches_the_services_below_only_when_they_hold_it(
    changes: dict[str, object], passed_down: list[str]
) -> None:
    world = World()

    world.use_cases.update_company(ADA, "acme", changes, etag="")

    assert world.uow.committed
    assert [event for event in world.facts.events if event != "worker woken"] == passed_down
