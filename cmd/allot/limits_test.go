package main

import (
	"strings"
	"testing"
	"time"

	"allot/adapters/telegram"
)

func TestLoadConfig_RateLimits(t *testing.T) {
	c, err := loadConfig(envOf(map[string]string{"RATE_LIMIT_USER_MESSAGES": "60", "RATE_LIMIT_USER_OPERATIONS": "10",
		"RATE_LIMIT_USER_PAYMENTS": "2.5", "RATE_LIMIT_GLOBAL_MESSAGES": "off", "RATE_LIMIT_PREMIUM_MULTIPLIER": "1.5"}))
	if err != nil {
		t.Fatal(err)
	}
	want := telegram.LimitOptions{MessagesPerMin: 60, OperationsPerMin: 10, PaymentsPerMin: 2.5, GlobalPerSec: -1,
		PremiumFactor: 1.5}
	if c.Limits != want {
		t.Errorf("limits = %+v, want %+v", c.Limits, want)
	}
}

func TestLoadConfig_Breaker(t *testing.T) {
	tests := []struct {
		timeout string
		want    time.Duration
	}{{"60", time.Minute}, {"90s", 90 * time.Second}, {"1.5", 1500 * time.Millisecond}, {"1h", time.Hour}}
	for _, tt := range tests {
		t.Run(tt.timeout, func(t *testing.T) {
			c, err := loadConfig(envOf(map[string]string{"KINDS_FILE": testKindsFile, "SHEETS_ENDPOINT": "http://127.0.0.1:1",
				"CIRCUIT_BREAKER_FAILURE_THRESHOLD": "3", "CIRCUIT_BREAKER_TIMEOUT": tt.timeout,
				"CIRCUIT_BREAKER_SUCCESS_THRESHOLD": "1"}))
			if err != nil {
				t.Fatal(err)
			}
			if c.Breaker != (breakerConfig{Failures: 3, CoolDown: tt.want, Successes: 1}) {
				t.Errorf("breaker = %+v", c.Breaker)
			}
			if c.Sheets.BreakerFailures != 3 || c.Sheets.BreakerCoolDown != tt.want {
				t.Errorf("the Sheets client's breaker = %d, %v", c.Sheets.BreakerFailures, c.Sheets.BreakerCoolDown)
			}
			if len(c.Warnings) != 0 {
				t.Errorf("warnings = %q", c.Warnings)
			}
		})
	}
}

// TestLoadConfig_BreakerSuccessesNotApplied: no breaker here has the knob,
// so a seed's 3 is said at start rather than silently ignored.
func TestLoadConfig_BreakerSuccessesNotApplied(t *testing.T) {
	c, err := loadConfig(envOf(map[string]string{"CIRCUIT_BREAKER_SUCCESS_THRESHOLD": "3"}))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Warnings) != 1 || !strings.Contains(c.Warnings[0], "CIRCUIT_BREAKER_SUCCESS_THRESHOLD=3 is not applied") {
		t.Errorf("warnings = %q", c.Warnings)
	}
}

func TestLoadConfig_LimitErrorsNameTheVariable(t *testing.T) {
	tests := []struct{ key, value string }{
		{"RATE_LIMIT_USER_MESSAGES", "0"},
		{"RATE_LIMIT_USER_MESSAGES", "-30"},
		{"RATE_LIMIT_USER_OPERATIONS", "twenty"},
		{"RATE_LIMIT_USER_PAYMENTS", "NaN"},
		{"RATE_LIMIT_GLOBAL_MESSAGES", "1e12"},
		{"RATE_LIMIT_PREMIUM_MULTIPLIER", "0.5"},
		{"RATE_LIMIT_PREMIUM_MULTIPLIER", "off"},
		{"CIRCUIT_BREAKER_FAILURE_THRESHOLD", "0"},
		{"CIRCUIT_BREAKER_FAILURE_THRESHOLD", "5.5"},
		{"CIRCUIT_BREAKER_SUCCESS_THRESHOLD", "many"},
		{"CIRCUIT_BREAKER_TIMEOUT", "0"},
		{"CIRCUIT_BREAKER_TIMEOUT", "2h"},
		{"CIRCUIT_BREAKER_TIMEOUT", "1e300"},
		{"CIRCUIT_BREAKER_TIMEOUT", "soon"},
	}
	for _, tt := range tests {
		t.Run(tt.key+"="+tt.value, func(t *testing.T) {
			_, err := loadConfig(envOf(map[string]string{tt.key: tt.value}))
			if err == nil || !strings.HasPrefix(err.Error(), tt.key+": ") || !strings.Contains(err.Error(), tt.value) {
				t.Fatalf("err = %v, want one naming %s and quoting %q", err, tt.key, tt.value)
			}
		})
	}
}
