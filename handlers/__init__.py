"""Telegram handlers, one module per feature. Thin: read the update, call models, render text."""
