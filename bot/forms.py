"""The state of a guided form as plain data, Telegram-free.

A form is a sequence of steps (questions); its draft is a frozen dataclass of JSON values (str,
int, bool, None), one per form. `FormState` — which form, which step, the step's number and the
draft — round-trips through JSON; it is kept in the database (`form_state`, see
`bot.services.forms`). The engine that asks the steps is `handlers/form_engine.py`."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from bot.callbacks import Form

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

JsonValue = None | bool | int | float | str | list["JsonValue"] | dict[str, "JsonValue"]
Draft = TypeVar("Draft", bound="DataclassInstance")


@dataclass(frozen=True)
class FormState:
    form: Form
    step: str
    # The how-many-th question this is; its buttons carry the number, so a press under an
    # earlier question is told apart from one under the current.
    number: int
    draft: Mapping[str, JsonValue]

    def to_json(self) -> str:
        return json.dumps(
            {
                "form": self.form.value,
                "step": self.step,
                "number": self.number,
                "draft": dict(self.draft),
            },
            ensure_ascii=False,
            sort_keys=True,
        )

    @classmethod
    def from_json(cls, text: str) -> FormState:
        data = json.loads(text)
        return cls(
            form=Form(data["form"]),
            step=str(data["step"]),
            number=int(data["number"]),
            draft=dict(data["draft"]),
        )


def draft_values(draft: DataclassInstance) -> dict[str, JsonValue]:
    """The draft's fields as JSON values."""
    values: dict[str, JsonValue] = dataclasses.asdict(draft)
    return values


def draft_of(kind: type[Draft], values: Mapping[str, JsonValue]) -> Draft:
    """The typed draft from its JSON values (fields it does not know are left out)."""
    known = {field.name for field in dataclasses.fields(kind)}
    arguments: dict[str, Any] = {name: value for name, value in values.items() if name in known}
    return kind(**arguments)
