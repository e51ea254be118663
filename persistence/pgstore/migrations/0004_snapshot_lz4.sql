-- 0004_snapshot_lz4: a snapshot's parts are compressed with lz4 rather than
-- the default pglz. PostgreSQL compresses each part as it is written, in
-- the backend that writes it, on the cores the bot's own commits need:
-- with pglz a snapshot of a million numbers and a million wallets (184 MB)
-- took 7.9 s to write, with lz4 3.3 s, for 9 % more bytes on disk (66 MB
-- then 72 MB). A server without lz4 (built without it, or before
-- PostgreSQL 14) keeps pglz: the statement is run dynamically so that
-- either refusal can be caught, and the migration still counts as applied.
DO $$
BEGIN
    EXECUTE 'ALTER TABLE allot_state_snapshot_parts ALTER COLUMN data SET COMPRESSION lz4';
EXCEPTION WHEN feature_not_supported OR syntax_error THEN
    RAISE NOTICE 'lz4 is not available on this server; snapshots stay compressed with pglz';
END
$$;
