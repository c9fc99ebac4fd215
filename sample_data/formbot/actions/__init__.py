"""Custom actions of the formbot sample, served by `botcoach run actions --actions actions`."""
