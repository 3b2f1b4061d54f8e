"""Upkeep run by the dispatcher after each tick, one module per concern."""
