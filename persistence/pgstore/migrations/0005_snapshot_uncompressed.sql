-- 0005_snapshot_uncompressed: a snapshot's parts are stored as they are,
-- not compressed. PostgreSQL compressed each 8 MiB part in the backend that
-- wrote it, on the cores the bot's own commits need, and the commits
-- waited for a core: deposits made while a snapshot of a million numbers
-- was written waited up to 59 and 73 ms with lz4 (p99 27 and 12 ms), and
-- 9 and 12 ms without (p99 8 ms), the second before each snapshot 3-5 ms
-- (loadtest -mode restore -entities 1000000 -store postgres, two runs
-- each, 7 December). The parts take their full size: 67 MB for a million
-- numbers. Rows written before keep their compression and read as ever.
ALTER TABLE allot_state_snapshot_parts ALTER COLUMN data SET STORAGE EXTERNAL;
