"""Every column that refers to a person is declared in storage/personal_data.py, with what the
export and /austreten do with it (issue 13, item 14). The tables are found by walking the
SQLModel metadata, so a table added later without a declaration makes this test fail."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column
from sqlmodel import SQLModel

import storage.tables  # noqa: F401  (every table, also those of storage/models_<area>.py)
from storage.personal_data import REGISTRY, OnLeave, Ref


def refers_to_a_person(column: Column[object]) -> bool:
    """A foreign key to `member.id`, the member's own id, or a BIGINT (a Telegram id is one)."""
    if column.table.name == "member" and column.name == "id":
        return True
    if any(fk.column.table.name == "member" for fk in column.foreign_keys):
        return True
    return isinstance(column.type, BigInteger)


def test_every_column_that_may_name_a_person_is_declared() -> None:
    declared = {(r.table, r.column) for r in REGISTRY}
    found = {
        (table.name, column.name)
        for table in SQLModel.metadata.tables.values()
        for column in table.columns
        if refers_to_a_person(column)
    }
    missing = sorted(found - declared)
    assert not missing, (
        f"declare these in storage/personal_data.py (export? what /austreten does?): {missing}"
    )


def test_the_declarations_name_real_columns_and_a_fitting_action() -> None:
    tables = SQLModel.metadata.tables
    seen = set()
    for ref in REGISTRY:
        assert (ref.table, ref.column) not in seen, f"{ref.table}.{ref.column} twice"
        seen.add((ref.table, ref.column))
        assert ref.table in tables and ref.column in tables[ref.table].c, ref
        not_members = ref.ref in (Ref.COORDINATOR, Ref.NO_PERSON)
        assert not_members == (ref.on_leave is OnLeave.NOTHING), ref
        assert (ref.on_leave is OnLeave.ANONYMISE) == bool(ref.clear), ref
        for name, value in ref.clear.items():
            column = tables[ref.table].c[name]
            assert value is not None or column.nullable, f"{ref.table}.{name} cannot be NULL"
        if ref.on_leave is OnLeave.DELETE:
            # Deleting rows that other rows refer to would fail or cascade unseen.
            assert not any(
                fk.column.table.name == ref.table
                for other in tables.values()
                for column in other.columns
                for fk in column.foreign_keys
            ), ref


def test_a_new_member_table_would_be_caught() -> None:
    """The walk sees a table it has never heard of."""
    from sqlalchemy import ForeignKey, Integer, MetaData, Table

    scratch = MetaData()
    Table("member", scratch, Column("id", Integer, primary_key=True))
    question = Table("question", scratch, Column("asked_by", Integer, ForeignKey("member.id")))
    assert refers_to_a_person(question.c.asked_by)
