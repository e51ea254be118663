package telegram

import (
	"context"
	"encoding/json"
	"net/http"
	"reflect"
	"testing"
	"time"

	"github.com/mymmrac/telego"

	"allot/actors"
	"allot/adapters/telegram/telegramtest"
	"allot/persistence"
)

// FuzzUpdate feeds arbitrary update JSON and callback data, as a person
// who is not an admin and has no money, straight into a session: nothing
// may panic, and nothing about the numbers, the audit log or anyone's
// balance may change.
func FuzzUpdate(f *testing.F) {
	for _, s := range []string{
		`{"update_id":1,"message":{"message_id":1,"date":1,"chat":{"id":7,"type":"private"},"from":{"id":7,"first_name":"x"},"text":"/start"}}`,
		`{"update_id":2,"message":{"message_id":2,"date":1,"chat":{"id":7,"type":"private"},"from":{"id":7,"first_name":"x"},"text":"/add_number +88800000009"}}`,
		`{"update_id":3,"message":{"message_id":3,"date":1,"chat":{"id":7,"type":"private"},"from":{"id":7,"first_name":"x"},"text":"/price default 30 0.000000001"}}`,
		`{"update_id":4,"callback_query":{"id":"q","from":{"id":7,"first_name":"x"},"chat_instance":"1","data":"1:pay:+88800000001:30:b:NONCE"}}`,
		`{"update_id":5,"callback_query":{"id":"q","from":{"id":7,"first_name":"x"},"chat_instance":"1","data":"1:acc:+88800000001"}}`,
		`{"update_id":6,"callback_query":{"id":"q","from":{"id":7,"first_name":"x"},"chat_instance":"1","data":"1:ablk:+88800000001"}}`,
		`{"update_id":7,"callback_query":{"id":"q","from":{"id":7,"first_name":"x"},"chat_instance":"1","data":"1:hist:+88800000001:0"}}`,
		`{"update_id":8,"message":{"message_id":4,"date":1,"chat":{"id":7,"type":"private"},"from":{"id":7,"first_name":"<b>"},"text":"\u0000\uffff/cancel_rental +88800000001 5"}}`,
	} {
		f.Add([]byte(s))
	}
	srv := telegramtest.New(telegramtest.WithoutLimits())
	f.Cleanup(srv.Close)
	eng, err := actors.Open(actors.Options{Dir: f.TempDir(), Fsync: persistence.FsyncOS, ManualClock: true})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = eng.Close(context.Background()) })
	ctx := context.Background()
	if _, err := eng.AddNumber(ctx, 0, "+88800000001"); err != nil {
		f.Fatal(err)
	}
	api, err := NewAPI(srv.Token(), srv.URL(), &http.Client{})
	if err != nil {
		f.Fatal(err)
	}
	const person = 7
	srv.AddUser(telegramtest.User{ID: person, FirstName: "x"})
	b, err := New(eng, api, Config{Owner: 1, Limits: LimitOptions{MessagesPerMin: -1, OperationsPerMin: -1, PaymentsPerMin: -1},
		Outbox: OutboxOptions{Global: -1, PerChat: -1}}, nil) // one chat, thousands of sends: no pacing
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(b.Close)
	snapshot := func() any {
		if err := eng.Drain(ctx); err != nil {
			f.Fatal(err)
		}
		audit, _ := eng.AuditLog(ctx, 0, 100)
		w, _ := eng.Wallet(ctx, person)
		return []any{eng.Catalogue(ctx, 0, 100), eng.Policy().Prices, len(audit.Entries), w.Balance, len(w.Entries)}
	}
	before := snapshot()
	f.Fuzz(func(t *testing.T, data []byte) {
		var u telego.Update
		if json.Unmarshal(data, &u) != nil {
			return
		}
		from := telego.User{ID: person, FirstName: "x"}
		if u.Message != nil {
			u.Message.From = &from
			u.Message.Chat = telego.Chat{ID: person, Type: "private"}
		}
		if u.CallbackQuery != nil {
			u.CallbackQuery.From = from
		}
		s := &session{bot: b, user: person}
		done := make(chan struct{})
		go func() {
			defer close(done)
			select {
			case <-done:
			case <-time.After(5 * time.Second):
				t.Errorf("an update took over 5 s: %s", data)
			}
		}()
		s.update(u, from) // not safely: a panic must fail the fuzz
		done <- struct{}{}
		if after := snapshot(); !reflect.DeepEqual(after, before) {
			t.Fatalf("a customer's update changed the state:\nbefore %+v\nafter  %+v", before, after)
		}
	})
}
