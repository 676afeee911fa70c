package zzexp

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/satina/newsletter/newsletter"
	"github.com/satina/newsletter/newsletter/redisstore"
)

func stat(rdb *redis.Client, cmd string) (calls, usec float64) {
	s := rdb.Info(context.Background(), "commandstats").Val()
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(l, "cmdstat_"+cmd+":") {
			fmt.Sscanf(strings.SplitN(l, ":", 2)[1], "calls=%f,usec=%f", &calls, &usec)
		}
	}
	return
}

func TestCreateCost(t *testing.T) {
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6390"})
	ctx := context.Background()
	s := redisstore.New(rdb, "x"+os.Getenv("TAG")+":")
	c0, u0 := stat(rdb, "evalsha")
	now := time.Now()
	for i := 0; i < 20000; i++ {
		n := newsletter.NewSubscriber{Email: fmt.Sprintf("reader%d@example.org", i), Name: "Reader", Sequence: "guide", TZ: "Europe/Berlin",
			Status: newsletter.StatusPending, At: now, Limit: newsletter.Limit{Key: fmt.Sprintf("signup:10.0.%d.%d", i/2560, i%256), Max: 20, Window: time.Hour},
			Consent: newsletter.Consent{Text: "x", Version: "1-abc", Source: "api", IP: "10.0.0.0/24", GivenAt: now}}
		if _, _, err := s.CreateSubscriber(ctx, n, time.Time{}); err != nil {
			t.Fatal(err)
		}
	}
	c1, u1 := stat(rdb, "evalsha")
	fmt.Printf("evalsha: %.1f µs per call over %.0f calls\n", (u1-u0)/(c1-c0), c1-c0)
}
