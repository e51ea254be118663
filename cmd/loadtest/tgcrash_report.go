package main

import (
	"fmt"
	"strings"

	"allot/actors"
)

// tgTally is what the people saw of their updates.
type tgTally struct {
	updates, answered, lost int
	lostConfirmed           int       // of the lost: the bot confirmed them to Telegram all the same
	answersTwice            int       // updates with more than one message sent or edited for them
	redelivered             int       // updates handed to more than one bot process
	redeliveredAnswered     int       // of which handed on after the person already had an answer
	stray, odd              int       // answers before a person's first update; markers out of step
	inFlight                int       // updates handed to a bot process and not confirmed when it was killed
	lat                     histogram // from sending an update to its first answer
	lag                     histogram // from the first answer to the bot's confirmation, as the person saw it
	lostNotes, twiceNotes   []string
}

// tgNote adds a line to notes, up to most lines.
func tgNote(notes *[]string, most int, format string, args ...any) {
	if len(*notes) < most {
		*notes = append(*notes, fmt.Sprintf(format, args...))
	}
}

// tgShort shortens the bot's screens for a note.
func tgShort(screens []string) []string {
	out := make([]string, len(screens))
	for i, s := range screens {
		r := []rune(strings.ReplaceAll(s, "\n", " "))
		if len(r) > 48 {
			r = append(r[:48], '…')
		}
		out[i] = string(r)
	}
	return out
}

// tally goes through every update sent, once the people have stopped and
// the fake's events are all in.
func (run *tgRun) tally() tgTally {
	t := tgTally{inFlight: run.inFlight}
	for _, p := range run.people {
		t.stray += p.stray
		t.odd += p.odd
		for _, s := range p.sent {
			run.tallyOne(&t, s)
		}
	}
	return t
}

func (run *tgRun) tallyOne(t *tgTally, s *tgSent) {
	t.updates++
	confirmed, _ := run.wire.confirmed(s)
	if s.answered.IsZero() {
		t.lost++
		if confirmed {
			t.lostConfirmed++
		}
		tgNote(&t.lostNotes, 6, "lost: update %d %q from %d, sent %s, confirmed by the bot: %v", s.id, s.text, s.user,
			s.sent.Format("15:04:05.000"), confirmed)
		return
	}
	t.answered++
	t.lat.add(s.answered.Sub(s.sent))
	if !s.confirmed.IsZero() {
		t.lag.add(s.confirmed.Sub(s.answered))
	}
	if s.screens > 1 {
		t.answersTwice++
		tgNote(&t.twiceNotes, 3, "answered twice: update %d %q from %d: %q", s.id, s.text, s.user, tgShort(s.replies))
	}
	ds := run.wire.deliveries(s.id)
	if len(ds) > 1 {
		t.redelivered++
		if ds[len(ds)-1].at.After(s.answered) {
			t.redeliveredAnswered++
		}
	}
}

// tgFailed reports a run that must fail make test.
func tgFailed(res map[string]any) bool {
	lost, _ := res["lost"].(int)
	twice, _ := res["applied_twice"].(int)
	ok, _ := res["invariants_ok"].(bool)
	return lost > 0 || twice > 0 || !ok
}

