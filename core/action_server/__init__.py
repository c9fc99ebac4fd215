"""`botcoach run actions`: hosts user-written custom actions over the Rasa SDK wire protocol."""

from .app import create_app
from .loader import ActionLoader, load_actions
from .server import serve

__all__ = ["ActionLoader", "create_app", "load_actions", "serve"]
