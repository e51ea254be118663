package httpapi

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"allot/actors"
	"allot/domain"
	"allot/persistence"
)

const (
	alice     domain.UserID = 1001
	testToken               = "s3cr3t-introspection-token"
	proxyPass               = "hunter2pw"
)

// openEngine opens a real engine in a temporary directory, closed when the
// test ends.
func openEngine(t testing.TB, mod func(*actors.Options)) *actors.Engine {
	t.Helper()
	o := actors.Options{Dir: t.TempDir(), Fsync: persistence.FsyncOS}
	if mod != nil {
		mod(&o)
	}
	e, err := actors.Open(o)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = e.Close(context.Background()) })
	return e
}

func ctxT(t testing.TB) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// number is the i-th test number.
func number(i int) string { return fmt.Sprintf("+888%08d", i) }

// addNumbers puts n numbers in the catalogue.
func addNumbers(t testing.TB, e *actors.Engine, n int) []string {
	t.Helper()
	ids := make([]string, n)
	for i := range ids {
		id, err := e.AddNumber(ctxT(t), 0, number(i+1))
		must(t, err)
		ids[i] = id
	}
	return ids
}

// topUp pays alice's top-up invoice of amount TON through a deposit.
func topUp(t testing.TB, e *actors.Engine, amount int64) {
	t.Helper()
	ctx := ctxT(t)
	inv, err := e.OpenTopUpInvoice(ctx, domain.OpID("topup-"+strconv.FormatInt(amount, 10)), alice, domain.TON(amount))
	must(t, err)
	res, err := e.Deposit(ctx, domain.Payment{Tx: domain.TxID{Account: "EQpayer", LT: 7, Hash: "ab"},
		Amount: inv.Amount, Comment: inv.Code, At: time.Now()})
	must(t, err)
	if res.Balance != domain.TON(amount) {
		t.Fatalf("balance after the deposit: %v, want %d TON", res.Balance, amount)
	}
}

// addProxy adds a proxy with a password and returns its id.
func addProxy(t testing.TB, e *actors.Engine) string {
	t.Helper()
	addr, err := domain.ParseProxy("10.1.2.3:8080:bob:" + proxyPass)
	must(t, err)
	p, err := e.AddProxy(ctxT(t), 1, domain.ProxySpec{Type: domain.ProxySOCKS5, Addr: addr,
		Resources: []string{"telegram"}, Country: "NL", Days: 30})
	must(t, err)
	return p.ID
}

// serve starts the handler on a loopback test server.
func serve(t testing.TB, src source, opts Options) *httptest.Server {
	t.Helper()
	h, err := newHandler(src, opts)
	must(t, err)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

// get fetches path with the given headers and returns the status and body.
func get(t testing.TB, srv *httptest.Server, path string, header ...string) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctxT(t), http.MethodGet, srv.URL+path, nil)
	must(t, err)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := srv.Client().Do(req)
	must(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	must(t, err)
	return resp.StatusCode, resp.Header, string(b)
}

// metricValue finds series (name with its labels, as exposed) in a
// Prometheus text exposition.
func metricValue(t testing.TB, body, series string) float64 {
	t.Helper()
	for _, line := range strings.Split(body, "\n") {
		if rest, ok := strings.CutPrefix(line, series+" "); ok {
			v, err := strconv.ParseFloat(strings.TrimSpace(rest), 64)
			must(t, err)
			return v
		}
	}
	t.Fatalf("no series %s in the metrics", series)
	return 0
}
