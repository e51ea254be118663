package pgstore

import (
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkAppend measures committed events per second with many
// appenders, each waiting for its event's commit before the next, as
// entity actors do: throughput comes from group commit.
//
//	go test -run '^$' -bench Append -benchtime 20000x ./persistence/pgstore/
func BenchmarkAppend(b *testing.B) {
	for _, appenders := range []int{16, 128} {
		b.Run(fmt.Sprintf("appenders=%d", appenders), func(b *testing.B) {
			s, _ := newStore(b)
			payload := make([]byte, 200)
			var ids atomic.Int64
			// RunParallel starts parallelism × GOMAXPROCS goroutines.
			b.SetParallelism(max(1, appenders/runtime.GOMAXPROCS(0)))
			b.ResetTimer()
			start := time.Now()
			b.RunParallel(func(pb *testing.PB) {
				entity := fmt.Sprintf("bench-%d", ids.Add(1))
				for seq := uint64(1); pb.Next(); seq++ {
					if _, err := s.AppendSync(Event{Kind: 1, Entity: entity, Seq: seq, Payload: payload}); err != nil {
						b.Error(err)
						return
					}
				}
			})
			elapsed := time.Since(start)
			b.StopTimer()
			st := s.Stats()
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "events/s")
			b.ReportMetric(st.MeanBatch(), "events/batch")
			b.ReportMetric(float64(st.MeanCommit().Microseconds()), "µs/commit")
		})
	}
}

// BenchmarkPutSnapshots measures entities' own snapshots stored per
// second, in statements of 4,096 as an engine's snapshot stores a
// directory shard's changed wallets: new rows first, then the same
// entities moved forward.
//
//	go test -run '^$' -bench PutSnapshots -benchtime 200000x ./persistence/pgstore/
func BenchmarkPutSnapshots(b *testing.B) {
	s, _ := newStore(b)
	payload := make([]byte, 150)
	const per = 4096
	for _, round := range []string{"new", "forward"} {
		b.Run(round, func(b *testing.B) {
			seq := uint64(1)
			if round == "forward" {
				seq = 2
			}
			start := time.Now()
			for i := 0; i < b.N; i += per {
				snaps := make([]Snapshot, 0, per)
				for j := i; j < min(i+per, b.N); j++ {
					snaps = append(snaps, Snapshot{Kind: 7, Entity: fmt.Sprint(1_000_000 + j), Seq: seq, Payload: payload})
				}
				if err := s.PutSnapshots(ctxT(b), snaps); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "snapshots/s")
		})
	}
}
