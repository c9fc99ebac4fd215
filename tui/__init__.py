"""Everything a person sees: the `botcoach` command line and the Textual app.

Kept empty on purpose: `botcoach --help` imports this package and must not load textual or torch.
"""
