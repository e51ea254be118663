package persistence

import (
	"bytes"
	"fmt"
	"runtime"
	"testing"
)

// BenchmarkJournalAppend measures group commit: many goroutines each
// append a 100-byte record and wait for it to be durable, as actors waiting
// for their replies do. records/s is the throughput; records/batch shows
// how much one fdatasync carried.
func BenchmarkJournalAppend(b *testing.B) {
	for _, mode := range modes {
		for _, appenders := range []int{1, 64, 1000} {
			b.Run(fmt.Sprintf("%s/appenders=%d", mode, appenders), func(b *testing.B) {
				benchmarkAppend(b, mode, appenders)
			})
		}
	}
}

func benchmarkAppend(b *testing.B, mode FsyncMode, appenders int) {
	j := openJournal(b, JournalOptions{Dir: b.TempDir(), Fsync: mode})
	payload := bytes.Repeat([]byte("p"), 100) // shared: the journal never changes a payload
	b.SetParallelism((appenders + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
	b.SetBytes(int64(len(payload)))
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := j.AppendSync(payload); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.StopTimer()
	st := j.Stats()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
	b.ReportMetric(float64(st.Records)/float64(max(st.Batches, 1)), "records/batch")
}
