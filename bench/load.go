package main

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"net/http"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// ipSeq hands out client addresses for X-Forwarded-For across the whole
// run, so that no address is used more often than perIP times.
var ipSeq atomic.Uint32

// perIP is how many signups one client address makes: below the
// service's default SIGNUP_LIMIT of 20, so the limit is checked on every
// request and never reached.
const perIP = 10

// loadSpec is one bounded signup load: Requests POSTs (after Warmup more)
// over Conns keep-alive connections, each with a new address.
type loadSpec struct {
	URL      string // http://127.0.0.1:port
	Conns    int
	Requests int
	Warmup   int
	Tag      string        // makes the addresses unique to this load
	MaxTime  time.Duration // stop early after this long (a safety bound)
	// Rate, when above 0, paces the measured requests: request i is due
	// at start+i/Rate (an open loop), and its latency counts from when it
	// was due, so that a server falling behind shows in the latency
	// rather than slowing the load down. 0: a closed loop, each
	// connection sending its next request as soon as the last returned.
	Rate float64
}

type loadResult struct {
	N       int // measured requests
	Errors  int // transport errors and non-202 answers
	Codes   map[int]int
	Elapsed time.Duration
	lat     []time.Duration // sorted
}

func (r loadResult) RPS() float64 { return float64(r.N) / r.Elapsed.Seconds() }

func (r loadResult) P(q float64) time.Duration { return quantile(r.lat, q) }

// quantile is the nearest-rank q-quantile of sorted durations.
func quantile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(q*float64(len(sorted)))) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

func newClient(conns int) *http.Client {
	return &http.Client{
		Timeout: 30 * time.Second,
		Transport: &http.Transport{
			MaxIdleConns: conns, MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns,
			DisableCompression: true, IdleConnTimeout: time.Minute,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

func clientIP() string {
	n := ipSeq.Add(1) / perIP
	return fmt.Sprintf("10.%d.%d.%d", byte(n>>16), byte(n>>8), byte(n))
}

// signupBody is one JSON signup for address i of tag.
func signupBody(tag string, i int) []byte {
	return fmt.Appendf(nil, `{"email":"%s-%d@example.org","name":"Reader %d","consent":true,"tz":"Europe/Berlin"}`, tag, i, i)
}

// postSignup sends one signup and returns the status code.
func postSignup(c *http.Client, url string, body []byte) (int, error) {
	req, err := http.NewRequest(http.MethodPost, url+"/subscribe", bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Forwarded-For", clientIP())
	res, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode, nil
}

// runLoad runs spec and measures the requests after the warm-up.
func runLoad(spec loadSpec) loadResult {
	if spec.MaxTime == 0 {
		spec.MaxTime = 3 * time.Minute
	}
	c := newClient(spec.Conns)
	defer c.CloseIdleConnections()
	total := spec.Warmup + spec.Requests
	var next atomic.Int64
	var mu sync.Mutex
	res := loadResult{Codes: map[int]int{}}
	lat := make([]time.Duration, 0, spec.Requests)
	var measuredStart atomic.Int64 // unix ns when the first measured request started
	deadline := time.Now().Add(spec.MaxTime)
	var pacedStart time.Time // set when the warm-up is over
	var wg sync.WaitGroup
	for w := 0; w < spec.Conns; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			codes := map[int]int{}
			errs := 0
			for {
				i := int(next.Add(1)) - 1
				if i >= total || time.Now().After(deadline) {
					break
				}
				measured := i >= spec.Warmup
				t0 := time.Now()
				if measured && spec.Rate > 0 {
					due := paceStart(&pacedStart, &mu).Add(time.Duration(float64(i-spec.Warmup) / spec.Rate * float64(time.Second)))
					if wait := time.Until(due); wait > 0 {
						time.Sleep(wait)
					}
					t0 = due
				}
				if measured {
					measuredStart.CompareAndSwap(0, t0.UnixNano())
				}
				code, err := postSignup(c, spec.URL, signupBody(spec.Tag, i))
				d := time.Since(t0)
				if !measured {
					continue
				}
				if err != nil || code != http.StatusAccepted {
					errs++
				}
				codes[code]++
				mine = append(mine, d)
			}
			mu.Lock()
			lat = append(lat, mine...)
			for k, v := range codes {
				res.Codes[k] += v
			}
			res.Errors += errs
			mu.Unlock()
		}()
	}
	wg.Wait()
	res.Elapsed = time.Since(time.Unix(0, measuredStart.Load()))
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	res.lat, res.N = lat, len(lat)
	return res
}

// paceStart returns the start of a paced load, fixing it at the first call.
func paceStart(start *time.Time, mu *sync.Mutex) time.Time {
	mu.Lock()
	defer mu.Unlock()
	if start.IsZero() {
		*start = time.Now()
	}
	return *start
}
