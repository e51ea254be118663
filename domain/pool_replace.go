package domain

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Replacements. A status with "replace" offers the person who gave it a
// replacement for the item. The item's pool owes it to them: only they
// may take it, once, and taking it names the operation the replacement is
// issued under, which carries the person, so nobody else's press can reach
// it. The record outlives the feedback, which leaves the pool with the
// next flush to the issued sheet.

// replacementRetention is how long a pool keeps a replacement it owes or
// gave, after the later of the offer and the taking: longer than a button
// lives (24 hours) plus the longest auto-confirmation (7 days), so that
// the record outlives the replacement it vouches for while that awaits
// feedback.
const replacementRetention = 10 * 24 * time.Hour

// Replacement is a replacement an item's feedback offered.
type Replacement struct {
	User    UserID    `msgpack:"u"`  // the item's holder, who gave the feedback
	Offered time.Time `msgpack:"at"` // when the feedback offered it
	// Op is the operation the replacement is issued under, once User
	// took it; Taken is when.
	Op    OpID      `msgpack:"op,omitempty"`
	Taken time.Time `msgpack:"tk,omitempty"`
}

// ReplacementTaken records that the person owed a replacement for an
// item asked for it: it is issued under Op.
type ReplacementTaken struct {
	ID   string    `msgpack:"i"`
	User UserID    `msgpack:"u"`
	Op   OpID      `msgpack:"op"`
	At   time.Time `msgpack:"at"`
}

// ReplacementOp is the operation a replacement for item is issued under
// when user takes it: "rp:<user>:<item>". IssueStock appends the variant
// of each pool it asks ("/male", or "/" for a kind without variants).
func ReplacementOp(user UserID, item string) OpID {
	return OpID("rp:" + strconv.FormatInt(int64(user), 10) + ":" + item)
}

// ParseReplacementOp is the inverse of ReplacementOp, for the operation as
// ReplacementOp makes it or with a pool's "/variant" after it. ok is false
// for any other operation, among them replacements issued before the
// operation named the person ("rp:<item>/<variant>").
func ParseReplacementOp(op OpID) (user UserID, item string, ok bool) {
	rest, found := strings.CutPrefix(string(op), "rp:")
	if !found {
		return 0, "", false
	}
	u, item, found := strings.Cut(rest, ":")
	n, err := strconv.ParseInt(u, 10, 64)
	if !found || err != nil || UserID(n).Validate() != nil {
		return 0, "", false
	}
	if i := strings.LastIndexByte(item, '/'); i > strings.LastIndexByte(item, '#') {
		item = item[:i] // the pool's variant
	}
	if _, err := PoolOfItem(item); err != nil {
		return 0, "", false
	}
	return UserID(n), item, true
}

// FeedbackOf is Feedback against a kind's statuses: the event also notes
// whether the status offers a replacement, which the pool then owes the
// person (TakeReplacement).
func (p *Pool) FeedbackOf(user UserID, id, status string, statuses []FeedbackStatus, now time.Time) (*FeedbackGiven, error) {
	codes := make([]string, len(statuses))
	for i, s := range statuses {
		codes[i] = s.Code
	}
	ev, err := p.Feedback(user, id, status, codes, now)
	if err != nil {
		return nil, err
	}
	ev.Replace = statuses[slices.Index(codes, status)].Replace
	return ev, nil
}

// TakeReplacement decides user's request for the replacement of item id,
// and returns the operation to issue it under. Only the person the item's
// feedback offered a replacement to may take it (ErrNotPermitted for an
// item not theirs, never issued, still awaiting feedback, or given a
// status that offers none). A request repeated returns the same operation
// and no event, so a second press gives the same replacement, until the
// taking is older than OpRetention: the pools that issued it may have
// forgotten the operation by then, so it is ErrDuplicateOp.
func (p *Pool) TakeReplacement(user UserID, id string, now time.Time) (*ReplacementTaken, OpID, error) {
	r, ok := p.Replacements[id]
	switch {
	case !ok || r.User != user:
		return nil, "", fmt.Errorf("%w: no replacement of %s is owed to you", ErrNotPermitted, id)
	case r.Op == "":
		op := ReplacementOp(user, id)
		return &ReplacementTaken{ID: id, User: user, Op: op, At: now}, op, nil
	case now.Sub(r.Taken) > OpRetention:
		return nil, "", fmt.Errorf("%w: the replacement of %s was taken on %s", ErrDuplicateOp, id, r.Taken.Format(time.DateOnly))
	}
	return nil, r.Op, nil
}

// owe records the replacement an item's feedback offered its holder, and
// forgets those past replacementRetention: a record comes only with
// feedback, so this is where the map would grow.
func (p *Pool) owe(id string, user UserID, at time.Time) {
	if p.Replacements == nil {
		p.Replacements = map[string]*Replacement{}
	}
	maps.DeleteFunc(p.Replacements, func(_ string, r *Replacement) bool {
		last := r.Offered
		if r.Taken.After(last) {
			last = r.Taken
		}
		return at.Sub(last) > replacementRetention
	})
	p.Replacements[id] = &Replacement{User: user, Offered: at}
}

func (e *ReplacementTaken) applyPool(p *Pool) {
	if r, ok := p.Replacements[e.ID]; ok && r.User == e.User && r.Op == "" {
		r.Op, r.Taken = e.Op, e.At
	}
}

func cloneReplacements(m map[string]*Replacement) map[string]*Replacement {
	if m == nil {
		return nil
	}
	c := make(map[string]*Replacement, len(m))
	for k, v := range m {
		x := *v
		c[k] = &x
	}
	return c
}
