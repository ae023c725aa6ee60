"""Tables of the conversations: the guided forms' state, and the members' questions.

`form_state`: the form a person is filling in in one chat (at most one), as the JSON of
`bot.forms.FormState`, so that a restart or another bot process continues it where it was. It
is written in the transaction that marks the person's update done (`storage.inbox`).

`question`: a line a member sent to the coordination, and the answer it got.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, ForeignKey, Integer, Text
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime


class FormStateRow(SQLModel, table=True):
    __tablename__ = "form_state"

    chat_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    user_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    form: str = Field(max_length=8)
    state: str = Field(sa_column=Column(Text, nullable=False))
    updated_at: datetime = Field(sa_type=UTCDateTime)


class Question(SQLModel, table=True):
    """A member's message to the coordination (deleted with the member's data)."""

    __tablename__ = "question"

    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("member.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    text: str = Field(sa_column=Column(Text, nullable=False))
    asked_at: datetime = Field(sa_type=UTCDateTime)
    answer: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    answered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The coordinator who answered (their Telegram id).
    answered_by: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
