"""Delivery to Telegram: the outbox sender and the rate limiter every outgoing message passes."""
