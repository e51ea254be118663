package actors

import (
	"errors"
	"strings"
	"testing"

	"allot/domain"
)

// Every kind the journal knows is registered once, with a state that
// applies its own kind's events.
func TestEntityKinds_EveryKindOnce(t *testing.T) {
	seen := map[domain.Kind]bool{}
	for _, k := range entityKinds {
		if seen[k.kind] {
			t.Errorf("%s registered twice", k.kind)
		}
		seen[k.kind] = true
		if st := k.new("1"); st == nil || st.LastSeq() != 0 {
			t.Errorf("%s: new state %v, want an empty one", k.kind, st)
		}
	}
	for k := domain.KindNumber; k <= domain.MaxKind; k++ {
		if !seen[k] {
			t.Errorf("%s has no registration", k)
		}
	}
}

// An unknown kind, or an event of another kind, is an error naming it,
// never a panic.
func TestApplyEvent_UnknownKindIsAnError(t *testing.T) {
	ev := &domain.UserSeen{ID: 1}
	if _, err := applyEvent(domain.MaxKind+1, "x", nil, ev, 1); !errors.Is(err, errUnknownKind) ||
		!strings.Contains(err.Error(), (domain.MaxKind+1).String()) {
		t.Errorf("unknown kind: %v, want errUnknownKind naming it", err)
	}
	if _, err := applyEvent(domain.KindNumber, "x", nil, ev, 1); !errors.Is(err, domain.ErrEventKind) ||
		!strings.Contains(err.Error(), "UserSeen") {
		t.Errorf("event of another kind: %v, want domain.ErrEventKind naming it", err)
	}
	st, err := applyEvent(domain.KindUsers, "0", nil, ev, 7)
	if err != nil || stateSeq(st) != 7 {
		t.Errorf("users: %v, seq %d; want applied at 7", err, stateSeq(st))
	}
}
