"""Clients for the parts that differ per runtime (moderation) or that the domain
must not reach directly (object storage)."""
