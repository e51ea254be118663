package domain

import (
	"fmt"
	"slices"
)

// IntakeMemory is how many handled updates the intake remembers. Telegram
// delivers again only the updates it was not told were received: by long
// polling at most the 100 it returns from the offset, by webhook the posts
// in flight (at most 100 connections). A thousand is ten times that.
const IntakeMemory = 1024

// Intake remembers the Telegram updates the bot has handled, so that one
// delivered again after a crash — handled, but Telegram not yet told — is
// recognised by its update_id and not handled twice.
//
// It keeps the most recently handled ones in the order they were handled,
// not the highest: after a week without updates Telegram numbers the next
// one at random, possibly below everything remembered.
type Intake struct {
	Recent []int64 `msgpack:"r"` // oldest first, at most IntakeMemory
	Seq    uint64  `msgpack:"sq"`

	index map[int64]struct{} // Recent as a set, built on first use; not stored
}

// UpdateHandled records that the bot handled an update.
type UpdateHandled struct {
	ID int64 `msgpack:"u"`
}

// UpdatesHandled records that the bot handled several updates: the
// records of many updates handled at once ride in one event.
type UpdatesHandled struct {
	IDs []int64 `msgpack:"us"`
}

// HandleAll decides recording ids: the ones not recorded yet (each once,
// Telegram's positive ids only), or nil when there are none.
func (in *Intake) HandleAll(ids []int64) *UpdatesHandled {
	var fresh []int64
	for _, id := range ids {
		if id > 0 && !in.Handled(id) && !slices.Contains(fresh, id) {
			fresh = append(fresh, id)
		}
	}
	if len(fresh) == 0 {
		return nil
	}
	return &UpdatesHandled{IDs: fresh}
}

// ApplyAll records e's updates, as Apply does each.
func (in *Intake) ApplyAll(e *UpdatesHandled, seq uint64) {
	for _, id := range e.IDs {
		in.Apply(&UpdateHandled{ID: id}, seq)
	}
	in.Seq = seq
}

// Handled reports whether the update id was handled.
func (in *Intake) Handled(id int64) bool {
	_, ok := in.set()[id]
	return ok
}

// Handle decides recording id: nil when it is already recorded (or is no
// update id: Telegram's are positive).
func (in *Intake) Handle(id int64) *UpdateHandled {
	if id <= 0 || in.Handled(id) {
		return nil
	}
	return &UpdateHandled{ID: id}
}

// Apply records e's update, forgetting the oldest beyond IntakeMemory.
func (in *Intake) Apply(e *UpdateHandled, seq uint64) {
	in.Seq = seq
	if in.Handled(e.ID) {
		return
	}
	in.Recent = append(in.Recent, e.ID)
	in.index[e.ID] = struct{}{}
	if over := len(in.Recent) - IntakeMemory; over > 0 {
		for _, old := range in.Recent[:over] {
			delete(in.index, old)
		}
		// Reslicing, not copying: append moves the ids to a fresh array
		// once the old one's end is reached, a copy per few hundred
		// updates instead of one of the whole memory per update (which
		// was 7% of the bot's allocation in the load test). The old
		// array's head stays alive until then: a few kilobytes.
		in.Recent = in.Recent[over:]
	}
}

// LastSeq is the sequence of the last event applied (State).
func (in *Intake) LastSeq() uint64 { return in.Seq }

// ApplyEvent applies ev if it records handled updates (State).
func (in *Intake) ApplyEvent(ev Event, seq uint64) error {
	switch e := ev.(type) {
	case *UpdatesHandled:
		in.ApplyAll(e, seq)
	case *UpdateHandled:
		in.Apply(e, seq)
	default:
		return fmt.Errorf("%w: %T does not belong to kind %s", ErrEventKind, ev, KindIntake)
	}
	return nil
}

// Snapshot returns the remembered ids, oldest first (a copy).
func (in *Intake) Snapshot() []int64 { return slices.Clone(in.Recent) }

func (in *Intake) set() map[int64]struct{} {
	if in.index == nil {
		in.index = make(map[int64]struct{}, len(in.Recent))
		for _, id := range in.Recent {
			in.index[id] = struct{}{}
		}
	}
	return in.index
}
