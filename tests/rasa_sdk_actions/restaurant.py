"""formbot's form validation for rasa-sdk: rasa-sdk's FormValidationAction reads the form's
required slots from the domain we send and the slot candidates from the end of our tracker."""

from typing import Any, Dict, Text

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.types import DomainDict

KNOWN_CUISINES = {"thai", "greek", "italian", "indian"}
NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6}


class ValidateRestaurantForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_restaurant_form"

    def validate_cuisine(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        cuisine = str(slot_value).strip().lower()
        if cuisine in KNOWN_CUISINES:
            return {"cuisine": cuisine}
        dispatcher.utter_message(response="utter_wrong_cuisine")
        return {"cuisine": None}

    def validate_num_people(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        text = str(slot_value).strip().lower()
        number = NUMBER_WORDS.get(text) or (int(float(text)) if text.replace(".", "", 1).isdigit() else None)
        if not number:
            dispatcher.utter_message(response="utter_wrong_num_people")
        return {"num_people": number or None}
