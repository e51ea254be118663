package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"
)

// runRedisLock is -mode redislock: the seed's Redis-lock rent under the
// same users, numbers and duration as -mode engine, reported in the same
// JSON shape. Without redis-server it is skipped, not failed: Redis is no
// dependency of Allot, of its tests or of its build.
func runRedisLock(f flags) (map[string]any, error) {
	srv, err := startRedis(f.users + 16)
	if errors.Is(err, errNoRedis) {
		fmt.Println("redislock: skipped: redis-server is not in PATH (Debian: apt-get install redis-server)")
		return map[string]any{"mode": "redislock", "skipped": true, "reason": err.Error(),
			"users": f.users, "numbers": f.numbers, "invariants_ok": true}, nil
	}
	if err != nil {
		return nil, err
	}
	defer srv.stop()
	t0 := time.Now()
	users, err := connectUsers(srv.addr, f.users, f.seed)
	if err != nil {
		return nil, err
	}
	defer func() {
		for _, u := range users {
			u.conn.Close()
		}
	}()
	w := newLockWorld(f.numbers)
	setup := time.Since(t0)
	r, busy := driveLocked(w, users, f.duration)
	inv := checkLocked(users, r)
	secs := r.elapsed.Seconds()
	res := map[string]any{
		"mode": "redislock", "persistence": "none", "redis_version": srv.version, "users": f.users, "numbers": f.numbers,
		"ops": r.ops, "ops_per_sec": round(float64(r.ops) / secs), "p50_ms": round(r.h.quantile(0.5)),
		"p99_ms": round(r.h.quantile(0.99)), "max_ms": round(float64(r.h.max) / 1e6), "errors": r.errors,
		"refused": r.refused, "lock_busy": busy, "invariants_ok": inv == nil, "setup_s": round(setup.Seconds()),
		"seconds": round(secs), "rent_ok": r.byKind[opRent], "renew_ok": r.byKind[opRenew],
		"round_trips_per_write": writeTrips,
	}
	printLocked(f, srv.version, r, busy, secs, inv)
	return res, nil
}

// connectUsers opens one connection per user, as many bot workers would.
func connectUsers(addr string, n int, seed int64) ([]*lockUser, error) {
	users := make([]*lockUser, 0, n)
	for i := 1; i <= n; i++ {
		c, err := dialRESP(addr)
		if err != nil {
			for _, u := range users {
				u.conn.Close()
			}
			return nil, fmt.Errorf("connect user %d: %w", i, err)
		}
		users = append(users, &lockUser{id: int64(userID(i)), conn: c, addr: addr,
			r: rand.New(rand.NewPCG(uint64(seed), uint64(i)))})
	}
	return users, nil
}

func printLocked(f flags, version string, r runResult, busy int64, secs float64, inv error) {
	fmt.Printf("redislock: %d users, %d numbers, redis %s on loopback without RDB or AOF, %.1fs\n", f.users, f.numbers, version, secs)
	fmt.Printf("  ops %d (%.0f/s), p50 %.2f ms, p99 %.2f ms, max %.1f ms\n", r.ops, float64(r.ops)/secs,
		r.h.quantile(0.5), r.h.quantile(0.99), float64(r.h.max)/1e6)
	fmt.Printf("  ok: rent %d, renew %d; refused %d (lock busy %d); errors %d\n",
		r.byKind[opRent], r.byKind[opRenew], r.refused, busy, r.errors)
	if inv != nil {
		fmt.Printf("  INVARIANTS: %v\n", inv)
	} else {
		fmt.Println("  invariants: ok (one renter per number, every acknowledged write in the history once, no lock left)")
	}
	if r.firstErr != nil {
		fmt.Printf("  first error: %v\n", r.firstErr)
	}
}

// checkLocked reads back every number a user rented: its state names that
// user, its history holds exactly the acknowledged rents and renewals, the
// expiry index has it, and no lock key is left behind. A broken lock would
// show as a number in two users' lists or a history longer than the acks.
func checkLocked(users []*lockUser, r runResult) error {
	if r.errors > 0 {
		return fmt.Errorf("%d operations failed: %v", r.errors, r.firstErr)
	}
	if len(users) == 0 {
		return nil
	}
	owner := map[string]int64{}
	for _, u := range users {
		for _, n := range u.mine {
			if o, dup := owner[n]; dup {
				return fmt.Errorf("%s rented by both %d and %d", n, o, u.id)
			}
			owner[n] = u.id
		}
	}
	c, err := dialRESP(users[0].addr)
	if err != nil {
		return err
	}
	defer c.Close()
	var history int64
	batch := make([]string, 0, 500)
	for n := range owner {
		if batch = append(batch, n); len(batch) == cap(batch) {
			if history, err = checkBatch(c, batch, owner, history); err != nil {
				return err
			}
			batch = batch[:0]
		}
	}
	if history, err = checkBatch(c, batch, owner, history); err != nil {
		return err
	}
	if acked := r.byKind[opRent] + r.byKind[opRenew]; history != acked {
		return fmt.Errorf("history holds %d entries, %d writes acknowledged", history, acked)
	}
	return checkIndexes(c, len(owner))
}

// checkBatch checks a batch of numbers in one pipelined round trip and
// returns the running count of history entries.
func checkBatch(c *respConn, batch []string, owner map[string]int64, history int64) (int64, error) {
	var cmds [][]string
	for _, n := range batch {
		cmds = append(cmds, []string{"GET", "rental:" + n}, []string{"LLEN", "history:number:" + n},
			[]string{"ZSCORE", "expiry:zset", n})
	}
	reps, err := c.pipeline(cmds)
	if err != nil {
		return 0, err
	}
	for i, n := range batch {
		var st rentalState
		if err := json.Unmarshal([]byte(reps[3*i].str), &st); err != nil {
			return 0, fmt.Errorf("rental:%s: %w", n, err)
		}
		if st.Owner != owner[n] {
			return 0, fmt.Errorf("rental:%s names %d, but %d was told it rented it", n, st.Owner, owner[n])
		}
		if reps[3*i+2].nil || reps[3*i+2].str != fmt.Sprint(st.Expires) {
			return 0, fmt.Errorf("expiry:zset has %q for %s, the rental expires at %d", reps[3*i+2].str, n, st.Expires)
		}
		history += reps[3*i+1].n
	}
	return history, nil
}

// checkIndexes checks that the expiry index holds only rented numbers and
// that every lock was released.
func checkIndexes(c *respConn, rented int) error {
	reps, err := c.pipeline([][]string{{"ZCARD", "expiry:zset"}, {"KEYS", "lock:number:*"}})
	if err != nil {
		return err
	}
	if reps[0].n != int64(rented) {
		return fmt.Errorf("expiry:zset holds %d numbers, %d are rented", reps[0].n, rented)
	}
	if len(reps[1].arr) > 0 {
		return fmt.Errorf("%d lock keys left behind, e.g. %s", len(reps[1].arr), reps[1].arr[0].str)
	}
	return nil
}
