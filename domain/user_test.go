package domain

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// seeUser applies what Telegram says of a person at at, failing t if Seen
// refuses it.
func seeUser(t testing.TB, d *Users, u User, at time.Time) {
	t.Helper()
	e, err := d.Seen(u, at)
	if err != nil {
		t.Fatalf("Seen(%+v): %v", u, err)
	}
	if e != nil {
		d.Apply(e, d.Seq+1)
	}
}

// directory knows alice (@Alice) and bob (@bob_b); carol has no username.
func directory(t testing.TB) *Users {
	t.Helper()
	d := NewUsers()
	seeUser(t, d, User{ID: alice, Username: "Alice", Name: "Alice A", Lang: "en"}, t0)
	seeUser(t, d, User{ID: bob, Username: "bob_b", Name: "Bob", Lang: "ru"}, t0)
	seeUser(t, d, User{ID: carol, Name: "Carol"}, t0)
	return d
}

func TestUsers_Seen(t *testing.T) {
	at := t0.Add(time.Hour)
	tests := []struct {
		name    string
		in      User
		wEvent  *UserSeen
		wErr    error
		wJoined time.Time
	}{
		{"new person", User{ID: 404, Username: "dan", Name: "Dan", Lang: "de", Premium: true},
			&UserSeen{ID: 404, Username: "dan", Name: "Dan", Lang: "de", Premium: true, At: at}, nil, at},
		{"nothing changed", User{ID: alice, Username: "Alice", Name: "Alice A", Lang: "en"}, nil, nil, t0},
		{"nickname and approval are not Telegram's", User{ID: alice, Username: "Alice", Name: "Alice A", Lang: "en",
			Nickname: "x", Approval: ApprovalApproved}, nil, nil, t0},
		{"name changed", User{ID: alice, Username: "Alice", Name: "Alice B", Lang: "en"},
			&UserSeen{ID: alice, Username: "Alice", Name: "Alice B", Lang: "en", At: at}, nil, t0},
		{"language changed", User{ID: alice, Username: "Alice", Name: "Alice A", Lang: "ru"},
			&UserSeen{ID: alice, Username: "Alice", Name: "Alice A", Lang: "ru", At: at}, nil, t0},
		{"premium changed", User{ID: alice, Username: "Alice", Name: "Alice A", Lang: "en", Premium: true},
			&UserSeen{ID: alice, Username: "Alice", Name: "Alice A", Lang: "en", Premium: true, At: at}, nil, t0},
		{"username dropped", User{ID: alice, Name: "Alice A", Lang: "en"},
			&UserSeen{ID: alice, Name: "Alice A", Lang: "en", At: at}, nil, t0},
		{"new with no fields", User{ID: 405}, &UserSeen{ID: 405, At: at}, nil, at},
		{"zero id", User{ID: 0, Name: "ghost"}, nil, ErrBadUser, time.Time{}},
		{"negative id", User{ID: -100123, Name: "a channel"}, nil, ErrBadUser, time.Time{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := directory(t)
			before := usersView(d)
			e, err := d.Seen(tc.in, at)
			wantErr(t, err, tc.wErr)
			sameState(t, "directory after Seen", usersView(d), before)
			wantEvent(t, e, tc.wEvent)
			if e == nil {
				return
			}
			d.Apply(e, d.Seq+1)
			u := d.ByID[tc.in.ID]
			if u == nil || u.Username != tc.in.Username || u.Name != tc.in.Name || u.Lang != tc.in.Lang ||
				u.Premium != tc.in.Premium || !u.Joined.Equal(tc.wJoined) {
				t.Errorf("user %+v after apply, want %+v joined %v", u, tc.in, tc.wJoined)
			}
			if again, err := d.Seen(tc.in, at.Add(time.Hour)); again != nil || err != nil {
				t.Errorf("Seen again = %+v, %v; want nil, nil", again, err)
			}
		})
	}
}

