package actors

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"allot/domain"
	"allot/persistence"
)

// BenchmarkEngine measures one operation end to end through the entry
// points, from parallel callers, journal in FSYNC=os mode so that the
// figure is the engine's CPU cost rather than the disk's.
func BenchmarkEngine(b *testing.B) {
	c := newClock()
	for _, bc := range []struct {
		name string
		op   func(ctx context.Context, e *Engine, i uint64, u domain.UserID, n string) error
	}{
		{"deposit", func(ctx context.Context, e *Engine, i uint64, u domain.UserID, _ string) error {
			_, err := e.Deposit(ctx, domain.Payment{Tx: domain.TxID{Account: "b", LT: i, Hash: "h"}, Amount: 1e9, User: u})
			return err
		}},
		{"renew", func(ctx context.Context, e *Engine, i uint64, u domain.UserID, n string) error {
			if i%1024 == 0 {
				// A number remembers the operations of the last OpRetention: on
				// a frozen clock it would remember every renewal of the run, and
				// the benchmark would measure scanning thousands of them.
				c.Add(domain.OpRetention + time.Hour)
			}
			_, err := e.RenewFromBalance(ctx, domain.OpID(fmt.Sprint("r", i)), u, n, 30)
			return err
		}},
		{"number", func(ctx context.Context, e *Engine, _ uint64, _ domain.UserID, n string) error {
			_, err := e.Number(ctx, n)
			return err
		}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			e := openTest(b, b.TempDir(), c, func(o *Options) { o.Fsync = persistence.FsyncOS })
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
			// One context for the run: ctxT per operation registered a
			// cleanup each time, and the benchmark measured that.
			ctx := context.Background()
			b.SetParallelism(8)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				u := next.Add(1)%users + 1
				n := fmt.Sprintf("+8880000%04d", u)
				for pb.Next() {
					if err := bc.op(ctx, e, seq.Add(1), domain.UserID(u), n); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

// BenchmarkSnapshot measures writing a snapshot of 100,000 rented numbers
// and 100,000 wallets (idle entities, as after a restore), and restoring
// it: the two halves of `loadtest -mode restore`, without the build.
func BenchmarkSnapshot(b *testing.B) {
	const n = 100_000
	c := newClock()
	e := openTest(b, b.TempDir(), c, nil)
	now := c.Now()
	for i := 0; i < n; i++ {
		id := fmt.Sprintf("+888%08d", i+1)
		u := domain.UserID(1_000_000 + i)
		op := domain.OpID(fmt.Sprintf("op-%d", i))
		e.dir.put(domain.KindNumber, id, &domain.Number{ID: id, Added: now, Ops: []domain.OpID{op},
			Rental:  &domain.Rental{Renter: u, Since: now, Until: now.Add(720 * time.Hour), Paid: domain.TON(3)},
			History: []domain.Holding{{User: u, From: now, How: "rented", Until: now.Add(720 * time.Hour)}}})
		w := &domain.Wallet{User: u, Balance: domain.TON(7)}
		w.Entries = []domain.Entry{
			{Op: "tx:test:1:h", Kind: domain.KindRecharge, Amount: domain.TON(10), Status: domain.EntryCompleted, Ref: "test:1:h", Created: now},
			{Op: op, Kind: domain.KindPurchase, Amount: domain.TON(3), Status: domain.EntryCompleted, Debit: true, Ref: id, Days: 30, Created: now, Updated: now},
		}
		e.dir.put(domain.KindWallet, walletID(u), w)
	}
	ctx := context.Background()
	b.Run("write", func(b *testing.B) {
		for b.Loop() {
			if _, err := e.Snapshot(ctx); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/(2*n), "ns/entity")
	})
	// A restart rebuilds the catalogue view from the numbers, and the
	// first catalogue page needs their order.
	b.Run("view", func(b *testing.B) {
		for b.Loop() {
			e.view = newNumberView()
			e.rebuildView()
			if p := e.Catalogue(ctx, 0, 10); p.Pages != n/10 {
				b.Fatalf("pages: %d", p.Pages)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/number")
	})
	info, err := e.Snapshot(ctx)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("restore", func(b *testing.B) {
		for b.Loop() {
			_, payload, err := persistence.ReadSnapshot(info.Path)
			if err != nil {
				b.Fatal(err)
			}
			r := &Engine{opts: e.opts, log: e.log}
			r.dir = newDirectory(nil, kindList()...)
			if err := r.restore(0, payload); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/(2*n), "ns/entity")
	})
}

// BenchmarkReplay measures applying journal records after a restore on
// every core (the replayer), the half of a restart's recovery that comes
// after the snapshot: a deposit's credit to each of 200,000 wallets, in an
// order that visits them scattered, as a day's deposits would.
func BenchmarkReplay(b *testing.B) {
	const n = 200_000
	at := time.Date(2026, time.January, 2, 3, 4, 5, 0, time.UTC)
	recs := make([][]byte, n)
	for i := range recs {
		u := domain.UserID(1_000_000 + i*7919%n)
		tx := fmt.Sprintf("EQabc:%d:h", i)
		p, err := domain.EncodeRecord(domain.Record{Kind: domain.KindWallet, ID: walletID(u),
			Event: &domain.WalletCredited{Op: domain.OpID("tx:" + tx), Kind: domain.KindRecharge, Amount: domain.TON(10), Ref: tx, At: at}})
		if err != nil {
			b.Fatal(err)
		}
		recs[i] = p
	}
	for b.Loop() {
		b.StopTimer()
		e := bareEngine("")
		for i := 0; i < n; i++ {
			u := domain.UserID(1_000_000 + i)
			e.dir.put(domain.KindWallet, walletID(u), &domain.Wallet{User: u, Balance: domain.TON(7), Seq: 1,
				Entries: []domain.Entry{{Op: "tx:test:1:h", Kind: domain.KindRecharge, Amount: domain.TON(7),
					Status: domain.EntryCompleted, Ref: "test:1:h", Created: at}}})
		}
		b.StartTimer()
		r := newReplayer(e)
		for i, p := range recs {
			if err := r.add(uint64(10+i), p); err != nil {
				b.Fatal(err)
			}
		}
		if err := r.close(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/record")
}
