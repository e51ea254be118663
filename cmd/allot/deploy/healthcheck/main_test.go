package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func TestTarget(t *testing.T) {
	tests := []struct{ addr, want string }{
		{"", "http://127.0.0.1:8080/healthz"},
		{"0.0.0.0:8080", "http://127.0.0.1:8080/healthz"},
		{":9000", "http://127.0.0.1:9000/healthz"},
		{"[::]:8080", "http://[::1]:8080/healthz"},
		{"127.0.0.1:8081", "http://127.0.0.1:8081/healthz"},
		{"allot:8080", "http://allot:8080/healthz"},
		{"http://10.0.0.5:8080/readyz", "http://10.0.0.5:8080/readyz"},
	}
	for _, tt := range tests {
		t.Run(tt.addr, func(t *testing.T) {
			if got := target(tt.addr); got != tt.want {
				t.Errorf("target(%q) = %q, want %q", tt.addr, got, tt.want)
			}
		})
	}
}

func TestProbe(t *testing.T) {
	status := http.StatusOK
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/healthz" {
			http.NotFound(w, r)
			return
		}
		w.WriteHeader(status)
	}))
	defer srv.Close()
	ctx := context.Background()
	url := target(srv.Listener.Addr().String())
	if err := probe(ctx, url, time.Second); err != nil {
		t.Errorf("healthy server: %v", err)
	}
	status = http.StatusServiceUnavailable
	if err := probe(ctx, url, time.Second); err == nil {
		t.Errorf("a 503 passed")
	}
	srv.Close()
	if err := probe(ctx, url, time.Second); err == nil {
		t.Errorf("a closed server passed")
	}
}
