"""Live connections: one WebSocket connection per app instance, registered while it is
open, and `push` to every device of some users (notifications, messages)."""
