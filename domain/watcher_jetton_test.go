package domain

import (
	"bytes"
	"errors"
	"testing"

	"github.com/vmihailenco/msgpack/v5"
)

const (
	jMaster = "0:b113a994b5024a16719f69139328eb759596c38a25f59028b146fecdc3621dfe"
	jOwner  = "0:aa00000000000000000000000000000000000000000000000000000000000001"
	jWallet = "0:bb00000000000000000000000000000000000000000000000000000000000002"
	jOther  = "0:cc00000000000000000000000000000000000000000000000000000000000003"
)

func TestWatcher_RememberJetton(t *testing.T) {
	w := NewWatcher(jOwner)
	if _, ok := w.JettonWallet(jMaster, jOwner); ok {
		t.Fatal("a new watcher knows a jetton wallet")
	}
	ev, err := w.RememberJetton(jMaster, jOwner, jWallet)
	if err != nil || ev == nil {
		t.Fatalf("first answer: %+v, %v", ev, err)
	}
	w.Apply(ev, 1)
	if got, ok := w.JettonWallet(jMaster, jOwner); !ok || got != jWallet || w.Seq != 1 {
		t.Fatalf("after applying: %q, %v (seq %d)", got, ok, w.Seq)
	}
	if ev, err := w.RememberJetton(jMaster, jOwner, jWallet); ev != nil || err != nil {
		t.Errorf("the same answer again = %+v, %v; want nothing to journal", ev, err)
	}
	// A different answer replaces, not adds.
	ev, err = w.RememberJetton(jMaster, jOwner, jOther)
	if err != nil || ev == nil {
		t.Fatalf("a different answer: %+v, %v", ev, err)
	}
	w.Apply(ev, 2)
	if got, _ := w.JettonWallet(jMaster, jOwner); got != jOther || len(w.Jettons) != 1 {
		t.Errorf("after a different answer: %q, %+v", got, w.Jettons)
	}
	// Another master is another record.
	other := "0:dd00000000000000000000000000000000000000000000000000000000000004"
	ev, _ = w.RememberJetton(other, jOwner, jWallet)
	w.Apply(ev, 3)
	if got, _ := w.JettonWallet(other, jOwner); got != jWallet || len(w.Jettons) != 2 {
		t.Errorf("a second master: %q, %+v", got, w.Jettons)
	}
	if got, _ := w.JettonWallet(jMaster, jOwner); got != jOther {
		t.Errorf("the first master's wallet became %q", got)
	}
}

func TestWatcher_RememberJetton_Refuses(t *testing.T) {
	w := NewWatcher(jOwner)
	long := "0:" + string(bytes.Repeat([]byte("a"), maxAddressLen))
	for _, tc := range []struct {
		name                  string
		master, owner, wallet string
	}{
		{"no master", "", jOwner, jWallet},
		{"no owner", jMaster, "", jWallet},
		{"no wallet", jMaster, jOwner, ""},
		{"not raw", jMaster, jOwner, "EQCxE6mUtQJKFnGfaROTKOt1lZbDiiX1kCixRv7Nw2Id_sDs"},
		{"too long", jMaster, jOwner, long},
		{"another owner", jMaster, jOther, jWallet},
		{"the master itself", jMaster, jOwner, jMaster},
		{"the owner itself", jMaster, jOwner, jOwner},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if ev, err := w.RememberJetton(tc.master, tc.owner, tc.wallet); !errors.Is(err, ErrNotPermitted) || ev != nil {
				t.Errorf("RememberJetton = %+v, %v; want ErrNotPermitted", ev, err)
			}
		})
	}
}

func TestWatcherJettonResolved_RoundTrip(t *testing.T) {
	ev := &WatcherJettonResolved{Master: jMaster, Owner: jOwner, Wallet: jWallet}
	rec, err := DecodeRecord(mustEncode(t, Record{Kind: KindWatcher, ID: jOwner, Event: ev}))
	if err != nil {
		t.Fatal(err)
	}
	got, ok := rec.Event.(*WatcherJettonResolved)
	if !ok || *got != *ev || rec.Event.EventType() != TypeWatcherJetton || TypeWatcherJetton != 703 {
		t.Errorf("decoded %T %+v", rec.Event, rec.Event)
	}
	if _, err := EncodeRecord(Record{Kind: KindWallet, ID: "1", Event: ev}); err == nil {
		t.Error("a jetton record under a wallet entity encoded")
	}
}

// watcherBefore is the watcher's state as builds before USDT wrote it.
type watcherBefore struct {
	Wallet string            `msgpack:"w"`
	Cursor ChainCursor       `msgpack:"c"`
	Routed map[string]string `msgpack:"r"`
	Seq    uint64            `msgpack:"sq"`
}

// A state without jetton wallets is written as before (no "j" key), an
// older state reads with none, and a state with them round-trips.
func TestWatcher_JettonsInState(t *testing.T) {
	old := watcherBefore{Wallet: jOwner, Cursor: ChainCursor{LT: 7, Hash: "ab"}, Routed: map[string]string{"k": "1"}, Seq: 9}
	b, err := msgpack.Marshal(old)
	if err != nil {
		t.Fatal(err)
	}
	var w Watcher
	if err := msgpack.Unmarshal(b, &w); err != nil || w.Cursor != old.Cursor || w.Seq != 9 || len(w.Jettons) != 0 {
		t.Fatalf("old state decodes to %+v, %v", w, err)
	}
	now, err := msgpack.Marshal(&w)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(now, []byte{0xa1, 'j'}) {
		t.Error(`a state without jetton wallets writes a "j" key`)
	}
	ev, _ := w.RememberJetton(jMaster, jOwner, jWallet)
	w.Apply(ev, 10)
	if b, err = msgpack.Marshal(&w); err != nil {
		t.Fatal(err)
	}
	var back Watcher
	if err := msgpack.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if got, ok := back.JettonWallet(jMaster, jOwner); !ok || got != jWallet {
		t.Errorf("round trip lost the jetton wallet: %+v", back.Jettons)
	}
	c := back.Clone()
	c.Jettons[0].Wallet = jOther
	if got, _ := back.JettonWallet(jMaster, jOwner); got != jWallet {
		t.Error("a clone shares its jetton wallets with the original")
	}
}
