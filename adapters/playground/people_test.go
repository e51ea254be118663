package playground

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"allot/adapters/telegram/telegramtest"
	"allot/domain"
)

func TestPeople_usernames(t *testing.T) {
	p := &People{list: []Person{{ID: 2001, Username: "alice"}}}
	cases := []struct {
		name  string
		id    int64
		wName string
	}{
		{"Bobby", 2002, "bobby"},
		{"Alice", 2003, "alice2003"},
		{"Сергей", 2004, "user2004"},
		{"Al", 2005, "al2005"},
		{"9lives", 2006, "user9lives"},
	}
	for _, c := range cases {
		if got := p.usernameLocked(c.name, c.id); got != c.wName {
			t.Errorf("username of %q = %q, want %q", c.name, got, c.wName)
		}
	}
	if !slices.ContainsFunc(p.list, func(q Person) bool { return q.Username == "alice" }) {
		t.Error("the list changed")
	}
}

// TestPeople_admins checks that the owner and the configured admins are
// the admins, whatever people.json says.
func TestPeople_admins(t *testing.T) {
	path := filepath.Join(t.TempDir(), "people.json")
	old := `[{"id":5,"name":"Old owner","username":"old_owner","lang":"en","role":"admin"},` +
		`{"id":2001,"name":"Alice","username":"alice","lang":"en","role":"customer"}]`
	if err := os.WriteFile(path, []byte(old), 0o644); err != nil {
		t.Fatal(err)
	}
	fake := telegramtest.New(telegramtest.WithoutListener())
	t.Cleanup(fake.Close)
	p, err := OpenPeople(context.Background(), path, nil, 1000, []domain.UserID{1000, 77}, fake)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, q := range p.All() {
		got = append(got, strconv.FormatInt(q.ID, 10)+":"+string(q.Role))
	}
	want := []string{"1000:admin", "77:admin", "5:customer", "2001:customer"}
	if !slices.Equal(got, want) {
		t.Errorf("people %q, want %q", got, want)
	}
}
