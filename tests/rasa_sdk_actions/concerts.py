"""concertbot's searches for rasa-sdk: the same answers as sample_data/concertbot/actions, so a
conversation that runs on our action server runs the same on rasa-sdk's."""

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

CONCERTS: List[Dict[Text, Any]] = [
    {"artist": "The Midnight Lanterns", "reviews": 4.6},
    {"artist": "Cobalt Harbour", "reviews": 3.9},
    {"artist": "Juniper & the Owls", "reviews": 4.2},
]
VENUES: List[Dict[Text, Any]] = [
    {"name": "Riverside Amphitheatre", "reviews": 4.8},
    {"name": "Basement 12", "reviews": 3.7},
]


def ranked(items: List[Dict[Text, Any]], title: Text) -> Text:
    best_first = sorted(items, key=lambda item: item["reviews"], reverse=True)
    return "\n".join(f"{n}. {item[title]}: {item['reviews']} stars" for n, item in enumerate(best_first, 1))


class SearchConcerts(Action):
    def name(self) -> Text:
        return "action_search_concerts"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        # the sender and the latest intent show that rasa-sdk read our tracker, not a default one
        dispatcher.utter_message(text="Coming up soon: " + ", ".join(c["artist"] for c in CONCERTS) + ".")
        dispatcher.utter_message(
            text=f"(rasa-sdk served {tracker.sender_id}, who asked {tracker.get_intent_of_latest_message()})",
            buttons=[{"title": "compare", "payload": "/compare_reviews"}],
        )
        return [SlotSet("concerts", CONCERTS)]


class SearchVenues(Action):
    def name(self) -> Text:
        return "action_search_venues"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        dispatcher.utter_message(text="Venues near you: " + ", ".join(v["name"] for v in VENUES) + ".")
        return [SlotSet("venues", VENUES)]


class ShowConcertReviews(Action):
    def name(self) -> Text:
        return "action_show_concert_reviews"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        concerts = tracker.get_slot("concerts") or []
        if concerts:
            dispatcher.utter_message(text="Concerts by review score:\n" + ranked(concerts, "artist"))
        else:
            dispatcher.utter_message(response="utter_default")
        return []


class ShowVenueReviews(Action):
    def name(self) -> Text:
        return "action_show_venue_reviews"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        venues = tracker.get_slot("venues") or []
        dispatcher.utter_message(text="Venues by review score:\n" + ranked(venues, "name"))
        return []
