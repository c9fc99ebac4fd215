"""The modal questions of the interactive app, one screen per file."""
