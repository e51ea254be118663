package telegram

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"sync"
	"time"

	json "github.com/grbit/go-json"
	"github.com/mymmrac/telego"

	"allot/adapters/telegram/botapi"
)

// Long polling's pauses.
const (
	pollRetry   = time.Second            // after a failed getUpdates
	pollPause   = 250 * time.Millisecond // longest wait for a handler while only updates in flight come back
	confirmWait = 2 * time.Second        // the last getUpdates, after the stop
)

// pollRoom is how few updates may be held past the offset before the next
// poll, half of the 100 a getUpdates returns at most. Every poll returns
// those updates again, ahead of any new ones: polling at once after a poll
// that brought new updates re-read about 70 old ones for every 27 new
// (`loadtest -mode telegram`, 1000 people). Waiting until half the window
// is free halved the polls and left room in each for at least as many new
// updates as old. Under load the offset moves every few milliseconds; a
// handler that holds it longer costs the updates behind it at most
// roomWait a poll.
const (
	pollRoom = 50
	roomWait = 25 * time.Millisecond
)

// intake receives updates by long polling, and lets Telegram forget an
// update only once it is handled: the offset each getUpdates sends moves
// past an update when it, and every update fetched before it, is done.
// Until then Telegram returns it again with each poll; it is recognised by
// its update_id and not dispatched twice.
//
// Telegram returns at most 100 updates from the offset, so one slow
// handler holds the window: updates past the hundredth wait for it. As
// every poll brings back the updates in flight, a poll's updates are
// decoded only as far as their update_id until one is new, and the next
// poll waits, briefly, until fewer than pollRoom are held (awaitRoom).
type intake struct {
	api      *API
	timeout  int // long-poll seconds
	allowed  []string
	dispatch func(u telego.Update, done func()) // must not block; done once handled
	log      *slog.Logger
	retry    time.Duration
	pause    time.Duration
	roomWait time.Duration // awaitRoom's longest wait

	mu      sync.Mutex
	offset  int           // every update below it is done
	fetched []int         // update_ids at or above offset fetched so far, ascending
	done    map[int]bool  // fetched ones: whether handled
	moved   chan struct{} // a token when offset moves

	// batch is the last poll's answer, read into the same buffer each
	// time: the receiving goroutine's alone, and done with once take has
	// decoded the new updates (confirm's poll comes after receive).
	batch botapi.Batch
}

func newIntake(api *API, timeout int, allowed []string, dispatch func(telego.Update, func()), log *slog.Logger) *intake {
	return &intake{api: api, timeout: timeout, allowed: allowed, dispatch: dispatch, log: log,
		retry: pollRetry, pause: pollPause, roomWait: roomWait, done: map[int]bool{}, moved: make(chan struct{}, 1)}
}

// receive polls until ctx ends. It returns at once then; handlers still
// running call their done later, and confirm tells Telegram.
func (in *intake) receive(ctx context.Context) {
	for ctx.Err() == nil {
		ups, err := in.getUpdates(ctx, &telego.GetUpdatesParams{Offset: in.next(), Timeout: in.timeout,
			AllowedUpdates: in.allowed})
		if err != nil {
			if ctx.Err() == nil {
				in.log.Warn("getUpdates failed", "err", redactErr(err, in.api.Token()))
				in.sleep(ctx, in.retry)
			}
			continue
		}
		if in.take(ups) == 0 && len(ups) > 0 {
			in.awaitMove(ctx) // only updates in flight came back: polling now would return them again
		} else {
			in.awaitRoom(ctx)
		}
	}
}

// confirm sends the final offset, so that updates handled since the last
// poll are not delivered again to the next start. What it returns is not
// dispatched: it stays with Telegram.
func (in *intake) confirm() {
	offset := in.next()
	if offset == 0 {
		return // nothing was handled
	}
	ctx, cancel := context.WithTimeout(context.Background(), confirmWait)
	defer cancel()
	_, err := in.getUpdates(ctx, &telego.GetUpdatesParams{Offset: offset, Limit: 1, AllowedUpdates: in.allowed})
	if err != nil {
		in.log.Warn("confirming the handled updates failed; Telegram will deliver them again",
			"offset", offset, "err", redactErr(err, in.api.Token()))
	}
}

