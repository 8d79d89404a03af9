"""Per-account rate limits on the writes spam abuses: follows, likes, comments, posts,
stories, story views, handle changes and uploads (docs/decisions.md §31).

A limited use case commits its transaction through `service.transact`, which adds one
conditional update of the account's counter item for that action and UTC day: the
use is counted only if the write commits, and the write commits only if the account
is under both its per-minute and its per-day limit.
"""
