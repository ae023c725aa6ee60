"""Presentation: the texts and buttons of each feature, rendered with a `Translator`.

Called by handlers (replies) and by services (outbox rows). Nothing here imports `telegram` or
touches the database: each function turns plain values into text, or into `Button`s."""
