"""Concert and venue search for the concertbot sample.

The searches keep their results in list slots so that a later "compare the reviews" can rank
exactly what the user was shown, without searching again.
"""

from typing import Any

from core.sdk import Action, Tracker
from core.sdk.events import SlotSet
from core.sdk.executor import CollectingDispatcher
from core.sdk.types import DomainDict

# A real bot would query a ticketing API; fixed data keeps the sample self-contained.
UPCOMING_CONCERTS: list[dict[str, Any]] = [
    {"artist": "The Midnight Lanterns", "reviews": 4.6},
    {"artist": "Cobalt Harbour", "reviews": 3.9},
    {"artist": "Juniper & the Owls", "reviews": 4.2},
]

LOCAL_VENUES: list[dict[str, Any]] = [
    {"name": "Riverside Amphitheatre", "reviews": 4.8},
    {"name": "Basement 12", "reviews": 3.7},
    {"name": "The Foundry Hall", "reviews": 4.4},
]


def _ranked_lines(items: list[dict[str, Any]], title_key: str) -> str:
    """One line per item, best review score first."""
    ranked = sorted(items, key=lambda item: item.get("reviews", 0), reverse=True)
    return "\n".join(
        f"{position}. {item.get(title_key, '?')}: {item.get('reviews', '?')} stars"
        for position, item in enumerate(ranked, start=1)
    )


class ActionSearchConcerts(Action):
    def name(self) -> str:
        return "action_search_concerts"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        artists = ", ".join(concert["artist"] for concert in UPCOMING_CONCERTS)
        dispatcher.utter_message(text=f"Coming up soon: {artists}.")
        return [SlotSet("concerts", UPCOMING_CONCERTS)]


class ActionSearchVenues(Action):
    def name(self) -> str:
        return "action_search_venues"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        names = ", ".join(venue["name"] for venue in LOCAL_VENUES)
        dispatcher.utter_message(text=f"Venues with live music near you: {names}.")
        return [SlotSet("venues", LOCAL_VENUES)]


class ActionShowConcertReviews(Action):
    def name(self) -> str:
        return "action_show_concert_reviews"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        concerts = tracker.get_slot("concerts") or []
        if not concerts:
            dispatcher.utter_message(text="Ask me to find concerts first, then I can compare them.")
        else:
            dispatcher.utter_message(text="Concerts by review score:\n" + _ranked_lines(concerts, "artist"))
        return []


class ActionShowVenueReviews(Action):
    def name(self) -> str:
        return "action_show_venue_reviews"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        venues = tracker.get_slot("venues") or []
        if not venues:
            dispatcher.utter_message(text="Ask me to find venues first, then I can compare them.")
        else:
            dispatcher.utter_message(text="Venues by review score:\n" + _ranked_lines(venues, "name"))
        return []
