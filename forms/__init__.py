"""Forms: the form loop, slot mappings and validation. Depends on core only."""
