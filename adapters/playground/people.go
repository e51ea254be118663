package playground

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"allot/adapters/telegram/telegramtest"
	"allot/domain"
	"allot/persistence"
)

// Role is what a simulated person is to the bot.
type Role string

// The roles a person can be created with. There is one admin, the owner
// the bot was configured with; staff are approved when created.
const (
	RoleCustomer Role = "customer"
	RoleStaff    Role = "staff"
	RoleAdmin    Role = "admin"
)

// Person is a simulated Telegram user.
type Person struct {
	ID       int64  `json:"id"`
	Name     string `json:"name"`
	Username string `json:"username"`
	Lang     string `json:"lang"` // "en" or "ru"
	Role     Role   `json:"role"`
}

func (p Person) user() telegramtest.User {
	return telegramtest.User{ID: p.ID, FirstName: p.Name, Username: p.Username, LanguageCode: p.Lang}
}

// StaffDesk is the staff whitelist People approve staff through, as an
// admin's button would; *actors.Engine is one. Its methods are called from
// Add (an HTTP handler's goroutine) and must be safe for concurrent use.
type StaffDesk interface {
	SeeUser(ctx context.Context, u domain.User) error
	RequestStaff(ctx context.Context, id domain.UserID, nickname string) (domain.User, error)
	DecideStaff(ctx context.Context, by, id domain.UserID, to domain.Approval) (domain.User, error)
}

// Accounts is where People make each person a Telegram account the bot can
// talk to; the fake Bot API (*telegramtest.Server) is one.
type Accounts interface {
	AddUser(u telegramtest.User)
}

// People is the list of simulated people, kept in people.json, so that the
// page offers the same people after a restart. It is safe for concurrent
// use.
type People struct {
	path     string
	staff    StaffDesk
	owner    domain.UserID
	admins   []domain.UserID
	accounts Accounts

	mu   sync.Mutex
	list []Person
}

// firstPersonID is where new people's ids start: far from the owner's
// default and from what a test might use.
const firstPersonID = 2001

// OpenPeople reads people.json at path, or starts with the owner (the
// admin), two customers (one speaks Russian) and a member of staff
// approved at staff. The owner and the configured admins are always there,
// as admins. Everyone is made an account at accounts.
func OpenPeople(ctx context.Context, path string, staff StaffDesk, owner domain.UserID, admins []domain.UserID,
	accounts Accounts) (*People, error) {
	p := &People{path: path, staff: staff, owner: owner, admins: admins, accounts: accounts}
	b, err := os.ReadFile(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		err = p.seed(ctx)
	case err == nil:
		err = p.load(b)
	}
	if err != nil {
		return nil, fmt.Errorf("playground: people in %s: %w", path, err)
	}
	p.ensureAdmins()
	for _, q := range p.list {
		accounts.AddUser(q.user())
	}
	return p, nil
}

// load reads people.json. An admin of an earlier OWNER_ID or ADMIN_IDS is
// an admin no more.
func (p *People) load(b []byte) error {
	if err := json.Unmarshal(b, &p.list); err != nil {
		return err
	}
	for i, q := range p.list {
		if q.Role == RoleAdmin && domain.UserID(q.ID) != p.owner && !slices.Contains(p.admins, domain.UserID(q.ID)) {
			p.list[i].Role = RoleCustomer
		}
	}
	return nil
}

func (p *People) seed(ctx context.Context) error {
	p.ensureAdmins()
	for _, q := range []struct {
		name, lang string
		role       Role
	}{{"Alice", "en", RoleCustomer}, {"Sam", "en", RoleStaff}, {"Борис", "ru", RoleCustomer}} {
		if _, err := p.Add(ctx, q.name, q.lang, q.role); err != nil {
			return err
		}
	}
	return nil
}

