package actors

import (
	"cmp"
	"context"
	"slices"
	"strconv"

	"allot/domain"
)

// The staff whitelist: a person asks for access under a work nickname, an
// admin approves or rejects, and may later remove them. The decision lives
// with the person in their users shard, journaled like everything else.

type staffChange struct {
	asker
	decide func(d *domain.Users) (domain.Event, error)
}

func (c *staffChange) run(x *exec) {
	d := x.e.state.(*domain.Users)
	ev, err := c.decide(d)
	if err == nil {
		_, err = x.emit(ev)
	}
	if err != nil {
		x.reply(c.r, nil, err)
		return
	}
	x.reply(c.r, *d.ByID[userOf(ev)], nil)
}

func userOf(ev domain.Event) domain.UserID {
	switch e := ev.(type) {
	case *domain.StaffRequested:
		return e.ID
	case *domain.StaffDecided:
		return e.ID
	}
	return 0
}

func (e *Engine) staffChange(ctx context.Context, id domain.UserID, decide func(d *domain.Users) (domain.Event, error)) (domain.User, error) {
	if err := id.Validate(); err != nil {
		return domain.User{}, err
	}
	return askAs[domain.User](e.ask(ctx, domain.KindUsers, userShard(id), false, func(r replyTo) command {
		return &staffChange{asker{r}, decide}
	}))
}

// RequestStaff records a person's request for staff access under a work
// nickname; they must have been seen (SeeUser) first.
func (e *Engine) RequestStaff(ctx context.Context, id domain.UserID, nickname string) (domain.User, error) {
	return e.staffChange(ctx, id, func(d *domain.Users) (domain.Event, error) { return d.Register(id, nickname) })
}

// DecideStaff approves, rejects or removes a person's staff access; by is
// the admin, for the audit log.
func (e *Engine) DecideStaff(ctx context.Context, by, id domain.UserID, to domain.Approval) (domain.User, error) {
	u, err := e.staffChange(ctx, id, func(d *domain.Users) (domain.Event, error) { return d.Decide(id, to) })
	if err == nil {
		e.audit(OperationOf(ctx), by, "staff."+to.String(), strconv.FormatInt(int64(id), 10), u.Nickname)
	}
	return u, err
}

// DecideRequest approves or rejects a person's staff request number
// request (an admin's button names the request it was drawn for); by is
// the admin, for the audit log.
func (e *Engine) DecideRequest(ctx context.Context, by, id domain.UserID, request int, to domain.Approval) (domain.User, error) {
	u, err := e.staffChange(ctx, id, func(d *domain.Users) (domain.Event, error) { return d.DecideRequest(id, request, to) })
	if err == nil {
		e.audit(OperationOf(ctx), by, "staff."+to.String(), strconv.FormatInt(int64(id), 10), u.Nickname)
	}
	return u, err
}

// Staff lists everyone who asked for staff access, in any state, by id.
func (e *Engine) Staff(ctx context.Context) ([]domain.User, error) {
	var out []domain.User
	for i := 0; i < registerShards; i++ {
		us, err := askAs[[]domain.User](e.ask(ctx, domain.KindUsers, strconv.Itoa(i), false, func(r replyTo) command {
			return &listStaff{asker{r}}
		}))
		if err != nil {
			return nil, err
		}
		out = append(out, us...)
	}
	slices.SortFunc(out, func(a, b domain.User) int { return cmp.Compare(a.ID, b.ID) })
	return out, nil
}

type listStaff struct{ asker }

func (c *listStaff) run(x *exec) {
	var out []domain.User
	for _, u := range x.e.state.(*domain.Users).ByID {
		if u.Approval != domain.ApprovalNone {
			out = append(out, *u)
		}
	}
	x.reply(c.r, out, nil)
}
