"""OParl (issue 21): `/sichtbarkeit` (a member's consent to be named in the public interface),
`/ratsinfo` (the coordinator records a member organisation's own council system) and
`/termin <nr> intern|öffentlich` (called from handlers/meetings.py)."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler

from bot.i18n import Translator
from bot.services.actor import Actor
from bot.services.errors import InvalidInput
from bot.texts import oparl as texts
from handlers import commands
from handlers.common import command_text, forum_handler, reply
from handlers.context import ForumContext

INTERNAL = {"intern", "internal", "nichtöffentlich"}
PUBLIC = {"öffentlich", "oeffentlich", "public"}
YES = {"ja", "yes", "an", "on", "sichtbar", "visible"}
NO = {"nein", "no", "aus", "off", "unsichtbar", "hidden"}
REMOVE = {"entfernen", "löschen", "remove", "delete", "-"}


async def mark_meeting(
    update: Update, context: ForumContext, actor: Actor, t: Translator, meeting_id: int, word: str
) -> None:
    """`/termin <nr> intern` or `öffentlich` (the coordinator's; the service checks)."""
    folded = word.lower()
    if folded not in INTERNAL | PUBLIC:
        raise InvalidInput("oparl.meeting_usage", id=meeting_id)
    service = context.services.oparl
    internal = folded in INTERNAL
    meeting, changed = await service.set_internal(actor, meeting_id, internal)
    shown = texts.marked(t, meeting, internal, changed=changed, enabled=service.enabled)
    await reply(update, shown)


async def internal_note(context: ForumContext, t: Translator, meeting_id: int) -> str:
    """For the coordinator's `/termin <nr>`: a line if the meeting is not in OParl."""
    service = context.services.oparl
    if service.enabled and await service.is_internal(meeting_id):
        return "\n\n" + t("oparl.meeting_is_internal", id=meeting_id)
    return ""


@forum_handler(commands.VISIBILITY)
async def visibility(update: Update, context: ForumContext, actor: Actor, t: Translator) -> None:
    args = [a.lower() for a in context.args or []]
    wanted: bool | None = None
    if args:
        if len(args) > 1 or args[0] not in YES | NO:
            raise InvalidInput("oparl.visibility_usage")
        wanted = args[0] in YES
    state = await context.services.oparl.visibility(actor, wanted)
    await reply(update, texts.visibility(t, state))


@forum_handler(commands.COUNCILSYSTEM)
async def council_system(
    update: Update, context: ForumContext, actor: Actor, t: Translator
) -> None:
    name, bar, url = command_text(update).partition("|")
    if not bar or not name.strip() or not url.strip():
        raise InvalidInput("oparl.external_usage")
    removing = url.strip().lower() in REMOVE
    org = await context.services.oparl.set_external_body(
        actor, name.strip(), None if removing else url.strip()
    )
    if removing:
        await reply(update, t("oparl.external_removed", organisation=org.name))
    else:
        await reply(update, t("oparl.external_set", organisation=org.name, url=url.strip()))


def handlers() -> list[BaseHandler[Update, ForumContext, None]]:
    return [
        CommandHandler(commands.VISIBILITY.names, visibility),
        CommandHandler(commands.COUNCILSYSTEM.names, council_system),
    ]
