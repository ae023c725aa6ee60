"""The page that `/kalender`'s button opens: Telegram's buttons take only http(s) addresses, so
the button leads here, and this page offers the webcal address (which calendar apps subscribe
to), Google's subscription and the plain address to copy. The token is in the page's address:
it sends no Referer and is not cached or indexed (headers in bot/http.py)."""

from __future__ import annotations

import html

from bot.i18n import FALLBACK, LANGUAGES, catalog
from bot.services.feed import FeedLinks

_STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:36em;margin:2em auto;padding:0 1em;"
    "line-height:1.5;color:#222}"
    "a.button{display:block;padding:.8em 1em;margin:.8em 0;border-radius:.4em;"
    "background:#1a5fb4;color:#fff;text-align:center;text-decoration:none;font-weight:600}"
    "code{word-break:break-all;background:#f2f2f2;padding:.1em .3em}"
)


def page_language(accept_language: str) -> str:
    """The first of our languages the browser names (Accept-Language), else German."""
    weighted = []
    for position, part in enumerate(accept_language.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        language = tag.strip().lower().split("-")[0]
        if language in LANGUAGES and quality > 0:
            weighted.append((-quality, position, language))
    return min(weighted)[2] if weighted else FALLBACK


def subscription_page(links: FeedLinks, language: str) -> bytes:
    messages = catalog(language if language in LANGUAGES else FALLBACK)

    def text(key: str) -> str:
        return html.escape(messages.get(key) or catalog(FALLBACK)[key])

    def attr(value: str) -> str:
        return html.escape(value, quote=True)

    return (
        f'<!doctype html>\n<html lang="{language}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="robots" content="noindex"><meta name="referrer" content="no-referrer">'
        f"<title>{text('calendar.page.title')}</title><style>{_STYLE}</style></head>\n<body>"
        f"<h1>{text('calendar.page.title')}</h1>"
        f"<p>{text('calendar.page.intro')}</p>"
        f'<a class="button" href="{attr(links.webcal)}">{text("calendar.page.webcal")}</a>'
        f'<a class="button" href="{attr(links.google)}" rel="noreferrer">'
        f"{text('calendar.page.google')}</a>"
        f"<p>{text('calendar.page.other')}<br><code>{html.escape(links.https)}</code></p>"
        f"<p>{text('calendar.page.refresh')}</p>"
        "</body></html>\n"
    ).encode()
