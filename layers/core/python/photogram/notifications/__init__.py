"""Notifications: each user's activity inbox (likes, comments, replies, mentions,
follows, follow requests and their approval), grouped, written by the stream
consumer, pushed to the user's live connections."""
