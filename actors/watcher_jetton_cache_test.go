package actors

import (
	"errors"
	"testing"

	"allot/domain"
)

const (
	usdtMasterRaw = "0:b113a994b5024a16719f69139328eb759596c38a25f59028b146fecdc3621dfe"
	ourWalletRaw  = "0:aa00000000000000000000000000000000000000000000000000000000000001"
	ourJettonRaw  = "0:bb00000000000000000000000000000000000000000000000000000000000002"
	newJettonRaw  = "0:cc00000000000000000000000000000000000000000000000000000000000003"
)

// The jetton wallet is remembered across restarts, from the journal alone
// and from a snapshot.
func TestEngine_JettonWalletSurvivesRestart(t *testing.T) {
	for _, tc := range []struct {
		name     string
		snapshot bool
	}{{"journal", false}, {"snapshot", true}} {
		t.Run(tc.name, func(t *testing.T) {
			dir, c := t.TempDir(), newClock()
			noSnap := func(o *Options) { o.NoFinalSnapshot = !tc.snapshot }
			e := openTest(t, dir, c, noSnap)
			if w, ok, err := e.JettonWallet(ctxT(t), usdtMasterRaw, ourWalletRaw); ok || w != "" || err != nil {
				t.Fatalf("before any record: %q, %v, %v", w, ok, err)
			}
			if e.knows(domain.KindWatcher, ourWalletRaw) {
				t.Error("asking created a watcher entity")
			}
			if err := e.RememberJettonWallet(ctxT(t), usdtMasterRaw, ourWalletRaw, ourJettonRaw); err != nil {
				t.Fatal(err)
			}
			if err := e.Close(ctxT(t)); err != nil {
				t.Fatal(err)
			}
			e = openTest(t, dir, c, noSnap)
			if w, ok, err := e.JettonWallet(ctxT(t), usdtMasterRaw, ourWalletRaw); !ok || w != ourJettonRaw || err != nil {
				t.Fatalf("after a restart: %q, %v, %v", w, ok, err)
			}
			if w, ok, _ := e.JettonWallet(ctxT(t), newJettonRaw, ourWalletRaw); ok {
				t.Errorf("another master's wallet: %q", w)
			}
		})
	}
}

// Remembering the same wallet again journals nothing; a different one
// replaces it; nonsense is refused and changes nothing.
func TestEngine_RememberJettonWallet(t *testing.T) {
	e := openTest(t, t.TempDir(), newClock(), nil)
	ctx := ctxT(t)
	if err := e.RememberJettonWallet(ctx, usdtMasterRaw, ourWalletRaw, ourJettonRaw); err != nil {
		t.Fatal(err)
	}
	st, err := e.WatcherState(ctx, ourWalletRaw)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.RememberJettonWallet(ctx, usdtMasterRaw, ourWalletRaw, ourJettonRaw); err != nil {
		t.Fatal(err)
	}
	again, _ := e.WatcherState(ctx, ourWalletRaw)
	if again.Seq != st.Seq {
		t.Errorf("the same wallet again journaled: seq %d → %d", st.Seq, again.Seq)
	}
	if err := e.RememberJettonWallet(ctx, usdtMasterRaw, ourWalletRaw, newJettonRaw); err != nil {
		t.Fatal(err)
	}
	if w, _, _ := e.JettonWallet(ctx, usdtMasterRaw, ourWalletRaw); w != newJettonRaw {
		t.Errorf("after a different answer: %q, want %q", w, newJettonRaw)
	}
	for _, bad := range []string{"", "EQCxE6mUtQJKFnGfaROTKOt1lZbDiiX1kCixRv7Nw2Id_sDs", ourWalletRaw} {
		if err := e.RememberJettonWallet(ctx, usdtMasterRaw, ourWalletRaw, bad); !errors.Is(err, domain.ErrNotPermitted) {
			t.Errorf("RememberJettonWallet(%q) = %v, want ErrNotPermitted", bad, err)
		}
	}
	if w, _, _ := e.JettonWallet(ctx, usdtMasterRaw, ourWalletRaw); w != newJettonRaw {
		t.Errorf("a refused record changed the wallet to %q", w)
	}
	if st, _ := e.WatcherState(ctx, ourWalletRaw); st.Cursor != (domain.ChainCursor{}) || len(st.Routed) != 0 {
		t.Errorf("remembering a jetton wallet touched the watcher's reading: %+v", st)
	}
}

// A closed engine says so rather than "not recorded".
func TestEngine_JettonWalletClosed(t *testing.T) {
	e := openTest(t, t.TempDir(), newClock(), nil)
	if err := e.Close(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := e.JettonWallet(ctxT(t), usdtMasterRaw, ourWalletRaw); ok || !errors.Is(err, ErrClosed) {
		t.Errorf("JettonWallet on a closed engine = %v, %v; want ErrClosed", ok, err)
	}
	if err := e.RememberJettonWallet(ctxT(t), usdtMasterRaw, ourWalletRaw, ourJettonRaw); !errors.Is(err, ErrClosed) {
		t.Errorf("RememberJettonWallet on a closed engine = %v; want ErrClosed", err)
	}
}
