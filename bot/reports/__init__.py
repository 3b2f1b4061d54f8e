"""Reports, charts and exports, rendered for the chat and for the command line alike (no telegram here)."""
