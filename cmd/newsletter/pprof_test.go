package main

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/satina/newsletter/internal/config"
)

func TestPprofAddrIsLoopbackOnly(t *testing.T) {
	for addr, ok := range map[string]bool{
		"": true, "127.0.0.1:6060": true, "[::1]:6060": true, "localhost:6060": true,
		":6060": false, "0.0.0.0:6060": false, "192.0.2.1:6060": false, "example.org:6060": false, "127.0.0.1": false,
	} {
		if err := config.CheckPprofAddr(addr); (err == nil) != ok {
			t.Errorf("config.CheckPprofAddr(%q) = %v, want ok=%v", addr, err, ok)
		}
	}
}

// The profiler answers on its loopback port and stops with its context.
func TestServePprof(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() { servePprof(ctx, addr, slog.New(slog.NewTextHandler(io.Discard, nil))); close(done) }()
	var body string
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		res, err := http.Get("http://" + addr + "/debug/pprof/")
		if err != nil {
			continue
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode == http.StatusOK {
			body = string(b)
			break
		}
	}
	if !strings.Contains(body, "goroutine") {
		t.Fatalf("/debug/pprof/ answered %q", body)
	}
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("the profiler did not stop with its context")
	}
}
