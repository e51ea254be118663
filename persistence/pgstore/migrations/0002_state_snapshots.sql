-- 0002_state_snapshots: the engine's whole-state snapshots. The engine
-- restores every entity at start, so it snapshots them all at once, as it
-- does into a file; a snapshot is written in parts (a bytea is best kept
-- well below its 1 GB limit) in one transaction with its header, so a
-- header row means every part is there.
CREATE TABLE allot_state_snapshots (
    seq        bigint PRIMARY KEY,
    size       bigint NOT NULL,
    parts      integer NOT NULL,
    crc        bigint NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE allot_state_snapshot_parts (
    seq  bigint NOT NULL,
    part integer NOT NULL,
    data bytea NOT NULL,
    PRIMARY KEY (seq, part)
);
