package main

import (
	"context"
	"strconv"
	"time"

	"allot/domain"
)

// loadAccounts plays the MTProto account checker in -mode handover, so that
// kills land in the account checks too (the MTProto side has its own tests
// against a fake Telegram: adapters/mtproto). It keeps no state, which a
// kill would lose: every fourth number's account has a cloud password, and
// whether its deletion is asked for or finished follows from the week of
// the virtual clock — asked in an even week, finished in an odd one, which
// is where the date it gives falls.
type loadAccounts struct{ clock vclock }

// deletionWait is how long Telegram delays deleting an account with a
// cloud password: 151 ms of real time on the virtual clock.
const deletionWait = 7 * 24 * time.Hour

func (a loadAccounts) CheckAccount(_ context.Context, number string) (domain.AccountVerdict, error) {
	idx, _ := strconv.Atoi(number[len(number)-6:])
	if idx%4 != 0 {
		return domain.AccountVerdict{Outcome: domain.AccountClean}, nil
	}
	now := a.clock.now()
	if now.Unix()/int64(deletionWait/time.Second)%2 == 0 {
		return domain.AccountVerdict{Outcome: domain.AccountDeletionPending, Until: now.Add(deletionWait)}, nil
	}
	return domain.AccountVerdict{Outcome: domain.AccountDeleted}, nil
}

// accountScore is where the returned numbers' account checks stand once
// every chore is done: none may be left owed without a pending deletion.
type accountScore struct{ pending, owed int }

func (s *accountScore) add(n *domain.Number) {
	switch a := n.Account; {
	case a == nil:
	case !a.DeleteAt.IsZero():
		s.pending++
	default:
		s.owed++
	}
}
