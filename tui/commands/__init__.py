"""One module per `botcoach` subcommand; each exposes a function taking the parsed arguments."""
