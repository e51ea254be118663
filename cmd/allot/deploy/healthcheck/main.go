// Command healthcheck asks a running allot for /healthz and exits 0 when
// it answers 200 OK, 1 otherwise. It is the container image's HEALTHCHECK:
// the image has no curl, and a static helper is smaller than one.
//
//	healthcheck [ADDR | URL]
//
// Without an argument it asks HTTP_ADDR (default 127.0.0.1:8080), the
// address allot listens on; a wildcard host (0.0.0.0, ::) is asked on
// loopback.
package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"time"
)

func main() {
	arg := os.Getenv("HTTP_ADDR")
	if len(os.Args) > 1 {
		arg = os.Args[1]
	}
	if err := probe(context.Background(), target(arg), 3*time.Second); err != nil {
		fmt.Fprintln(os.Stderr, "healthcheck:", err)
		os.Exit(1)
	}
}

// target is the /healthz URL of a server listening on addr; a URL is
// taken as it is.
func target(addr string) string {
	if strings.Contains(addr, "://") {
		return addr
	}
	if addr == "" {
		addr = "127.0.0.1:8080"
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "http://" + addr + "/healthz"
	}
	switch ip := net.ParseIP(host); {
	case host == "" || ip != nil && ip.IsUnspecified() && ip.To4() != nil:
		host = "127.0.0.1"
	case ip != nil && ip.IsUnspecified():
		host = "::1"
	}
	return "http://" + net.JoinHostPort(host, port) + "/healthz"
}

// probe GETs url within timeout, never through a proxy, and wants 200.
func probe(ctx context.Context, url string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	client := &http.Client{Transport: &http.Transport{Proxy: nil}}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<10))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s", url, resp.Status)
	}
	return nil
}