// tgReport prints the human summary and returns the JSON one. The
// invariants are the engine's checks and one of the run's: every change
// the bot answered as done is in the state.
func tgReport(f flags, cfg tgConfig, t tgTally, sc tgScore, tot actors.Totals, checkErr error, end tgEnd) map[string]any {
	inv := checkErr == nil && sc.ackedMissing == 0
	fmt.Printf("tgcrash: the real bot (bin/allot run, long polling, FSYNC=%s) on the fake Bot API: %d kill -9 cycles, "+
		"%d people (%d admins), %d numbers, %.1f s\n", f.fsync, f.cycles, cfg.users, cfg.admins, cfg.numbers, end.elapsed.Seconds())
	fmt.Println("  the bot's per-person and global update limits are off (RATE_LIMIT_*=off); its outbox keeps Telegram's 1 message/s a chat")
	fmt.Printf("  updates: %d sent, %d answered (p50 %.0f ms, p99 %.0f ms, max %.1f s), %d LOST (%d of them confirmed by the bot)\n",
		t.updates, t.answered, t.lat.quantile(0.5), t.lat.quantile(0.99), t.lat.max.Seconds(), t.lost, t.lostConfirmed)
	fmt.Printf("  answer to confirmation (what a person waits before the next update): p50 %.0f ms, p99 %.0f ms\n",
		t.lag.quantile(0.5), t.lag.quantile(0.99))
	fmt.Printf("  kills: %d updates in flight; %d updates handed to a second process (%d after they were answered); "+
		"%d answered twice; %d stray answers\n", t.inFlight, t.redelivered, t.redeliveredAnswered, t.answersTwice, t.stray)
	fmt.Printf("  sent: %d /adjust, %d /extend, %d /add_number, %d purchases from the balance (%d answered as rented or renewed)\n",
		sc.adjusts, sc.extends, sc.adds, sc.pays, sc.paid)
	fmt.Printf("  APPLIED TWICE: %d (/adjust %d, /extend %d, purchases %d, rental days %d, /add_number %d)\n",
		sc.twice, sc.adjustTwice, sc.extendTwice, sc.payTwice, sc.daysTwice, sc.addTwice)
	fmt.Printf("  answered as done but not in the state: %d; applied without an audit entry: %d; entries no update explains: %d\n",
		sc.ackedMissing, sc.auditMissing, sc.unattributed)
	fmt.Printf("  the bot's calls: getUpdates %d, sendMessage %d, editMessageText %d, answerCallbackQuery %d\n",
		end.calls["getupdates"], end.calls["sendmessage"], end.calls["editmessagetext"], end.calls["answercallbackquery"])
	fmt.Printf("  engine: %d numbers, %d rented, %d wallets; last start drained in %.1f s; SIGTERM: %s\n",
		tot.Numbers, tot.Rented, tot.Wallets, end.drain.Seconds(), tgStopText(end.termErr))
	if checkErr != nil {
		fmt.Println("  INVARIANTS:", checkErr)
	} else {
		fmt.Printf("  invariants: %v (the engine's checks, and every change answered as done is there)\n", inv)
	}
	for _, n := range append(append(t.lostNotes, sc.notes...), t.twiceNotes...) {
		fmt.Println("  ", n)
	}
	return map[string]any{"mode": "tgcrash", "cycles": f.cycles, "users": cfg.users, "admins": cfg.admins,
		"numbers": cfg.numbers, "fsync": f.fsync, "updates": t.updates, "answered": t.answered, "lost": t.lost,
		"lost_confirmed": t.lostConfirmed, "applied_twice": sc.twice, "invariants_ok": inv,
		"answers_twice": t.answersTwice, "redelivered": t.redelivered, "redelivered_answered": t.redeliveredAnswered,
		"in_flight_at_kills": t.inFlight, "stray_answers": t.stray, "markers_odd": t.odd,
		"adjusts": sc.adjusts, "extends": sc.extends, "adds": sc.adds, "pays": sc.pays, "paid": sc.paid,
		"twice_adjust": sc.adjustTwice, "twice_extend": sc.extendTwice, "twice_purchase": sc.payTwice,
		"twice_days": sc.daysTwice, "twice_add_number": sc.addTwice, "acked_missing": sc.ackedMissing,
		"audit_missing": sc.auditMissing, "unattributed": sc.unattributed, "stopped_cleanly": end.termErr == nil,
		"p50_ms": round(t.lat.quantile(0.5)), "p99_ms": round(t.lat.quantile(0.99)),
		"max_answer_s": round(t.lat.max.Seconds()), "confirm_p99_ms": round(t.lag.quantile(0.99)), "seconds": round(end.elapsed.Seconds())}
}

func tgStopText(err error) string {
	if err == nil {
		return "stopped cleanly"
	}
	return "NOT CLEAN: " + err.Error()
}