func TestUsers_Find(t *testing.T) {
	tests := []struct {
		name string
		ref  string
		wID  UserID
		wErr error
	}{
		{"by id", "101", alice, nil},
		{"by id with spaces", " 202 ", bob, nil},
		{"by username", "@Alice", alice, nil},
		{"without @", "Alice", alice, nil},
		{"other case", "@aLiCe", alice, nil},
		{"underscore", "@BOB_B", bob, nil},
		{"unknown id", "999", 0, ErrUnknownUser},
		{"unknown name", "@zed", 0, ErrUnknownUser},
		{"empty", "", 0, ErrUnknownUser},
		{"at only", "@", 0, ErrUnknownUser},
		{"id with sign", "+101", 0, ErrUnknownUser},
		{"id with leading zero", "0101", 0, ErrUnknownUser},
		{"id as username", "@101", 0, ErrUnknownUser},
		{"id then letters", "101abc", 0, ErrUnknownUser},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := directory(t)
			before := usersView(d)
			u, err := d.Find(tc.ref)
			wantErr(t, err, tc.wErr)
			sameState(t, "directory after Find", usersView(d), before)
			if tc.wErr != nil {
				if u != nil {
					t.Errorf("found %+v with an error", u)
				}
				return
			}
			if u == nil || u.ID != tc.wID {
				t.Errorf("Find(%q) = %+v, want id %d", tc.ref, u, tc.wID)
			}
		})
	}
}

func TestUsers_FindAfterRename(t *testing.T) {
	for _, warm := range []bool{false, true} {
		t.Run(fmt.Sprint("index built before: ", warm), func(t *testing.T) {
			d := directory(t)
			if warm {
				if _, err := d.Find("@alice"); err != nil {
					t.Fatal(err)
				}
			}
			seeUser(t, d, User{ID: alice, Username: "AliceNew", Name: "Alice A", Lang: "en"}, t0.Add(time.Hour))
			if u, err := d.Find("@alicenew"); err != nil || u.ID != alice {
				t.Errorf("Find(@alicenew) = %+v, %v", u, err)
			}
			if u, err := d.Find("@alice"); err == nil {
				t.Errorf("old username still finds %+v", u)
			}
			seeUser(t, d, User{ID: alice, Name: "Alice A", Lang: "en"}, t0.Add(2*time.Hour))
			if u, err := d.Find("@alicenew"); err == nil {
				t.Errorf("dropped username still finds %+v", u)
			}
			seeUser(t, d, User{ID: 404, Username: "dan"}, t0.Add(3*time.Hour))
			if u, err := d.Find("@DAN"); err != nil || u.ID != 404 {
				t.Errorf("Find(@DAN) = %+v, %v", u, err)
			}
		})
	}
}

// Telegram usernames move: alice gives up @bob_b-like names and someone
// else takes them. The directory must then find the person who holds the
// name now, the same way live and after a restart (when the name index is
// rebuilt from the map).
func TestUsers_FindUsernameTakenOver(t *testing.T) {
	t.Run("old holder renamed after the new one appeared", func(t *testing.T) {
		d := directory(t)
		if _, err := d.Find("@Alice"); err != nil { // index built
			t.Fatal(err)
		}
		// dan now holds @Alice; alice was not seen since she dropped it
		seeUser(t, d, User{ID: 404, Username: "Alice", Name: "Dan"}, t0.Add(time.Hour))
		// alice shows up with a new name
		seeUser(t, d, User{ID: alice, Username: "AliceNew", Name: "Alice A", Lang: "en"}, t0.Add(2*time.Hour))
		if u, err := d.Find("@Alice"); err != nil || u.ID != 404 {
			t.Errorf("Find(@Alice) = %+v, %v; want dan, who holds the name", u, err)
		}
	})

	// dan takes @Alice from alice (who is not seen again), then gives it up
	// too. Whoever Find then names, it must name the same person live and
	// after a restart, or a transfer would go to someone else after one.
	t.Run("new holder gives the name up as well", func(t *testing.T) {
		d := directory(t)
		if _, err := d.Find("@Alice"); err != nil { // index built
			t.Fatal(err)
		}
		seeUser(t, d, User{ID: 404, Username: "Alice", Name: "Dan"}, t0.Add(time.Hour))
		seeUser(t, d, User{ID: 404, Username: "Dan2", Name: "Dan"}, t0.Add(2*time.Hour))
		who := func() string {
			u, err := d.Find("@alice")
			if err != nil {
				return err.Error()
			}
			return fmt.Sprint(u.ID)
		}
		live := who()
		d.byName = nil // as after a restart
		if cold := who(); cold != live {
			t.Errorf("Find(@alice) = %s live but %s after rebuilding the index", live, cold)
		}
	})

	t.Run("stale holder not seen again", func(t *testing.T) {
		d := directory(t)
		seeUser(t, d, User{ID: 404, Username: "Alice", Name: "Dan"}, t0.Add(time.Hour))
		got := map[UserID]int{}
		for range 40 {
			d.byName = nil // as after a restart
			u, err := d.Find("@alice")
			if err != nil {
				t.Fatal(err)
			}
			got[u.ID]++
		}
		if len(got) != 1 || got[404] != 40 {
			t.Errorf("Find(@alice) after rebuilding the index gave %v; want dan (404) every time", got)
		}
	})
}

