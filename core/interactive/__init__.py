"""Interactive learning without a screen: the teaching session, its journal, and the export of
what was taught into the project's files. The app (tui/) renders a session's questions and sends
back the answers; everything a person teaches lives in the session's conversations."""
