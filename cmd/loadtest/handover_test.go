package main

import (
	"testing"
	"time"

	"allot/domain"
)

func TestVclock_At(t *testing.T) {
	base := time.Unix(1_800_000_000, 250)
	c := vclock{base: base}
	if got := c.at(base); !got.Equal(base) {
		t.Fatalf("at(base) = %v, want %v", got, base)
	}
	if got, want := c.at(base.Add(1500*time.Millisecond)), base.Add(1500*time.Millisecond*handoverSpeed); !got.Equal(want) {
		t.Fatalf("at(base+1.5s) = %v, want %v", got, want)
	}
	// An hour of real time is centuries of the clock's: no Duration overflow.
	if got := c.at(base.Add(time.Hour)); got.Year() < 2400 {
		t.Fatalf("at(base+1h) = %v, want centuries later", got)
	}
	for d := time.Duration(0); d < 3*time.Second; d += 333_333_333 {
		if a, b := c.at(base.Add(d)), c.at(base.Add(d+1)); !a.Before(b) {
			t.Fatalf("not increasing at %v: %v then %v", d, a, b)
		}
	}
}

func TestHandoverWindows(t *testing.T) {
	day := func(d int) time.Time { return time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, d) }
	tests := []struct {
		name     string
		n        domain.Number
		expiries []time.Time
		want     []window
	}{
		{"rented, never lost", domain.Number{History: []domain.Holding{{User: 1, From: day(0), Until: day(30), How: "rented"}}}, nil, nil},
		{"cancelled then rented", domain.Number{History: []domain.Holding{
			{User: 1, From: day(0), To: day(5), Until: day(30), How: "rented"},
			{User: 1, From: day(5), To: day(5), How: "cancelled"},
			{User: 2, From: day(6), Until: day(36), How: "rented"},
		}}, nil, []window{{from: day(5), next: day(6)}}},
		{"transferred, expired, reclaimed, rented", domain.Number{History: []domain.Holding{
			{User: 1, From: day(0), To: day(3), Until: day(30), How: "rented"},
			{User: 2, From: day(3), To: day(31), Until: day(30), How: "transferred"},
			{From: day(31), To: day(31), How: "reclaimed"},
			{User: 3, From: day(32), Until: day(62), How: "rented"},
		}}, []time.Time{day(30).Add(time.Hour)}, []window{{from: day(3), next: day(32)}, {from: day(30).Add(time.Hour), next: day(32)}}},
		{"expired and not reclaimed, no expiry seen", domain.Number{
			Rental:  &domain.Rental{Renter: 1, Since: day(0), Until: day(30), Expired: true},
			History: []domain.Holding{{User: 1, From: day(0), Until: day(30), How: "rented"}},
		}, nil, []window{{from: day(30)}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := handoverWindows(&tt.n, tt.expiries)
			if len(got) != len(tt.want) {
				t.Fatalf("got %d windows %v, want %v", len(got), got, tt.want)
			}
			for i := range got {
				if !got[i].from.Equal(tt.want[i].from) || !got[i].next.Equal(tt.want[i].next) {
					t.Errorf("window %d = %v, want %v", i, got[i], tt.want[i])
				}
			}
		})
	}
}

func TestJudge(t *testing.T) {
	at := func(s int) time.Time { return time.Unix(int64(s), 0) }
	tests := []struct {
		name               string
		ws                 []window
		ends               []termination
		wcompleted, wearly int
	}{
		{"clean", []window{{from: at(10), next: at(20)}}, []termination{{at(11), at(12)}}, 1, 0},
		{"ended after the next rental", []window{{from: at(10), next: at(20)}}, []termination{{at(15), at(21)}}, 1, 1},
		{"only an ending from before the loss", []window{{from: at(10), next: at(20)}}, []termination{{at(9), at(11)}}, 0, 1},
		{"none, not rented again", []window{{from: at(10)}}, nil, 0, 0},
		{"one ending covers a replaced hand-over", []window{{from: at(10), next: at(30)}, {from: at(12), next: at(30)}},
			[]termination{{at(13), at(14)}}, 2, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, e := judge(tt.ws, tt.ends)
			if c != tt.wcompleted || e != tt.wearly {
				t.Fatalf("judge = %d completed, %d early; want %d, %d", c, e, tt.wcompleted, tt.wearly)
			}
		})
	}
}
