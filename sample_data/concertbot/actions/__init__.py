"""Custom actions of the concertbot sample, served by `botcoach run actions --actions actions`."""
