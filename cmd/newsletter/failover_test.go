package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/satina/newsletter/internal/redistest"
	"github.com/satina/newsletter/internal/smtptest"
)

// TestSentinelFailoverSignups runs `newsletter serve` on a real Sentinel
// setup (a master, a replica, three sentinels) while readers sign up
// without pause, and fails the master over: every answer is 202 or 503
// (never a 500), signups are answered 202 again within seconds of the new
// master, and every signup answered 202 is there afterwards.
func TestSentinelFailoverSignups(t *testing.T) {
	set := redistest.Sentinel(t)
	failoverSignups(t, "redis+sentinel://"+strings.Join(set.Addrs, ",")+"/"+set.MasterName+"/0?dial_timeout=1s&read_timeout=1s&write_timeout=1s",
		set.Failover)
}

// TestClusterFailoverSignups is the same on a real three-master cluster
// with a replica each, the master of the first third of the slots failed
// over to its replica.
func TestClusterFailoverSignups(t *testing.T) {
	set := redistest.Cluster(t, redistest.ClusterReplicas())
	failoverSignups(t, "redis+cluster://"+set.Addrs[0]+"?dial_timeout=1s&read_timeout=1s&write_timeout=1s",
		func() string { return set.Failover(t, set.Addrs[0]) })
}

// failoverSignups signs readers up without pause through `newsletter
// serve` on redisURL while failover runs, and checks the answers.
func failoverSignups(t *testing.T, redisURL string, failover func() string) {
	smtp := smtptest.Start(t)
	s := newService(t, map[string]string{"REDIS_URL": redisURL, "REDIS_PREFIX": "nl:", "SMTP_URL": smtp.URL()})
	var (
		mu       sync.Mutex
		codes    = map[int]int{}
		accepted []string
		lastOK   time.Time
	)
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		client := &http.Client{Timeout: 10 * time.Second}
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			email := fmt.Sprintf("fo%d@failover.example.org", i)
			body, _ := json.Marshal(map[string]any{"email": email, "consent": true})
			res, err := client.Post(s.base+"/subscribe", "application/json", bytes.NewReader(body))
			mu.Lock()
			if err != nil {
				codes[-1]++
			} else {
				res.Body.Close()
				codes[res.StatusCode]++
				if res.StatusCode == http.StatusAccepted {
					accepted = append(accepted, email)
					lastOK = time.Now()
				}
			}
			mu.Unlock()
			time.Sleep(5 * time.Millisecond)
		}
	}()
	time.Sleep(500 * time.Millisecond)
	began := time.Now()
	newMaster := failover()
	promoted := time.Now()
	t.Logf("failover to %s took %v", newMaster, promoted.Sub(began).Round(time.Millisecond))
	recovered := waitUntil(20*time.Second, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return lastOK.After(promoted.Add(100 * time.Millisecond))
	})
	time.Sleep(300 * time.Millisecond)
	close(stop)
	<-done

	mu.Lock()
	defer mu.Unlock()
	t.Logf("answers during the run: %v (-1: no answer)", codes)
	if !recovered {
		t.Fatalf("no signup answered 202 within 20 s of the new master; answers %v", codes)
	}
	for code, n := range codes {
		if code != http.StatusAccepted && code != http.StatusServiceUnavailable && code != http.StatusTooManyRequests {
			t.Errorf("%d answers with status %d during the failover, want only 202 or 503", n, code)
		}
	}
	for _, email := range accepted {
		var got map[string]any
		if st := s.admin("GET", "/admin/api/subscribers/"+url.PathEscape(email), nil, &got); st != http.StatusOK {
			t.Errorf("signup of %s was answered 202 but after the failover the subscriber reads %d", email, st)
		}
	}
	if len(accepted) < 20 {
		t.Errorf("only %d signups accepted in all; the test proves little", len(accepted))
	}
}