// ensureAdmins puts the owner first in the list and the configured
// admins after the owner, as admins, and everyone else after them.
func (p *People) ensureAdmins() {
	var admins []Person
	for i, id := range append([]domain.UserID{p.owner}, p.admins...) {
		if indexOf(admins, int64(id)) >= 0 {
			continue
		}
		admin := Person{ID: int64(id), Name: "Olga", Username: "olga_admin", Lang: "en"}
		if i > 0 {
			admin.Name, admin.Username = fmt.Sprintf("Admin %d", i+1), fmt.Sprintf("admin%d", id)
		}
		if j := indexOf(p.list, int64(id)); j >= 0 {
			admin = p.list[j]
		}
		admin.Role = RoleAdmin
		admins = append(admins, admin)
	}
	for _, q := range p.list {
		if indexOf(admins, q.ID) < 0 {
			admins = append(admins, q)
		}
	}
	p.list = admins
}

// indexOf is the index of the person with id in list, or -1.
func indexOf(list []Person, id int64) int {
	return slices.IndexFunc(list, func(q Person) bool { return q.ID == id })
}

// Owner is the admin's user id, the owner the bot was configured with.
func (p *People) Owner() domain.UserID { return p.owner }

// All returns the people in the order they were made.
func (p *People) All() []Person {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.list)
}

// Get finds a person by id.
func (p *People) Get(id int64) (Person, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	i := indexOf(p.list, id)
	if i < 0 {
		return Person{}, false
	}
	return p.list[i], true
}

// Add makes a person, approves them as staff at the StaffDesk when asked
// (as an admin pressing "approve" would), opens their chat with the bot and
// saves the list. A bad name or role is ErrBadPerson.
func (p *People) Add(ctx context.Context, name, lang string, role Role) (Person, error) {
	name = strings.TrimSpace(name)
	if n := utf8.RuneCountInString(name); n < 1 || n > 32 {
		return Person{}, fmt.Errorf("%w: a name of 1 to 32 letters", ErrBadPerson)
	}
	if lang != "ru" {
		lang = "en"
	}
	if role != RoleCustomer && role != RoleStaff {
		return Person{}, fmt.Errorf("%w: the role is customer or staff (the admin is the owner)", ErrBadPerson)
	}
	p.mu.Lock()
	q := Person{ID: p.nextIDLocked(), Name: name, Lang: lang, Role: role}
	q.Username = p.usernameLocked(name, q.ID)
	p.mu.Unlock()
	if role == RoleStaff {
		if err := p.approve(ctx, q); err != nil {
			return Person{}, err
		}
	}
	p.accounts.AddUser(q.user())
	p.mu.Lock()
	defer p.mu.Unlock()
	p.list = append(p.list, q)
	return q, p.saveLocked()
}

// approve takes a person through the staff whitelist the way the bot
// would: seen, asking under their name as a nickname, approved by the owner.
func (p *People) approve(ctx context.Context, q Person) error {
	u := domain.User{ID: domain.UserID(q.ID), Username: q.Username, Name: q.Name, Lang: q.Lang}
	if err := p.staff.SeeUser(ctx, u); err != nil {
		return err
	}
	nick := q.Name
	if utf8.RuneCountInString(nick) < 2 {
		nick = q.Username
	}
	if _, err := p.staff.RequestStaff(ctx, u.ID, nick); err != nil && !errors.Is(err, domain.ErrAlreadyDecided) {
		return err
	}
	_, err := p.staff.DecideStaff(ctx, p.owner, u.ID, domain.ApprovalApproved)
	if errors.Is(err, domain.ErrNotPending) {
		err = nil // approved already
	}
	return err
}

func (p *People) nextIDLocked() int64 {
	id := int64(firstPersonID)
	for _, q := range p.list {
		if q.ID >= id && q.ID < firstPersonID+1_000_000 {
			id = q.ID + 1
		}
	}
	return id
}

// usernameLocked derives a Telegram-like username from a name: its Latin
// letters and digits, made unique with the id when taken or too short.
func (p *People) usernameLocked(name string, id int64) string {
	var b strings.Builder
	for _, r := range strings.ToLower(name) {
		if r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			b.WriteRune(r)
		}
	}
	u := b.String()
	taken := slices.ContainsFunc(p.list, func(q Person) bool { return strings.EqualFold(q.Username, u) })
	if len(u) < 5 || taken {
		u = fmt.Sprintf("%s%d", u, id)
	}
	if !unicode.IsLetter(rune(u[0])) {
		u = "user" + u
	}
	return u
}

func (p *People) saveLocked() error {
	return persistence.WriteFileAtomic(p.path, 0o644, func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(p.list)
	})
}