// next is the offset to send: one past the last update done with all
// before it.
func (in *intake) next() int {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.offset
}

// getUpdates polls once, returning each update undecoded.
func (in *intake) getUpdates(ctx context.Context, p *telego.GetUpdatesParams) ([]botapi.Raw, error) {
	body, err := json.Marshal(p)
	if err != nil {
		return nil, fmt.Errorf("getUpdates: %w", err)
	}
	if err := in.api.direct.Call(ctx, "getUpdates", body, &in.batch); err != nil {
		return nil, fmt.Errorf("getUpdates: %w", err)
	}
	return in.batch.Updates, nil
}

// take dispatches the updates not seen before and returns how many there
// were. One Allot cannot read is logged and counted as handled: held, it
// would stop the offset, and with it every update after it, for good.
func (in *intake) take(ups []botapi.Raw) int {
	in.mu.Lock()
	var fresh []telego.Update
	var unread []int // counted as handled once the lock is let go
	for _, raw := range ups {
		id, err := updateID(raw)
		if err != nil {
			in.log.Error("telegram sent an update without a readable update_id; skipped", "err", err)
			continue
		}
		if _, seen := in.done[id]; seen || id < in.offset {
			continue
		}
		u, err := decodeUpdate(id, raw)
		i, _ := slices.BinarySearch(in.fetched, id)
		in.fetched = slices.Insert(in.fetched, i, id)
		in.done[id] = false
		if err != nil {
			in.log.Error("telegram sent an update Allot cannot read; skipped", "update_id", id, "err", err)
			unread = append(unread, id)
			continue
		}
		fresh = append(fresh, u)
	}
	in.mu.Unlock()
	for _, id := range unread {
		in.finish(id)
	}
	for _, u := range fresh {
		id := u.UpdateID
		in.dispatch(u, func() { in.finish(id) })
	}
	return len(fresh)
}

// updateID reads an update's update_id. Telegram writes it first, so it
// is read from there without decoding the rest; an update written
// otherwise is decoded for it.
func updateID(raw []byte) (int, error) {
	const prefix = `{"update_id":`
	if rest, ok := bytes.CutPrefix(raw, []byte(prefix)); ok {
		if end := bytes.IndexAny(rest, ",}"); end > 0 {
			if id, err := strconv.Atoi(string(rest[:end])); err == nil {
				return id, nil
			}
		}
	}
	var head struct {
		ID *int `json:"update_id"`
	}
	if err := json.Unmarshal(raw, &head); err != nil {
		return 0, err
	}
	if head.ID == nil {
		return 0, errors.New("no update_id")
	}
	return *head.ID, nil
}

// finish marks an update done and moves the offset past the done prefix.
func (in *intake) finish(id int) {
	in.mu.Lock()
	defer in.mu.Unlock()
	if _, ok := in.done[id]; !ok {
		return
	}
	in.done[id] = true
	moved := false
	for len(in.fetched) > 0 && in.done[in.fetched[0]] {
		in.offset = in.fetched[0] + 1
		delete(in.done, in.fetched[0])
		in.fetched = in.fetched[1:]
		moved = true
	}
	if moved {
		select {
		case in.moved <- struct{}{}:
		default:
		}
	}
}

// awaitRoom waits, at most in.roomWait, until fewer than pollRoom fetched
// updates are held past the offset; at once when they already are, as
// they are whenever the bot keeps up.
func (in *intake) awaitRoom(ctx context.Context) {
	var t *time.Timer
	for {
		in.mu.Lock()
		busy := len(in.fetched)
		in.mu.Unlock()
		if busy < pollRoom {
			return
		}
		if t == nil {
			t = time.NewTimer(in.roomWait)
			defer t.Stop()
		}
		select {
		case <-in.moved:
		case <-t.C:
			return
		case <-ctx.Done():
			return
		}
	}
}

// awaitMove waits for the offset to move, at most in.pause: updates that
// arrived meanwhile are behind the ones in flight and need a poll to be seen.
func (in *intake) awaitMove(ctx context.Context) {
	t := time.NewTimer(in.pause)
	defer t.Stop()
	select {
	case <-in.moved:
	case <-t.C:
	case <-ctx.Done():
	}
}

func (in *intake) sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}
