package pgstore

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"allot/persistence/pgstore/pgtest"
)

// TestStore_fencing races two activations of one entity (two Stores on one
// database) over and over: each round both append the entity's next two
// seqs, in a batch with an event of their own entity, and both writers
// are released at the same moment. In every round exactly one wins both
// seqs, the loser's done gets ErrFenced for both and none of its rows is
// in the table, and the loser's other entity commits all the same.
func TestStore_fencing(t *testing.T) {
	t.Parallel()
	rounds := 1000
	if testing.Short() {
		rounds = 200
	}
	url := pgtest.DB(t)
	var stores [2]*Store
	var gates [2]*gate
	for i := range stores {
		stores[i], gates[i] = gatedStore(t, url, Options{})
	}
	wins := [2]int{}
	var doubles, losses int
	for r := range rounds {
		var outs [2]*outcome
		for i, s := range stores {
			outs[i] = newOutcome()
			base := uint64(2 * r)
			outs[i].add(s, ev(1, "contested", base+1, fmt.Sprintf("s%d-r%d", i, r)))
			outs[i].add(s, ev(1, "contested", base+2, fmt.Sprintf("s%d-r%d", i, r)))
			outs[i].add(s, ev(1, fmt.Sprintf("own-%d", i), uint64(r+1), "mine"))
		}
		gates[0].release()
		gates[1].release()
		winner := -1
		for i, o := range outs {
			o.wg.Wait()
			k1, k2 := fmt.Sprintf("contested/%d", 2*r+1), fmt.Sprintf("contested/%d", 2*r+2)
			if err := o.err(fmt.Sprintf("own-%d/%d", i, r+1)); err != nil {
				t.Fatalf("round %d: store %d's own entity failed: %v", r, i, err)
			}
			e1, e2 := o.err(k1), o.err(k2)
			switch {
			case e1 == nil && e2 == nil:
				if winner >= 0 {
					doubles++
				}
				winner = i
			case errors.Is(e1, ErrFenced) && errors.Is(e2, ErrFenced):
				losses++
				stores[i].Unfence(1, "contested")
			default:
				t.Fatalf("round %d: store %d got %v and %v, want both nil or both ErrFenced", r, i, e1, e2)
			}
		}
		if winner < 0 {
			t.Fatalf("round %d: nobody won", r)
		}
		wins[winner]++
	}
	t.Logf("%d races: store 0 won %d, store 1 won %d; %d double writes", rounds, wins[0], wins[1], doubles)
	if doubles != 0 || losses != rounds {
		t.Fatalf("%d double writes, %d losses in %d races", doubles, losses, rounds)
	}
	checkFencedTable(t, url, rounds)
}

// checkFencedTable checks the table after the races: every contested seq
// is there once, each round's two seqs from one store, and both own
// entities complete.
func checkFencedTable(t *testing.T, url string, rounds int) {
	t.Helper()
	conn := db(t, url)
	if n := queryInt(t, conn, "SELECT count(*) FROM allot_events WHERE entity = 'contested'"); n != 2*rounds {
		t.Fatalf("%d contested rows, want %d", n, 2*rounds)
	}
	mixed := queryInt(t, conn, `SELECT count(*) FROM allot_events a JOIN allot_events b
		ON a.kind = b.kind AND a.entity = b.entity AND b.seq = a.seq + 1
		WHERE a.entity = 'contested' AND a.seq % 2 = 1 AND a.payload <> b.payload`)
	if mixed != 0 {
		t.Fatalf("%d rounds have rows of both stores", mixed)
	}
	for i := range 2 {
		if n := queryInt(t, conn, "SELECT count(*) FROM allot_events WHERE entity = $1", fmt.Sprintf("own-%d", i)); n != rounds {
			t.Fatalf("own-%d has %d rows, want %d", i, n, rounds)
		}
	}
	var bad string
	err := conn.QueryRow(ctxT(t), `SELECT coalesce(string_agg(seq::text, ','), '') FROM allot_events
		WHERE entity = 'contested' AND convert_from(payload, 'UTF8') NOT LIKE '%-r' || ((seq - 1) / 2)::text`).Scan(&bad)
	if err != nil || strings.TrimSpace(bad) != "" {
		t.Fatalf("rows from the wrong round at seqs %q (%v)", bad, err)
	}
}
