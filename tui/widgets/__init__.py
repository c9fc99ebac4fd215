"""The widgets of the interactive app, one per file."""
