package main

import (
	"testing"
	"time"

	"allot/domain"
)

func TestGapSince(t *testing.T) {
	t0 := time.Date(2026, 11, 1, 12, 0, 0, 0, time.FixedZone("x", 3600))
	if got := gapSince(domain.ChainGap{From: t0, To: t0.Add(time.Hour)}); got != "2026-11-01T11:00:00Z" {
		t.Errorf("gapSince = %s, want the cursor's last move in UTC", got)
	}
	if got := gapSince(domain.ChainGap{To: t0}); got != "2026-11-01T11:00:00Z" {
		t.Errorf("gapSince of an unknown start = %s, want the first transaction after the gap", got)
	}
}
