package domain

import (
	"reflect"
	"testing"
)

func TestNumber_SyncWith(t *testing.T) {
	blockedBy := func(reason string) func(testing.TB) *Number {
		return func(t testing.TB) *Number {
			n := freeNumber(t)
			must(t, n)(ev(n.Block(reason)))
			return n
		}
	}
	removed := func(t testing.TB) *Number {
		n := freeNumber(t)
		must(t, n)(ev(n.Remove()))
		return n
	}
	rented := func(t testing.TB) *Number { return rentedNumber(t, alice) }
	tests := []struct {
		name              string
		setup             func(testing.TB) *Number
		owned, restricted bool
		want              NumberEvent
	}{
		{"owned and in order", freeNumber, true, false, nil},
		{"not owned", freeNumber, false, false, &NumberBlocked{Reason: SyncNotOwned}},
		{"restricted", freeNumber, true, true, &NumberBlocked{Reason: SyncRestricted}},
		{"rented, not owned", rented, false, false, &NumberBlocked{Reason: SyncNotOwned}},
		{"blocked by the sync, owned again", blockedBy(SyncNotOwned), true, false, &NumberUnblocked{}},
		{"blocked as restricted, lifted", blockedBy(SyncRestricted), true, false, &NumberUnblocked{}},
		{"blocked by the sync, now restricted", blockedBy(SyncNotOwned), true, true, nil},
		{"blocked by the sync, still gone", blockedBy(SyncNotOwned), false, false, nil},
		{"an admin's block, owned", blockedBy("abuse"), true, false, nil},
		{"an admin's block, not owned", blockedBy("abuse"), false, false, nil},
		{"removed, not owned", removed, false, false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := tt.setup(t)
			before := n.Clone()
			got := n.SyncWith(tt.owned, tt.restricted)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("SyncWith(%v, %v) = %#v, want %#v", tt.owned, tt.restricted, got, tt.want)
			}
			if !reflect.DeepEqual(n, before) {
				t.Error("deciding changed the number")
			}
			if got == nil {
				return
			}
			applyN(t, n, got)
			if n.Rental == nil && before.Rental != nil {
				t.Error("the sync ended a rental")
			}
		})
	}
}

func TestSyncedBlock(t *testing.T) {
	for reason, want := range map[string]bool{SyncNotOwned: true, SyncRestricted: true, "abuse": false, "": false,
		"Not in the Fragment account": false} {
		if got := SyncedBlock(reason); got != want {
			t.Errorf("SyncedBlock(%q) = %v, want %v", reason, got, want)
		}
	}
}
