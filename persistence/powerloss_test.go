package persistence_test

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"allot/persistence"
	"allot/persistence/simdisk"
)

// TestJournal_PowerLoss cuts the power under the real journal at random
// file operations, keeping a random subset of the unsynced pages or
// sectors, and checks each start: not refused, every acknowledged record
// there and intact, nothing that was never appended. (loadtest -mode
// powerloss does the same at scale, with kills, FsyncOS and damage.)
func TestJournal_PowerLoss(t *testing.T) {
	cycles := 150
	if testing.Short() {
		cycles = 30
	}
	r := rand.New(rand.NewPCG(13, 17))
	d := simdisk.New()
	want := map[uint64]string{} // what every start must find
	appended := map[uint64]string{}
	for c := range cycles {
		j := openSim(t, d, persistence.FsyncAlways)
		got := replaySim(t, j)
		for seq, p := range got {
			if want[seq] != p && appended[seq] != p {
				t.Fatalf("cycle %d: seq %d = %q was never appended", c, seq, p)
			}
		}
		checkAcked(t, c, got, want)
		want, appended = got, map[uint64]string{}
		keep := simdisk.RandomKeep(rand.New(rand.NewPCG(r.Uint64(), 0)), r.Float64())
		d.CutAfter(1+r.IntN(60), simdisk.Policy{Keep: keep, Sectors: r.IntN(2) == 0})
		for i := 0; ; i++ {
			p := fmt.Sprintf("c%d i%d %s", c, i, strings.Repeat("x", r.IntN(3000)))
			acked, failed := appendTried(j, p, 1+r.IntN(8), appended)
			for seq, p := range acked {
				want[seq] = p
			}
			if failed > 0 {
				break
			}
		}
		_ = j.Close()
	}
}

func checkAcked(tb testing.TB, c int, got, want map[uint64]string) {
	tb.Helper()
	for seq, p := range want {
		if got[seq] != p {
			tb.Fatalf("cycle %d: acknowledged seq %d lost or changed: %q", c, seq, got[seq])
		}
	}
}