func TestUsers_Register(t *testing.T) {
	withApproval := func(a Approval) func(t testing.TB) *Users {
		return func(t testing.TB) *Users {
			d := directory(t)
			d.ByID[alice].Approval = a
			return d
		}
	}
	tests := []struct {
		name      string
		setup     func(t testing.TB) *Users
		id        UserID
		nick      string
		wNickname string
		wErr      error
	}{
		{"first request", directory, alice, "  Ali  ", "Ali", nil},
		{"two letters", directory, alice, "Al", "Al", nil},
		{"32 runes", directory, alice, strings.Repeat("я", 32), strings.Repeat("я", 32), nil},
		{"inner space", directory, alice, "Ali Baba", "Ali Baba", nil},
		{"after rejection", withApproval(ApprovalRejected), alice, "Ali", "Ali", nil},
		{"after removal", withApproval(ApprovalRemoved), alice, "Ali", "Ali", nil},
		{"one rune", directory, alice, "A", "", ErrBadNickname},
		{"one rune padded", directory, alice, "  A  ", "", ErrBadNickname},
		{"33 runes", directory, alice, strings.Repeat("я", 33), "", ErrBadNickname},
		{"tab", directory, alice, "Ali\tBaba", "", ErrBadNickname},
		{"newline", directory, alice, "Ali\nBaba", "", ErrBadNickname},
		{"carriage return", directory, alice, "Ali\rBaba", "", ErrBadNickname},
		{"pending", withApproval(ApprovalPending), alice, "Ali", "", ErrAlreadyDecided},
		{"approved", withApproval(ApprovalApproved), alice, "Ali", "", ErrAlreadyDecided},
		{"unknown", directory, 999, "Ali", "", ErrUnknownUser},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := tc.setup(t)
			before := usersView(d)
			e, err := d.Register(tc.id, tc.nick)
			wantErr(t, err, tc.wErr)
			sameState(t, "directory after Register", usersView(d), before)
			if tc.wErr != nil {
				return
			}
			wantEvent(t, e, &StaffRequested{ID: tc.id, Nickname: tc.wNickname})
			d.Apply(e, d.Seq+1)
			if u := d.ByID[tc.id]; u.Nickname != tc.wNickname || u.Approval != ApprovalPending {
				t.Errorf("user %+v", u)
			}
		})
	}
}

func TestUsers_Decide(t *testing.T) {
	tests := []struct {
		name string
		from Approval
		to   Approval
		id   UserID
		wErr error
	}{
		{"approve", ApprovalPending, ApprovalApproved, alice, nil},
		{"reject", ApprovalPending, ApprovalRejected, alice, nil},
		{"remove", ApprovalApproved, ApprovalRemoved, alice, nil},
		{"approve without request", ApprovalNone, ApprovalApproved, alice, ErrNotPending},
		{"approve twice", ApprovalApproved, ApprovalApproved, alice, ErrNotPending},
		{"approve rejected", ApprovalRejected, ApprovalApproved, alice, ErrNotPending},
		{"reject approved", ApprovalApproved, ApprovalRejected, alice, ErrNotPending},
		{"remove pending", ApprovalPending, ApprovalRemoved, alice, ErrNotPending},
		{"remove removed", ApprovalRemoved, ApprovalRemoved, alice, ErrNotPending},
		{"back to pending", ApprovalApproved, ApprovalPending, alice, ErrNotPermitted},
		{"to none", ApprovalPending, ApprovalNone, alice, ErrNotPermitted},
		{"unknown state", ApprovalPending, 9, alice, ErrNotPermitted},
		{"unknown user", ApprovalPending, ApprovalApproved, 999, ErrUnknownUser},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := directory(t)
			d.ByID[alice].Approval = tc.from
			before := usersView(d)
			e, err := d.Decide(tc.id, tc.to)
			wantErr(t, err, tc.wErr)
			sameState(t, "directory after Decide", usersView(d), before)
			if tc.wErr != nil {
				return
			}
			wantEvent(t, e, &StaffDecided{ID: tc.id, Approval: tc.to})
			d.Apply(e, d.Seq+1)
			if got := d.ByID[tc.id].Approval; got != tc.to {
				t.Errorf("approval %v, want %v", got, tc.to)
			}
		})
	}
}

