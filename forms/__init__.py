"""Forms: the form loop, slot mappings and validation. Depends on core only.

The composition root calls `register_forms(agent)`; the question interactive learning asks about
a form ("should it validate?") lives with the session, in core.interactive.validation_question.
"""

from forms.registry import register_forms

__all__ = ["register_forms"]
