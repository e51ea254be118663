package persistence

import "slices"

// Loss is something the open or recovery set aside or fell back from.
type Loss struct {
	What         string // "journal tail" | "journal batch" | "snapshot" …
	File         string // the .broken copy (or the file) it concerns
	Offset       int64
	Bytes        int64
	Acknowledged bool // true only if acknowledged data was lost (repair); an unfinished batch is false
}

// Losses reports what OpenJournal set aside while opening this journal,
// so that a start that lost something can say so loudly (Recover passes
// it on in RecoveryInfo.Losses). Empty after a clean open.
func (j *Journal) Losses() []Loss { return slices.Clone(j.losses) }
