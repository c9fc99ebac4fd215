"""One module per `botcoach` subcommand; each exposes `run(settings)`, its options typed (tui/settings.py)."""
