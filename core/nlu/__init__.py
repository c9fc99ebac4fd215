"""Natural-language understanding: a joint intent + entity model trained in seconds on CPU.

`Interpreter` is the public object (train, parse, update, to_state/from_state);
`parse_intent_message` handles `/intent{"entity": "value"}` messages without a model.
"""

from core.nlu.intent_message import is_intent_message, parse_intent_message
from core.nlu.interpreter import FALLBACK_INTENT, Interpreter
from core.nlu.model import NLUModelConfig

__all__ = ["FALLBACK_INTENT", "Interpreter", "NLUModelConfig", "is_intent_message", "parse_intent_message"]
