"""Forms: the form loop, slot mappings and validation. Depends on core only.

The composition root calls `register_forms(agent)`; interactive learning uses the validation
question helpers in forms.validation_question.
"""

from forms.registry import register_forms

__all__ = ["register_forms"]
