package sheetstest_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
	"google.golang.org/api/googleapi"
	"google.golang.org/api/option"
	"google.golang.org/api/sheets/v4"

	"allot/adapters/sheets/sheetstest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// start runs a fake and a real client pointed at it, as the adapter will.
func start(t testing.TB, opts ...sheetstest.Option) (*sheetstest.Server, *sheets.Service) {
	t.Helper()
	srv := sheetstest.New(opts...)
	t.Cleanup(srv.Close)
	return srv, client(t, srv.URL()+"/")
}

func client(t testing.TB, endpoint string) *sheets.Service {
	t.Helper()
	svc, err := sheets.NewService(context.Background(), option.WithEndpoint(endpoint), option.WithoutAuthentication())
	if err != nil {
		t.Fatalf("sheets.NewService: %v", err)
	}
	return svc
}

// apiError unwraps the client's error, failing the test if it is not one.
func apiError(t testing.TB, err error) *googleapi.Error {
	t.Helper()
	var gerr *googleapi.Error
	if !errors.As(err, &gerr) {
		t.Fatalf("error %v (%T) is not a *googleapi.Error", err, err)
	}
	return gerr
}

// clock is a hand-moved clock for quota tests.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock { return &clock{now: time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// appendRow appends one row through values.append as the adapter writes
// the issued sheet.
func appendRow(svc *sheets.Service, id, rng string, cells ...any) (*sheets.AppendValuesResponse, error) {
	return svc.Spreadsheets.Values.Append(id, rng, &sheets.ValueRange{Values: [][]any{cells}}).
		ValueInputOption("RAW").InsertDataOption("INSERT_ROWS").Do()
}

func ptr[T any](v T) *T { return &v }
