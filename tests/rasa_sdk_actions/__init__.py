"""Custom actions written against the real `rasa_sdk` (not core.sdk), served by rasa-sdk's own
action server in tests/test_rasa_sdk_peer.py; never imported by botcoach's own venv."""
