package main

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// breakerConfig is the circuit breaker's settings under the shop seed's
// names. Zero fields are the adapter's defaults.
type breakerConfig struct {
	Failures int           // CIRCUIT_BREAKER_FAILURE_THRESHOLD: failures in a row that open it
	CoolDown time.Duration // CIRCUIT_BREAKER_TIMEOUT: how long it stays open before one probe
	// Successes is CIRCUIT_BREAKER_SUCCESS_THRESHOLD, the good probes that
	// close it. No breaker in Allot has this knob (each closes on its first
	// good probe), so it is only checked, and a value other than 1 warned of.
	Successes int
}

// loadLimits reads the per-person rate limits and the circuit breaker
// under the shop seed's names (RATE_LIMIT_*, CIRCUIT_BREAKER_*) into
// c.Limits and c.Breaker, and hands the breaker to the Sheets client's
// settings. Each error names its variable.
func (c *config) loadLimits(getenv func(string) string) []error {
	var errs []error
	bad := func(name string, err error) { errs = append(errs, fmt.Errorf("%s: %w", name, err)) }
	rate := func(name string, to *float64, unit string) {
		if v := strings.TrimSpace(getenv(name)); v != "" {
			r, err := parseRate(v, unit)
			if err != nil {
				bad(name, err)
			}
			*to = r
		}
	}
	rate("RATE_LIMIT_USER_MESSAGES", &c.Limits.MessagesPerMin, "a minute")
	rate("RATE_LIMIT_USER_OPERATIONS", &c.Limits.OperationsPerMin, "a minute")
	rate("RATE_LIMIT_USER_PAYMENTS", &c.Limits.PaymentsPerMin, "a minute")
	rate("RATE_LIMIT_GLOBAL_MESSAGES", &c.Limits.GlobalPerSec, "a second")
	if v := strings.TrimSpace(getenv("RATE_LIMIT_PREMIUM_MULTIPLIER")); v != "" {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || !(f >= 1 && f <= 100) {
			bad("RATE_LIMIT_PREMIUM_MULTIPLIER", fmt.Errorf("want a number from 1 to 100, got %q", v))
		}
		c.Limits.PremiumFactor = f
	}
	errs = append(errs, c.loadBreaker(getenv)...)
	return errs
}

// maxRate bounds a rate limit: beyond it a limit is a typo, not a limit.
const maxRate = 1_000_000

// parseRate reads a rate limit: a positive number, or "off" (a negative
// rate, which switches the limit off in telegram.LimitOptions).
func parseRate(v, unit string) (float64, error) {
	if strings.EqualFold(v, "off") {
		return -1, nil
	}
	r, err := strconv.ParseFloat(v, 64)
	if err != nil || !(r > 0 && r <= maxRate) {
		return 0, fmt.Errorf("want how many %s, more than 0 and at most %d, or off; got %q", unit, maxRate, v)
	}
	return r, nil
}

// loadBreaker reads CIRCUIT_BREAKER_* into c.Breaker and, when the stock
// is in Google Sheets, into the Sheets client's settings.
func (c *config) loadBreaker(getenv func(string) string) []error {
	var errs []error
	bad := func(name string, err error) { errs = append(errs, fmt.Errorf("%s: %w", name, err)) }
	count := func(name string, to *int, most int) {
		if v := strings.TrimSpace(getenv(name)); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > most {
				bad(name, fmt.Errorf("want a whole number from 1 to %d, got %q", most, v))
			}
			*to = n
		}
	}
	count("CIRCUIT_BREAKER_FAILURE_THRESHOLD", &c.Breaker.Failures, 1000)
	count("CIRCUIT_BREAKER_SUCCESS_THRESHOLD", &c.Breaker.Successes, 100)
	if v := strings.TrimSpace(getenv("CIRCUIT_BREAKER_TIMEOUT")); v != "" {
		d, err := parseCoolDown(v)
		if err != nil {
			bad("CIRCUIT_BREAKER_TIMEOUT", err)
		}
		c.Breaker.CoolDown = d
	}
	if c.Breaker.Successes > 1 {
		c.Warnings = append(c.Warnings, fmt.Sprintf("CIRCUIT_BREAKER_SUCCESS_THRESHOLD=%d is not applied: "+
			"the Sheets breaker closes on its first good probe", c.Breaker.Successes))
	}
	if c.Sheets.Enabled {
		c.Sheets.BreakerFailures, c.Sheets.BreakerCoolDown = c.Breaker.Failures, c.Breaker.CoolDown
	}
	return errs
}

// parseCoolDown reads a duration from 1s to 1h: "30s", or a bare number
// of seconds as the seed wrote it ("60").
func parseCoolDown(v string) (time.Duration, error) {
	d, err := time.ParseDuration(v)
	if n, nerr := strconv.ParseFloat(v, 64); nerr == nil {
		d, err = 0, nil // seconds; out of range stays 0, refused below
		if n >= 1 && n <= 3600 {
			d = time.Duration(n * float64(time.Second))
		}
	}
	if err != nil || d < time.Second || d > time.Hour {
		return 0, errors.New("want a duration from 1s to 1h, such as 30s, or seconds, such as 60; got " + strconv.Quote(v))
	}
	return d, nil
}
