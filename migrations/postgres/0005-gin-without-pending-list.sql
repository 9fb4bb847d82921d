-- Metadata searches read the GIN indexes on every request. With `fastupdate` (Postgres's default)
-- new entries wait in a pending list that every search scans in full until a vacuum merges it: a
-- server that creates threads steadily searches a growing list. Without it, each insert updates
-- the index at once, a little slower, and searches stay index lookups.
ALTER INDEX threads_metadata SET (fastupdate = off);
ALTER INDEX assistants_metadata SET (fastupdate = off);
SELECT gin_clean_pending_list('threads_metadata'::regclass);
SELECT gin_clean_pending_list('assistants_metadata'::regclass);
