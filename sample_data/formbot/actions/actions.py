"""Validation for the restaurant booking form, and cancelling a booking half-way.

The form itself (asking for each slot in turn) is built in; this module only decides which
extracted values are acceptable and turns free text into the values the booking needs.
"""

from typing import Any

from core.sdk import Action, Tracker
from core.sdk.events import AllSlotsReset
from core.sdk.executor import CollectingDispatcher
from core.sdk.forms import FormValidationAction
from core.sdk.types import DomainDict

# The cuisines the (pretend) booking system knows; synonyms like "sushi" arrive already mapped.
KNOWN_CUISINES = {
    "italian",
    "chinese",
    "thai",
    "indian",
    "mexican",
    "japanese",
    "greek",
    "french",
    "vietnamese",
    "lebanese",
    "spanish",
    "korean",
    "ethiopian",
    "turkish",
}

NUMBER_WORDS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
}

OUTDOOR_WORDS = ("outside", "outdoor", "terrace", "garden", "patio")
INDOOR_WORDS = ("inside", "indoor", "window")


def parse_party_size(value: Any) -> int | None:
    """A positive whole number from 4, 4.0, "4" or "four"; None when there is none."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        text = value.strip().lower()
        if text in NUMBER_WORDS:
            return NUMBER_WORDS[text]
        try:
            value = float(text)
        except ValueError:
            return None
    if isinstance(value, (int, float)) and value == int(value) and value > 0:
        return int(value)
    return None


def parse_outdoor_choice(value: Any) -> bool | None:
    """True for outside, False for inside: from affirm/deny (already a bool) or a seating phrase."""
    if isinstance(value, bool):
        return value
    text = str(value).lower()
    if any(word in text for word in OUTDOOR_WORDS):
        return True
    if any(word in text for word in INDOOR_WORDS):
        return False
    return None


class ValidateRestaurantForm(FormValidationAction):
    def name(self) -> str:
        return "validate_restaurant_form"

    def validate_cuisine(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        cuisine = str(slot_value).strip().lower()
        if cuisine in KNOWN_CUISINES:
            return {"cuisine": cuisine}
        dispatcher.utter_message(response="utter_wrong_cuisine")
        return {"cuisine": None}

    def validate_num_people(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        party_size = parse_party_size(slot_value)
        if party_size is None:
            dispatcher.utter_message(response="utter_wrong_num_people")
        return {"num_people": party_size}

    def validate_outdoor_seating(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        outdoor = parse_outdoor_choice(slot_value)
        if outdoor is None:
            dispatcher.utter_message(response="utter_wrong_outdoor_seating")
        return {"outdoor_seating": outdoor}


class ActionCancelBooking(Action):
    """Forgets a half-filled booking so that the next request starts from scratch."""

    def name(self) -> str:
        return "action_cancel_booking"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        dispatcher.utter_message(response="utter_booking_cancelled")
        return [AllSlotsReset()]
