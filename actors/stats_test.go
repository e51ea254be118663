package actors

import (
	"slices"
	"testing"
	"time"
)

func TestHistogram_observeRead(t *testing.T) {
	var h histogram
	bounds := []int64{1, 2, 4}
	for _, v := range []int64{0, 1, 2, 3, 4, 5, 100} {
		h.observe(bounds, v)
	}
	got := h.read(bounds, 0.5)
	if w := []float64{0.5, 1, 2}; !slices.Equal(got.Bounds, w) {
		t.Errorf("bounds %v, want %v", got.Bounds, w)
	}
	if w := []uint64{2, 3, 5}; !slices.Equal(got.Counts, w) {
		t.Errorf("cumulative counts %v, want %v (a value on a bound is in its bucket)", got.Counts, w)
	}
	if got.Count != 7 || got.Sum != 57.5 {
		t.Errorf("count %d sum %v, want 7 and 57.5", got.Count, got.Sum)
	}
}

func TestDoubling(t *testing.T) {
	if len(commitBounds)+1 > len(histogram{}.counts) || len(batchBounds)+1 > len(histogram{}.counts) {
		t.Fatal("a layout has more buckets than a histogram holds")
	}
	first, last := time.Duration(commitBounds[0]), time.Duration(commitBounds[len(commitBounds)-1])
	if first != 50*time.Microsecond || last < 500*time.Millisecond || last > 2*time.Second {
		t.Errorf("commit buckets from %v to %v, want 50µs to about a second", first, last)
	}
}

func TestEngine_StatsCommitsAndSnapshots(t *testing.T) {
	e := openTest(t, t.TempDir(), newClock(), nil)
	seed(t, e, 0, num1, num2)
	if _, err := e.Snapshot(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	st := e.Stats()
	if st.CommitTimes.Count != st.Commits || st.Commits == 0 {
		t.Errorf("commit histogram holds %d, commits %d", st.CommitTimes.Count, st.Commits)
	}
	if st.CommitTimes.Sum <= 0 || st.CommitTimes.Sum > st.CommitSum.Seconds()+1e-9 {
		t.Errorf("commit histogram sum %v s, commit time %v", st.CommitTimes.Sum, st.CommitSum)
	}
	// Every sync records its batch, and a batch holds at least one record.
	if b := st.BatchSizes; b.Count != st.Commits || b.Sum < float64(b.Count) {
		t.Errorf("batch sizes %+v for %d commits", b, st.Commits)
	}
	if st.Snapshots != 1 || st.SnapshotLast <= 0 || st.SnapshotSum != st.SnapshotLast {
		t.Errorf("snapshots %d, last %v, sum %v", st.Snapshots, st.SnapshotLast, st.SnapshotSum)
	}
}
