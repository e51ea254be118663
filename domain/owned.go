package domain

// OwnedNumber is one number of the operator's Fragment account as the
// account's list shows it: what the catalogue sync compares the catalogue
// with (actors/catalog_sync.go).
type OwnedNumber struct {
	Number     string // "+888…", in any form ParseNumber reads
	Restricted bool   // Fragment shows it restricted: Telegram limits it, so it cannot be rented out
}

// The reasons the catalogue sync blocks a number with. They are also how
// it knows its own blocks later: a number blocked with one of them is
// unblocked once the account holds it unrestricted again, while a block
// an admin gave (with any other reason) stays until an admin lifts it.
const (
	SyncNotOwned   = "not in the Fragment account"
	SyncRestricted = "restricted on Fragment"
)

// SyncedBlock reports whether reason is one the catalogue sync blocks with.
func SyncedBlock(reason string) bool { return reason == SyncNotOwned || reason == SyncRestricted }

// SyncWith decides what the catalogue sync does to n, given whether the
// Fragment account holds it (owned) and shows it restricted. A number the
// account no longer holds, or shows restricted, is blocked with the reason
// (a rental keeps running under a block: nothing ends it); one the sync
// blocked earlier and the account now holds unrestricted is unblocked.
// Anything else is left as it is, and nil says so: a removed number, one
// in order, or one already blocked, by an admin or by the sync.
func (n *Number) SyncWith(owned, restricted bool) NumberEvent {
	switch {
	case n.Removed:
		return nil
	case !n.Blocked && !owned:
		return &NumberBlocked{Reason: SyncNotOwned}
	case !n.Blocked && restricted:
		return &NumberBlocked{Reason: SyncRestricted}
	case n.Blocked && owned && !restricted && SyncedBlock(n.Reason):
		return &NumberUnblocked{}
	}
	return nil
}
