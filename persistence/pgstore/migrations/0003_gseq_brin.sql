-- 0003_gseq_brin: events are appended in gseq order, so a block-range
-- index finds the events after a snapshot as well as a b-tree did, at a
-- fraction of the cost of keeping it up to date on every insert.
DROP INDEX allot_events_gseq;
CREATE INDEX allot_events_gseq_brin ON allot_events USING brin (gseq);
