"""botcoach's SDK for custom actions, call-compatible with rasa_sdk. Actions written for rasa_sdk
need no change: the action server lets `rasa_sdk` name this package (as_rasa_sdk.py).

    from core.sdk import Action, Tracker
    from core.sdk.executor import CollectingDispatcher
    from core.sdk.events import SlotSet
    from core.sdk.forms import FormValidationAction
"""

from .forms import FormAction, FormValidationAction, ValidationAction
from .interfaces import Action, ActionExecutionRejection, ActionNotFoundException, Tracker

__all__ = [
    "Action",
    "ActionExecutionRejection",
    "ActionNotFoundException",
    "FormAction",
    "FormValidationAction",
    "Tracker",
    "ValidationAction",
]
