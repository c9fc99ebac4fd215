"""Shared fixtures: where the real Rasa data and the sample bots live."""

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
COMPAT = SHARED / "compat" / "rasa"
SAMPLES = ROOT / "sample_data"

# The 1.x form story of the forms issue, as Rasa 1.x wrote it.
ISSUE_FORM_STORY = """## restaurant
* request_restaurant
    - restaurant_form
    - form{"name": "restaurant_form"}
    - slot{"requested_slot": "cuisine"}
* form: inform{"cuisine": "mexican"}
    - slot{"cuisine": "mexican"}
    - form: restaurant_form
    - slot{"cuisine": "mexican"}
    - slot{"requested_slot": "num_people"}
* form: inform{"number": "2"}
    - form: restaurant_form
    - slot{"num_people": "2"}
    - form{"name": null}
    - slot{"requested_slot": null}
    - utter_slots_values
"""


@pytest.fixture
def compat_dir() -> Path:
    return COMPAT
