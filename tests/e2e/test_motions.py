"""The coordinator's motions: /vorschlag works for the coordinator, whose proposal comes back
with the decision buttons to put it to the vote directly; members read "Vorgeschlagen von
Koordination" on the ballot."""

from __future__ import annotations

import io

import openpyxl

from storage.models import Proposal, ProposalStatus
from tests.e2e.harness import COORDINATOR, Harness
from tests.e2e.test_voting import ballot_message, buttons, forum, press_for_reply, texts


async def stored(bot: Harness, proposal_id: int) -> Proposal:
    async with bot.uow() as uow:
        found = await uow.proposals.get(proposal_id)
    assert found is not None
    return found


async def test_the_coordinator_proposes_and_puts_it_to_the_vote_directly(bot: Harness) -> None:
    f = await forum(bot)
    answer = await bot.send(
        COORDINATOR, "/vorschlag Interkommunales Gewerbegebiet | Gemeinsame Planung im Saaletal"
    )
    assert answer.text == (
        "Ihr Themenvorschlag <b>#1</b> „Interkommunales Gewerbegebiet“ ist angelegt. Sie können "
        "ihn gleich zur Abstimmung stellen, ablehnen oder für später aufheben."
    )
    await bot.settle()
    # No notice of their own proposal: the decision is in the reply.
    assert not any("Neuer Themenvorschlag" in text for text in texts(bot, COORDINATOR.id))
    confirmation = bot.emu.last_message(COORDINATOR.id, from_bot=True)
    assert set(buttons(confirmation)) == {"Zur Abstimmung stellen", "Ablehnen", "Später"}
    proposal = await stored(bot, 1)
    assert (proposal.member_id, proposal.organisation_id) == (None, None)

    await bot.press(COORDINATOR, confirmation, buttons(confirmation)["Zur Abstimmung stellen"])
    await bot.settle()
    assert (await stored(bot, 1)).status is ProposalStatus.VOTING
    opened = bot.emu.last_message(COORDINATOR.id, from_bot=True)
    assert "läuft bis" in opened["text"]
    ballot = ballot_message(bot, f.carla)
    assert "Vorgeschlagen von Koordination" in ballot["text"]

    # The list of votes says so too.
    answer = await bot.send(COORDINATOR, "/export abstimmungen")
    ws = openpyxl.load_workbook(io.BytesIO(answer.params["document"].content)).active
    assert ws is not None
    assert [ws["A2"].value, ws["B2"].value, ws["C2"].value, ws["D2"].value] == [
        1,
        "Interkommunales Gewerbegebiet",
        1,  # the first round
        "Koordination",
    ]


async def test_the_guided_form_and_english(bot: Harness) -> None:
    f = await forum(bot)
    await bot.send(COORDINATOR, "/language en")
    await bot.send(COORDINATOR, "/propose")
    await bot.send(COORDINATOR, "Shared bus line")
    await bot.send(COORDINATOR, "From Jena to Zöllnitz")
    question = bot.emu.last_message(COORDINATOR.id, from_bot=True)
    preview = await press_for_reply(bot, COORDINATOR, question, "No particular working group")
    assert "Shared bus line" in preview["text"]
    confirmation = await press_for_reply(bot, COORDINATOR, preview, "Submit")
    assert "You can put it to the vote now" in confirmation["text"]
    assert set(buttons(confirmation)) == {"Put to the vote", "Reject", "Later"}
    await bot.press(COORDINATOR, confirmation, buttons(confirmation)["Put to the vote"])
    await bot.settle()
    await bot.send(f.anna, "/language en")
    answer = await bot.send(f.anna, "/topics")
    assert "Shared bus line" in (answer.text or "")
