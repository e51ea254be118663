package pgstore

import (
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"allot/persistence/pgstore/pgtest"
)

// secret is the password in every bad URL below: no error may show it.
const secret = "Sup3r-s3cret-pw"

func checkNoSecret(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		t.Fatal("Open succeeded, want an error")
	}
	if strings.Contains(err.Error(), secret) || strings.Contains(fmt.Sprintf("%+v", err), secret) {
		t.Fatalf("the error shows the password: %v", err)
	}
	t.Logf("error: %v", err)
}

// closedPort is a loopback port nobody listens on.
func closedPort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	return port
}

func TestOpen_unreachable(t *testing.T) {
	t.Parallel()
	port := closedPort(t)
	url := fmt.Sprintf("postgres://alice:%s@127.0.0.1:%d/shop?sslmode=disable", secret, port)
	_, err := Open(ctxT(t), url, Options{ConnectTimeout: 2 * time.Second})
	checkNoSecret(t, err)
	for _, want := range []string{`database "shop"`, fmt.Sprintf("127.0.0.1:%d", port), `user "alice"`, "connect"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
}

func TestOpen_wrongPassword(t *testing.T) {
	t.Parallel()
	url := pgtest.DB(t)
	srv := pgtest.Shared(t)
	if err := srv.Exec(ctxT(t), "CREATE ROLE pgstore_bob LOGIN PASSWORD 'the-right-one'"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Exec(ctxT(t), "DROP ROLE pgstore_bob") })
	_, err := Open(ctxT(t), withUser(t, url, "pgstore_bob", secret), Options{})
	checkNoSecret(t, err)
	for _, want := range []string{"password authentication failed", `user "pgstore_bob"`, dbNameOf(t, url)} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
}

func TestOpen_readOnly(t *testing.T) {
	t.Parallel()
	url := pgtest.DB(t)
	conn := db(t, url)
	if _, err := conn.Exec(ctxT(t), fmt.Sprintf("ALTER DATABASE %q SET default_transaction_read_only = on", dbNameOf(t, url))); err != nil {
		t.Fatal(err)
	}
	_, err := Open(ctxT(t), strings.Replace(url, "postgres@", "postgres:"+secret+"@", 1), Options{})
	checkNoSecret(t, err)
	if !errors.Is(err, ErrReadOnly) || !strings.Contains(err.Error(), dbNameOf(t, url)) {
		t.Fatalf("got %v, want ErrReadOnly naming the database", err)
	}
	if n := queryInt(t, conn, "SELECT count(*) FROM pg_tables WHERE tablename LIKE 'allot_%'"); n != 0 {
		t.Fatalf("the refused open created %d tables", n)
	}
}

func TestOpen_badURL(t *testing.T) {
	t.Parallel()
	for i, url := range []string{
		"",
		"::::",
		"postgres://alice:" + secret + "@127.0.0.1:notaport/db",
		"postgres://alice:" + secret + "@[::1/db",
		"postgres://alice:" + secret + "@127.0.0.1:5432/db?sslmode=sometimes",
		"postgres://alice:" + secret + "@127.0.0.1:5432/db?connect_timeout=soon",
		"host=127.0.0.1 password=" + secret + " port=99999",
		"host=127.0.0.1 password='" + secret + "' sslmode=bogus",
		"mysql://alice:" + secret + "@localhost/db",
		"postgres://alice:%zz" + secret + "@127.0.0.1/db",
	} {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			_, err := Open(ctxT(t), url, Options{ConnectTimeout: time.Second})
			checkNoSecret(t, err)
		})
	}
}

func TestSecrets(t *testing.T) {
	for _, c := range []struct {
		url  string
		want string
	}{
		{"postgres://u:p%40ss@h/db", "p@ss"},
		{"postgres://u:p%40ss@h/db", "p%40ss"},
		{"host=h password='a b' user=u", "a b"},
		{"host=h password=abc user=u", "abc"},
		{"postgres://u@h/db?password=qq", "qq"},
	} {
		found := false
		for _, s := range secrets(c.url) {
			found = found || s == c.want
		}
		if !found {
			t.Errorf("secrets(%q) = %q, want %q among them", c.url, secrets(c.url), c.want)
		}
	}
	err := scrub(errors.New("auth as u with abc failed"), []string{"abc"})
	if err.Error() != "auth as u with *** failed" {
		t.Fatalf("scrub: %v", err)
	}
}
