"""The agent and the ways to reach it: the CLI (and, later, the HTTP service and chat UI)."""
