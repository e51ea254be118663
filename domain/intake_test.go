package domain

import (
	"slices"
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

func TestIntake_HandleAllRecordsEachOnce(t *testing.T) {
	in := &Intake{}
	in.Apply(in.Handle(3), 1)
	ev := in.HandleAll([]int64{3, 4, 4, 0, -1, 5})
	if ev == nil || !slices.Equal(ev.IDs, []int64{4, 5}) {
		t.Fatalf("HandleAll = %+v, want the new ids 4 and 5 once each", ev)
	}
	in.ApplyAll(ev, 2)
	if !in.Handled(4) || !in.Handled(5) || in.Seq != 2 || in.HandleAll([]int64{3, 4, 5}) != nil {
		t.Errorf("after the batch: %+v", in)
	}
}
