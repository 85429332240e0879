"""The unit of work: one transaction, joined by nested use cases, with after-commit actions."""

from __future__ import annotations

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, create_engine, func, select
from sqlalchemy.orm import sessionmaker

from shared.persistence.unit_of_work import UnitOfWork

metadata = MetaData()
rows = Table("rows", metadata, Column("id", Integer, primary_key=True))


@pytest.fixture
def sessions(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'uow.db'}")
    metadata.create_all(engine)
    yield sessionmaker(engine)
    engine.dispose()


def count(sessions) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(rows))


def test_a_clean_exit_commits_then_runs_the_after_commit_actions(sessions) -> None:
    seen: list[int] = []
    with UnitOfWork(sessions) as uow:
        uow.session.execute(rows.insert().values(id=1))
        uow.after_commit(lambda: seen.append(count(sessions)))
        assert seen == []
    assert seen == [1]


def test_an_exception_rolls_back_and_skips_the_after_commit_actions(sessions) -> None:
    seen: list[str] = []
    with pytest.raises(ValueError), UnitOfWork(sessions) as uow:
        uow.session.execute(rows.insert().values(id=1))
        uow.after_commit(lambda: seen.append("ran"))
        raise ValueError("refused")
    assert (count(sessions), seen) == (0, [])


def test_a_nested_unit_joins_the_outer_transaction(sessions) -> None:
    with pytest.raises(ValueError), UnitOfWork(sessions) as outer:
        with UnitOfWork(sessions) as inner:
            assert inner.session is outer.session
            inner.session.execute(rows.insert().values(id=1))
        assert count(sessions) == 0  # the inner exit did not commit
        raise ValueError("the outer one fails")
    assert count(sessions) == 0


def test_a_failing_after_commit_action_does_not_undo_the_commit(sessions) -> None:
    def fail() -> None:
        raise RuntimeError("worker unreachable")

    with UnitOfWork(sessions) as uow:
        uow.session.execute(rows.insert().values(id=1))
        uow.after_commit(fail)
    assert count(sessions) == 1


def test_the_session_is_closed_to_use_outside_the_block(sessions) -> None:
    uow = UnitOfWork(sessions)
    with pytest.raises(RuntimeError):
        _ = uow.session