func TestRoleOf(t *testing.T) {
	admins := []UserID{bob, carol}
	tests := []struct {
		name  string
		u     *User
		owner UserID
		wRole Role
	}{
		{"nobody", nil, alice, RoleCustomer},
		{"customer", &User{ID: 404}, alice, RoleCustomer},
		{"owner", &User{ID: alice}, alice, RoleOwner},
		{"owner also listed as admin", &User{ID: bob}, bob, RoleOwner},
		{"admin", &User{ID: carol}, alice, RoleAdmin},
		{"admin who is also approved staff", &User{ID: bob, Approval: ApprovalApproved}, alice, RoleAdmin},
		{"staff", &User{ID: 404, Approval: ApprovalApproved}, alice, RoleStaff},
		{"pending", &User{ID: 404, Approval: ApprovalPending}, alice, RoleCustomer},
		{"rejected", &User{ID: 404, Approval: ApprovalRejected}, alice, RoleCustomer},
		{"removed", &User{ID: 404, Approval: ApprovalRemoved}, alice, RoleCustomer},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := RoleOf(tc.u, tc.owner, admins); got != tc.wRole {
				t.Errorf("RoleOf = %v, want %v", got, tc.wRole)
			}
		})
	}
}

func TestRole_String(t *testing.T) {
	for r, w := range map[Role]string{RoleCustomer: "customer", RoleStaff: "staff", RoleAdmin: "admin", RoleOwner: "owner",
		0: "role(0)", 9: "role(9)"} {
		if got := r.String(); got != w {
			t.Errorf("Role(%d).String() = %q, want %q", r, got, w)
		}
	}
}

func TestApproval_String(t *testing.T) {
	for a, w := range map[Approval]string{ApprovalNone: "none", ApprovalPending: "pending", ApprovalApproved: "approved",
		ApprovalRejected: "rejected", ApprovalRemoved: "removed", 9: "approval(9)"} {
		if got := a.String(); got != w {
			t.Errorf("Approval(%d).String() = %q, want %q", a, got, w)
		}
	}
}

// TestUsers_DecideRequest: an admin's button decides the request it was
// drawn for; after a rejection and a new request, the old button is refused.
func TestUsers_DecideRequest(t *testing.T) {
	ask := func(t *testing.T, d *Users) {
		t.Helper()
		e, err := d.Register(alice, "ally")
		if err != nil {
			t.Fatal(err)
		}
		d.Apply(e, d.Seq+1)
	}
	decide := func(t *testing.T, d *Users, request int, to Approval) error {
		t.Helper()
		e, err := d.DecideRequest(alice, request, to)
		if err == nil {
			d.Apply(e, d.Seq+1)
		}
		return err
	}
	d := directory(t)
	ask(t, d)
	if d.ByID[alice].Requests != 1 {
		t.Fatalf("requests = %d after one request", d.ByID[alice].Requests)
	}
	wantErr(t, decide(t, d, 1, ApprovalRejected), nil)
	ask(t, d)
	wantErr(t, decide(t, d, 1, ApprovalApproved), ErrNotPending) // the first request's button
	if got := d.ByID[alice].Approval; got != ApprovalPending {
		t.Fatalf("approval %v after an old button, want pending", got)
	}
	wantErr(t, decide(t, d, 2, ApprovalRemoved), ErrNotPermitted)
	wantErr(t, decide(t, d, 2, ApprovalApproved), nil)
}
