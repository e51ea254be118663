package telegram

import (
	"log/slog"
	"testing"

	"allot/adapters/telegram/botapi"
)

// An update Allot cannot read must not hold the offset, and with it every
// update after it; one whose id cannot be read is left out, and the good
// ones beside them are handled.
func TestIntake_UnreadableUpdatesDoNotHoldTheOffset(t *testing.T) {
	h := newHolder()
	in := newIntake(nil, 1, allowedUpdates, h.dispatch, slog.New(slog.DiscardHandler))
	ups := []botapi.Raw{
		botapi.Raw(`{"update_id":5,"message":{"message_id":1,"date":1,"chat":{"id":9,"type":"private"},"text":"hi"}}`),
		botapi.Raw(`{"update_id":6,"message":"not a message"}`),
		botapi.Raw(`[1,2]`),
		botapi.Raw(`{"update_id":7,"message":{"message_id":2,"date":1,"chat":{"id":9,"type":"private"},"text":"yo"}}`),
	}
	if n := in.take(ups); n != 2 {
		t.Fatalf("took %d updates, want the 2 readable ones", n)
	}
	if h.dispatched(5) != 1 || h.dispatched(7) != 1 || h.dispatched(6) != 0 {
		t.Errorf("dispatched 5: %d, 6: %d, 7: %d", h.dispatched(5), h.dispatched(6), h.dispatched(7))
	}
	h.release(5)
	if got := in.next(); got != 7 {
		t.Errorf("offset %d after 5 was handled, want 7: the unreadable 6 counts as handled", got)
	}
	h.release(7)
	if got := in.next(); got != 8 {
		t.Errorf("offset %d, want 8", got)
	}
	if n := in.take(ups); n != 0 {
		t.Errorf("the same poll again gave %d fresh updates", n)
	}
}

func TestUpdateID(t *testing.T) {
	cases := []struct {
		raw string
		id  int // -1: an error
	}{
		{`{"update_id":12,"message":{}}`, 12},
		{`{"update_id":7}`, 7},
		{`{"message":{},"update_id":9}`, 9},
		{`{ "update_id" : 3 , "x": 1 }`, 3},
		{`{"update_id":1e2,"message":{}}`, -1}, // not an int
		{`{"message":{}}`, -1},
		{`[1]`, -1},
		{`{"update_id":"5","message":{}}`, -1},
	}
	for _, c := range cases {
		id, err := updateID(botapi.Raw(c.raw))
		if c.id < 0 && err == nil || c.id >= 0 && (err != nil || id != c.id) {
			t.Errorf("updateID(%s) = %d, %v; want %d", c.raw, id, err, c.id)
		}
	}
}
