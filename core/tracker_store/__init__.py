"""Read-only access to conversations a deployed Rasa bot stored (SQL tracker store, tracker JSON)."""

from core.tracker_store.config import StoreConfig, store_config_from_endpoints
from core.tracker_store.reader import ConversationSummary, TrackerSource, open_source

__all__ = ["ConversationSummary", "StoreConfig", "TrackerSource", "open_source", "store_config_from_endpoints"]
