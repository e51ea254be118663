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

	"allot/actors"
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

// people is the list of simulated people, kept in people.json.
type people struct {
	path   string
	eng    *actors.Engine
	owner  domain.UserID
	admins []domain.UserID
	fake   *telegramtest.Server

	mu   sync.Mutex
	list []Person
}

// firstPersonID is where new people's ids start: far from the owner's
// default and from what a test might use.
const firstPersonID = 2001

// openPeople reads people.json, or starts with the owner (the admin), two
// customers (one speaks Russian) and an approved member of staff. The
// owner and the configured admins are always there.
func openPeople(ctx context.Context, path string, eng *actors.Engine, owner domain.UserID, admins []domain.UserID,
	fake *telegramtest.Server) (*people, error) {
	p := &people{path: path, eng: eng, owner: owner, admins: admins, fake: fake}
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
		fake.AddUser(q.user())
	}
	return p, nil
}

// load reads people.json. An admin of an earlier OWNER_ID or ADMIN_IDS is
// an admin no more.
func (p *people) load(b []byte) error {
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

func (p *people) seed(ctx context.Context) error {
	p.ensureAdmins()
	for _, q := range []struct {
		name, lang string
		role       Role
	}{{"Alice", "en", RoleCustomer}, {"Sam", "en", RoleStaff}, {"Борис", "ru", RoleCustomer}} {
		if _, err := p.add(ctx, q.name, q.lang, q.role); err != nil {
			return err
		}
	}
	return nil
}

// ensureAdmins puts the owner first in the list and the configured
// admins after the owner, as admins, and everyone else after them.
func (p *people) ensureAdmins() {
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

// all returns the people in the order they were made.
func (p *people) all() []Person {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.list)
}

// get finds a person by id.
func (p *people) get(id int64) (Person, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	i := indexOf(p.list, id)
	if i < 0 {
		return Person{}, false
	}
	return p.list[i], true
}

// add makes a person, approves them as staff through the engine when asked
// (as an admin pressing "approve" would), opens their chat with the bot and
// saves the list.
func (p *people) add(ctx context.Context, name, lang string, role Role) (Person, error) {
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
	p.fake.AddUser(q.user())
	p.mu.Lock()
	defer p.mu.Unlock()
	p.list = append(p.list, q)
	return q, p.saveLocked()
}

// approve takes a person through the staff whitelist the way the bot
// would: seen, asking under their name as a nickname, approved by the owner.
func (p *people) approve(ctx context.Context, q Person) error {
	u := domain.User{ID: domain.UserID(q.ID), Username: q.Username, Name: q.Name, Lang: q.Lang}
	if err := p.eng.SeeUser(ctx, u); err != nil {
		return err
	}
	nick := q.Name
	if utf8.RuneCountInString(nick) < 2 {
		nick = q.Username
	}
	if _, err := p.eng.RequestStaff(ctx, u.ID, nick); err != nil && !errors.Is(err, domain.ErrAlreadyDecided) {
		return err
	}
	_, err := p.eng.DecideStaff(ctx, p.owner, u.ID, domain.ApprovalApproved)
	if errors.Is(err, domain.ErrNotPending) {
		err = nil // approved already
	}
	return err
}

func (p *people) nextIDLocked() int64 {
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
func (p *people) usernameLocked(name string, id int64) string {
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

func (p *people) saveLocked() error {
	return persistence.WriteFileAtomic(p.path, 0o644, func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(p.list)
	})
}
