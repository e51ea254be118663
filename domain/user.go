package domain

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Role is what a person may do. Owner and admins come from configuration;
// staff is granted by approval; everyone else is a customer.
type Role uint8

// The roles, least to most powerful.
const (
	RoleCustomer Role = iota + 1
	RoleStaff
	RoleAdmin
	RoleOwner
)

var roleNames = [...]string{"", "customer", "staff", "admin", "owner"}

// String names the role in logs and the audit log.
func (r Role) String() string {
	if int(r) < len(roleNames) && r > 0 {
		return roleNames[r]
	}
	return fmt.Sprintf("role(%d)", r)
}

// Approval is where a person is in the staff whitelist.
type Approval uint8

// The approval states; ApprovalNone is a customer who never asked.
const (
	ApprovalNone Approval = iota
	ApprovalPending
	ApprovalApproved
	ApprovalRejected
	ApprovalRemoved
)

var approvalNames = [...]string{"none", "pending", "approved", "rejected", "removed"}

// String names the approval state in logs and the audit log.
func (a Approval) String() string {
	if int(a) < len(approvalNames) {
		return approvalNames[a]
	}
	return fmt.Sprintf("approval(%d)", a)
}

// User is a person who has talked to the bot.
type User struct {
	ID       UserID    `msgpack:"id"`
	Username string    `msgpack:"un,omitempty"` // without @, as Telegram last reported it
	Name     string    `msgpack:"n,omitempty"`
	Lang     string    `msgpack:"l,omitempty"`
	Premium  bool      `msgpack:"pm,omitempty"`
	Nickname string    `msgpack:"nk,omitempty"` // work nickname given when asking for staff access
	Approval Approval  `msgpack:"ap,omitempty"`
	Joined   time.Time `msgpack:"j"`
	Seen     time.Time `msgpack:"sn,omitempty"` // when Telegram last reported a change of profile
	// Requests counts the person's requests for staff access, so that an
	// admin's approve or reject button decides the request it was drawn
	// for, never a later one the admin has not seen.
	Requests int `msgpack:"rq,omitempty"`
}

// Users is the directory of everyone who started the bot: the place to find
// a transfer's recipient by id or @username, and the staff whitelist.
type Users struct {
	ByID map[UserID]*User `msgpack:"u"`
	Seq  uint64           `msgpack:"sq"`

	byName map[string]UserID // lower-case username → id; rebuilt, not persisted
}

// NewUsers returns an empty directory.
func NewUsers() *Users { return &Users{ByID: map[UserID]*User{}} }

// Find looks a person up by numeric id or @username.
func (d *Users) Find(ref string) (*User, error) {
	ref = strings.TrimSpace(ref)
	if id, err := strconv.ParseInt(ref, 10, 64); err == nil && strconv.FormatInt(id, 10) == ref {
		if u, ok := d.ByID[UserID(id)]; ok {
			return u, nil
		}
		return nil, ErrUnknownUser
	}
	d.index()
	if id, ok := d.byName[strings.ToLower(strings.TrimPrefix(ref, "@"))]; ok {
		return d.ByID[id], nil
	}
	return nil, ErrUnknownUser
}

// index builds the username index. Two people can hold the same username
// in the directory when one renamed without our seeing it; the one seen
// most recently holds it, whatever the map's order.
func (d *Users) index() {
	if d.byName != nil {
		return
	}
	d.byName = make(map[string]UserID, len(d.ByID))
	for id, u := range d.ByID {
		if u.Username == "" {
			continue
		}
		name := strings.ToLower(u.Username)
		if cur, ok := d.byName[name]; ok && Newer(d.ByID[cur], u) {
			continue
		}
		d.byName[name] = id
	}
}

// reindex points name at its most recent remaining holder, by the same rule
// as index, so a live directory and one rebuilt after a restart agree.
// It scans the directory; usernames change rarely.
func (d *Users) reindex(name string) {
	delete(d.byName, name)
	for id, u := range d.ByID {
		if strings.ToLower(u.Username) != name {
			continue
		}
		if cur, ok := d.byName[name]; ok && Newer(d.ByID[cur], u) {
			continue
		}
		d.byName[name] = id
	}
}

// Newer reports whether a was seen after b (ties go to the lower id, so
// the choice never depends on map order): of two people holding one
// username, the newer holds it, within a users register and across them.
func Newer(a, b *User) bool {
	if !a.Seen.Equal(b.Seen) {
		return a.Seen.After(b.Seen)
	}
	return a.ID < b.ID
}

// Seen decides whether what Telegram says of a person changed, and returns
// nil when nothing did, so that a busy user does not fill the journal. The
// name and username are recorded cleaned (CleanName): admins see them.
func (d *Users) Seen(p User, now time.Time) (*UserSeen, error) {
	if err := p.ID.Validate(); err != nil {
		return nil, err
	}
	p.Username, p.Name = CleanName(p.Username), CleanName(p.Name)
	u, ok := d.ByID[p.ID]
	if ok && u.Username == p.Username && u.Name == p.Name && u.Lang == p.Lang && u.Premium == p.Premium {
		return nil, nil
	}
	return &UserSeen{ID: p.ID, Username: p.Username, Name: p.Name, Lang: p.Lang, Premium: p.Premium, At: now}, nil
}

