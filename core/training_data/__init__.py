"""Readers and writers for Rasa-format training data, over one in-memory model."""
