"""Search: users, hashtags and places as people type them. The engine (OpenSearch or
the embedded SQLite index) sits behind photogram.adapters.search; this package makes
its documents from table items (`documents`, `indexer`, fed by the table stream) and
answers queries with the social rules applied to every result (`service`)."""
