-- 0001_init: the event store's tables. Text keys use the "C" collation:
-- byte order, the same on every server, and the cheapest comparison.

-- Every entity's events. The primary key is the fence: of two writers
-- that both append (kind, entity, seq), exactly one row goes in.
CREATE TABLE allot_events (
    kind    smallint NOT NULL,
    entity  text COLLATE "C" NOT NULL,
    seq     bigint NOT NULL CHECK (seq > 0),
    gseq    bigint NOT NULL,
    op      text COLLATE "C",
    payload bytea NOT NULL,
    PRIMARY KEY (kind, entity, seq)
);

-- gseq orders events within one writer, for whole-state recovery.
CREATE INDEX allot_events_gseq ON allot_events (gseq);

-- The newest snapshot of each entity; only ever replaced by a newer one.
CREATE TABLE allot_snapshots (
    kind    smallint NOT NULL,
    entity  text COLLATE "C" NOT NULL,
    seq     bigint NOT NULL,
    payload bytea NOT NULL,
    PRIMARY KEY (kind, entity)
);

-- Operation ids, each written with the event that carried it, so that a
-- redelivered operation is recognised whichever process sees it again.
CREATE TABLE allot_operations (
    op     text COLLATE "C" PRIMARY KEY,
    kind   smallint NOT NULL,
    entity text COLLATE "C" NOT NULL,
    seq    bigint NOT NULL
);

-- Singletons' leases. A row is never deleted, so an epoch never repeats.
CREATE TABLE allot_leases (
    name       text COLLATE "C" PRIMARY KEY,
    holder     text NOT NULL,
    epoch      bigint NOT NULL,
    expires_at timestamptz NOT NULL
);

-- Singletons' cursors, written only under the current epoch of the lease
-- of the same name.
CREATE TABLE allot_cursors (
    name  text COLLATE "C" PRIMARY KEY,
    epoch bigint NOT NULL,
    value bytea NOT NULL
);
