"""Names that carry meaning on the wire between Rasa (or botcoach's runtime) and the action server."""

REQUESTED_SLOT = "requested_slot"
ACTION_LISTEN_NAME = "action_listen"
NLU_FALLBACK_INTENT_NAME = "nlu_fallback"
LOOP_INTERRUPTED_KEY = "is_interrupted"
LEGACY_FORM_VALIDATE_KEY = "validate"
ACTION_VALIDATE_SLOT_MAPPINGS = "action_validate_slot_mappings"
DEFAULT_SERVER_PORT = 5055