// Register records a person's request for staff access under a nickname:
// one line, cleaned (CleanName) and trimmed, of 2 to 32 characters.
func (d *Users) Register(id UserID, nickname string) (*StaffRequested, error) {
	u, ok := d.ByID[id]
	if !ok {
		return nil, ErrUnknownUser
	}
	if strings.ContainsAny(nickname, "\n\r\t") {
		return nil, ErrBadNickname
	}
	nickname = strings.TrimSpace(CleanName(nickname))
	if n := utf8.RuneCountInString(nickname); n < 2 || n > 32 {
		return nil, ErrBadNickname
	}
	if u.Approval == ApprovalPending || u.Approval == ApprovalApproved {
		return nil, ErrAlreadyDecided
	}
	return &StaffRequested{ID: id, Nickname: nickname}, nil
}

// Decide approves, rejects or removes a person's staff access.
func (d *Users) Decide(id UserID, to Approval) (*StaffDecided, error) {
	u, ok := d.ByID[id]
	if !ok {
		return nil, ErrUnknownUser
	}
	switch {
	case to == ApprovalApproved || to == ApprovalRejected:
		if u.Approval != ApprovalPending {
			return nil, ErrNotPending
		}
	case to == ApprovalRemoved:
		if u.Approval != ApprovalApproved {
			return nil, ErrNotPending
		}
	default:
		return nil, ErrNotPermitted
	}
	return &StaffDecided{ID: id, Approval: to}, nil
}

// DecideRequest approves or rejects request number request of a person's
// (User.Requests when the admin was asked): a button drawn for an earlier
// request is ErrNotPending, even if the person has asked again since.
func (d *Users) DecideRequest(id UserID, request int, to Approval) (*StaffDecided, error) {
	if to != ApprovalApproved && to != ApprovalRejected {
		return nil, ErrNotPermitted
	}
	if u, ok := d.ByID[id]; ok && u.Requests != request {
		return nil, ErrNotPending
	}
	return d.Decide(id, to)
}

// UserSeen records what Telegram said of a person.
type UserSeen struct {
	ID       UserID    `msgpack:"id"`
	Username string    `msgpack:"un,omitempty"`
	Name     string    `msgpack:"n,omitempty"`
	Lang     string    `msgpack:"l,omitempty"`
	Premium  bool      `msgpack:"pm,omitempty"`
	At       time.Time `msgpack:"at"`
}

// StaffRequested records a request for staff access.
type StaffRequested struct {
	ID       UserID `msgpack:"id"`
	Nickname string `msgpack:"nk"`
}

// StaffDecided records an admin's decision on staff access.
type StaffDecided struct {
	ID       UserID   `msgpack:"id"`
	Approval Approval `msgpack:"ap"`
}

// UsersEvent is an event that changes the user directory.
type UsersEvent interface {
	Event
	applyUsers(d *Users)
}

// Apply applies e to d and records seq.
func (d *Users) Apply(e UsersEvent, seq uint64) {
	e.applyUsers(d)
	d.Seq = seq
}

// LastSeq is the sequence of the last event applied (State).
func (d *Users) LastSeq() uint64 { return d.Seq }

// ApplyEvent applies ev if it is an event of a users (State).
func (d *Users) ApplyEvent(ev Event, seq uint64) error {
	return applyAs(KindUsers, ev, seq, d.Apply)
}

func (e *UserSeen) applyUsers(d *Users) {
	u, ok := d.ByID[e.ID]
	if !ok {
		u = &User{ID: e.ID, Joined: e.At}
		d.ByID[e.ID] = u
	}
	old := strings.ToLower(u.Username)
	u.Username, u.Name, u.Lang, u.Premium, u.Seen = e.Username, e.Name, e.Lang, e.Premium, e.At
	if d.byName == nil {
		return
	}
	if name := strings.ToLower(u.Username); name != "" {
		d.byName[name] = u.ID
	}
	if old != "" && old != strings.ToLower(u.Username) && d.byName[old] == u.ID {
		d.reindex(old) // the name may still be held by someone not seen since
	}
}

func (e *StaffRequested) applyUsers(d *Users) {
	if u, ok := d.ByID[e.ID]; ok {
		u.Nickname, u.Approval = e.Nickname, ApprovalPending
		u.Requests++
	}
}

func (e *StaffDecided) applyUsers(d *Users) {
	if u, ok := d.ByID[e.ID]; ok {
		u.Approval = e.Approval
	}
}

// RoleOf is a person's effective role: configuration names the owner and
// admins (so a lost admin can always be restored by editing config), the
// whitelist names staff.
func RoleOf(u *User, owner UserID, admins []UserID) Role {
	if u == nil {
		return RoleCustomer
	}
	switch {
	case u.ID == owner:
		return RoleOwner
	case containsID(admins, u.ID):
		return RoleAdmin
	case u.Approval == ApprovalApproved:
		return RoleStaff
	}
	return RoleCustomer
}

func containsID(ids []UserID, id UserID) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}
