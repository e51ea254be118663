package telegram

import (
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"allot/adapters/telegram/telegramtest"
)

// gather collects c's series as "name{label=value}" → value.
func gather(t testing.TB, c prometheus.Collector) map[string]float64 {
	t.Helper()
	reg := prometheus.NewRegistry()
	if err := reg.Register(c); err != nil {
		t.Fatal(err)
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			name := mf.GetName()
			for _, l := range m.GetLabel() {
				name += "{" + l.GetName() + "=" + l.GetValue() + "}"
			}
			out[name] = m.GetCounter().GetValue() + m.GetGauge().GetValue()
			if h := m.GetHistogram(); h != nil {
				out[name+"_count"] = float64(h.GetSampleCount())
			}
		}
	}
	return out
}

func TestNewCollector(t *testing.T) {
	if got := gather(t, NewCollector(func() *Bot { return nil })); len(got) != 0 {
		t.Fatalf("series before the bot exists: %v", got)
	}
	srv := telegramtest.New(telegramtest.WithoutLimits())
	t.Cleanup(srv.Close)
	w := newWorld(t, srv, t.TempDir(), &testClock{t: time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)})
	srv.Command(alice, "start", "")
	w.press(alice, w.see(alice, "Hello"), "🌐") // an edit and an answer
	w.seeOn(alice, lastID(srv, alice), "Здравствуйте")
	waitUntil(t, func() bool { st := w.bot.out.Stats(); return st.Edited > 0 && st.Answered > 0 }) // counted after the call
	for ok := true; ok; {
		ok, _ = w.bot.lim.Allow(int64(bob.ID), false, ActPayment)
	}

	got := gather(t, NewCollector(func() *Bot { return w.bot }))
	st := w.bot.out.Stats()
	for series, want := range map[string]float64{
		"allot_telegram_sends_total":                           float64(st.Sent),
		"allot_telegram_edits_total":                           float64(st.Edited),
		"allot_telegram_answers_total":                         float64(st.Answered),
		"allot_telegram_too_many_requests_total":               0,
		"allot_telegram_failed_total":                          0,
		"allot_telegram_rate_limit_hits_total{action=payment}": 1,
		"allot_telegram_rate_limit_hits_total{action=message}": 0,
		"allot_telegram_updates_dropped_total":                 0,
		"allot_telegram_sessions":                              1,
	} {
		if v, ok := got[series]; !ok || v != want {
			t.Errorf("%s = %v (present %v), want %v", series, v, ok, want)
		}
	}
	if st.Sent == 0 {
		t.Errorf("nothing sent: %+v", st)
	}
	// /start and the button: two updates handled, each timed.
	if n := got["allot_telegram_update_handling_seconds_count"]; n < 2 {
		t.Errorf("%v updates timed, want at least 2", n)
	}
}
