package persistence

// EntitySnapshot is one entity's own snapshot: its encoded state as of
// Seq, the sequence of the last record applied to it. A store that keeps
// these can load one entity without the whole state (the engine's lazy
// kinds on PostgreSQL).
type EntitySnapshot struct {
	Kind  uint8
	ID    string
	Seq   uint64
	State []byte
}

// EntityHistory is what rebuilding one entity needs: its own snapshot, if
// it has one (State nil otherwise), and every record of it after that
// snapshot, in sequence order.
type EntityHistory struct {
	State   []byte
	Seq     uint64 // the snapshot's; 0 without one
	Records []SeqRecord
}

// SeqRecord is one record of an entity with the sequence it was given.
type SeqRecord struct {
	Seq     uint64
	Payload []byte
}
