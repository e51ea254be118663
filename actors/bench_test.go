package actors

import (
	"fmt"
	"sync/atomic"
	"testing"

	"allot/domain"
	"allot/persistence"
)

// BenchmarkEngine measures one operation end to end through the entry
// points, from parallel callers, journal in FSYNC=os mode so that the
// figure is the engine's CPU cost rather than the disk's.
func BenchmarkEngine(b *testing.B) {
	for _, bc := range []struct {
		name string
		op   func(e *Engine, i uint64, u domain.UserID, n string) error
	}{
		{"deposit", func(e *Engine, i uint64, u domain.UserID, _ string) error {
			_, err := e.Deposit(ctxT(b), domain.Payment{Tx: domain.TxID{Account: "b", LT: i, Hash: "h"}, Amount: 1e9, User: u})
			return err
		}},
		{"renew", func(e *Engine, i uint64, u domain.UserID, n string) error {
			_, err := e.RenewFromBalance(ctxT(b), domain.OpID(fmt.Sprint("r", i)), u, n, 30)
			return err
		}},
		{"number", func(e *Engine, _ uint64, _ domain.UserID, n string) error {
			_, err := e.Number(ctxT(b), n)
			return err
		}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			e := openTest(b, b.TempDir(), newClock(), func(o *Options) { o.Fsync = persistence.FsyncOS })
			const users = 64
			for u := 1; u <= users; u++ {
				id := fmt.Sprintf("+8880000%04d", u)
				if _, err := e.AddNumber(ctxT(b), 0, id); err != nil {
					b.Fatal(err)
				}
				depositT(b, e, domain.UserID(u), domain.TON(1_000_000_000))
				if _, err := e.RentFromBalance(ctxT(b), domain.OpID(fmt.Sprint("rent", u)), domain.UserID(u), id, 30); err != nil {
					b.Fatal(err)
				}
			}
			var next, seq atomic.Uint64
			b.SetParallelism(8)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				u := next.Add(1)%users + 1
				n := fmt.Sprintf("+8880000%04d", u)
				for pb.Next() {
					if err := bc.op(e, seq.Add(1), domain.UserID(u), n); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}
