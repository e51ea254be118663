package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// -mode redislock measures the design Allot replaces, on the same machine
// and with the same users and numbers as -mode engine: the seed's 888
// Rental Bot keeps rental:{number} as JSON in Redis and makes a rent
// "atomic" with a lock key. One rent, as its README's data model has it:
//
//	SET lock:number:{n} <token> NX PX 5000   (busy: the user is told to retry)
//	GET rental:{n}                           (the JSON state; decide in the bot)
//	SET rental:{n} <json>                    (owner, expiry)
//	ZADD expiry:zset <expiry> {n}            (the expiry sweep's index)
//	RPUSH history:number:{n} <json>          (ownership history)
//	DEL lock:number:{n}
//
// Each step is a round trip from one connection per user, as an async bot
// awaiting its Redis calls makes them. Redis runs on loopback with no RDB
// and no AOF, so nothing it acknowledges is durable: the figure flatters
// the baseline, which is what a fair comparison wants.

const (
	rentalDays = 30
	lockTTL    = "5000" // ms: long enough for any rent, short enough that a lost unlock heals
	writeTrips = 6      // round trips of a rent or renewal that writes
)

// lockUser is one user's view of the store: its connection and what it
// has rented, for renewals and for the check afterwards.
type lockUser struct {
	id    int64
	conn  *respConn
	addr  string
	mine  []string
	r     *rand.Rand
	local runResult
	busy  int64 // lock held by someone else: told to retry
	token uint64
}

// rentalState is the JSON the seed keeps under rental:{number}.
type rentalState struct {
	Owner   int64 `json:"owner"`
	Since   int64 `json:"since"`
	Expires int64 `json:"expires"`
}

// historyEntry is one element of history:number:{number}.
type historyEntry struct {
	Owner int64  `json:"owner"`
	At    int64  `json:"at"`
	Kind  string `json:"kind"`
}

// outcome of one rent attempt.
const (
	rentNew = iota
	rentRenewed
	rentRefused // taken by someone else
	rentBusy    // the lock was held
)

// rentLocked runs the seed's steps for user u and number n at time now.
func (u *lockUser) rentLocked(n string, now time.Time) (int, error) {
	u.token++
	lock := "lock:number:" + n
	rep, err := u.conn.do("SET", lock, strconv.FormatInt(u.id, 10)+":"+strconv.FormatUint(u.token, 10), "NX", "PX", lockTTL)
	if err != nil {
		return 0, err
	}
	if rep.nil {
		return rentBusy, nil
	}
	outcome, err := u.decideAndWrite(n, now)
	if _, derr := u.conn.do("DEL", lock); err == nil {
		err = derr
	}
	return outcome, err
}

// decideAndWrite reads the number's state, decides as the bot would, and
// writes the new state, the expiry index and the history entry.
func (u *lockUser) decideAndWrite(n string, now time.Time) (int, error) {
	rep, err := u.conn.do("GET", "rental:"+n)
	if err != nil {
		return 0, err
	}
	st, kind, outcome := rentalState{Owner: u.id, Since: now.Unix()}, "rent", rentNew
	if !rep.nil {
		var cur rentalState
		if err := json.Unmarshal([]byte(rep.str), &cur); err != nil {
			return 0, fmt.Errorf("rental:%s: %w", n, err)
		}
		switch {
		case cur.Owner == u.id:
			st, kind, outcome = cur, "renew", rentRenewed
		case cur.Expires > now.Unix():
			return rentRefused, nil
		}
	}
	st.Expires = max(st.Expires, now.Unix()) + rentalDays*86400
	state, _ := json.Marshal(st)
	entry, _ := json.Marshal(historyEntry{Owner: u.id, At: now.Unix(), Kind: kind})
	for _, cmd := range [][]string{
		{"SET", "rental:" + n, string(state)},
		{"ZADD", "expiry:zset", strconv.FormatInt(st.Expires, 10), n},
		{"RPUSH", "history:number:" + n, string(entry)},
	} {
		if _, err := u.conn.do(cmd...); err != nil {
			return 0, err
		}
	}
	return outcome, nil
}

// lockWorld is the catalogue the users share: the same client-side list of
// free numbers as -mode engine's world, so both runs rent alike.
type lockWorld struct {
	numbers int
	free    chan string
}

func newLockWorld(numbers int) *lockWorld {
	w := &lockWorld{numbers: numbers, free: make(chan string, numbers)}
	for i := 1; i <= numbers; i++ {
		w.free <- numberID(i)
	}
	return w
}

// step is one operation of the engine's rent and renew shares (30:35): a
// renew takes one of the user's numbers, a rent a free one.
func (u *lockUser) step(w *lockWorld) {
	kind, n := opRent, ""
	if len(u.mine) > 0 && u.r.IntN(65) >= 30 {
		kind, n = opRenew, u.mine[u.r.IntN(len(u.mine))]
	} else {
		select {
		case n = <-w.free:
		default:
			n = numberID(1 + u.r.IntN(w.numbers))
		}
	}
	t := time.Now()
	outcome, err := u.rentLocked(n, t)
	took := time.Since(t)
	u.local.h.add(took)
	u.local.hKind[kind].add(took)
	u.local.ops++
	switch {
	case err != nil:
		u.fail(err)
	case outcome == rentNew:
		u.mine = append(u.mine, n)
		u.local.byKind[opRent]++
	case outcome == rentRenewed:
		u.local.byKind[opRenew]++
	case outcome == rentBusy:
		u.busy++
		u.local.refused++
	default:
		u.local.refused++
	}
}

// fail counts an error and opens a new connection: after a broken one the
// replies could no longer be matched to requests.
func (u *lockUser) fail(err error) {
	u.local.errors++
	if u.local.firstErr == nil {
		u.local.firstErr = err
	}
	var re redisError
	if errors.As(err, &re) {
		return
	}
	u.conn.Close()
	if c, derr := dialRESP(u.addr); derr == nil {
		u.conn = c
	}
}

// driveLocked runs one goroutine per user until the duration is over.
func driveLocked(w *lockWorld, users []*lockUser, d time.Duration) (runResult, int64) {
	var stop atomic.Bool
	var wg sync.WaitGroup
	start := time.Now()
	for _, u := range users {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				u.step(w)
			}
		}()
	}
	time.Sleep(d)
	stop.Store(true)
	wg.Wait()
	var res runResult
	var busy int64
	for _, u := range users {
		res.merge(&u.local)
		busy += u.busy
	}
	res.elapsed = time.Since(start)
	return res, busy
}
