package domain

import (
	"testing"

	"github.com/vmihailenco/msgpack/v5"
)

func TestIntake_RemembersTheLatestHandled(t *testing.T) {
	in := &Intake{}
	seq := uint64(0)
	handle := func(id int64) bool {
		ev := in.Handle(id)
		if ev != nil {
			seq++
			in.Apply(ev, seq)
		}
		return ev != nil
	}
	if !handle(7) || handle(7) {
		t.Fatal("update 7: recorded twice, or not at all")
	}
	if handle(0) || handle(-3) {
		t.Error("an id Telegram never gives was recorded")
	}
	for id := int64(1000); id < 1000+IntakeMemory; id++ {
		handle(id)
	}
	if in.Handled(7) || len(in.Recent) != IntakeMemory {
		t.Errorf("the oldest was kept past the memory: 7 handled %v, %d remembered", in.Handled(7), len(in.Recent))
	}
	// After a quiet week Telegram may number updates below those before.
	if !handle(5) || !in.Handled(5) || !in.Handled(1000+IntakeMemory-1) {
		t.Error("a lower id handled later was not remembered beside the newest")
	}
	b, err := msgpack.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	var back Intake
	if err := msgpack.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !back.Handled(5) || back.Handled(7) || back.Seq != in.Seq || len(back.Recent) != IntakeMemory {
		t.Errorf("restored intake differs: seq %d, %d ids", back.Seq, len(back.Recent))
	}
}
