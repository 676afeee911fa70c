package redisstore

import (
	"context"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// Guesses of the admin token (the admin API's bearer, the desk's sign-in)
// are counted per client (an IPv4 address, an IPv6 /64: the caller's
// key) so that every process on the same Redis shares the count:
//
//	guess:<client>     zset    failures in the last window (ms)
//	guesslock:<client> string  ms until which the client is locked out
//
// Nothing else about the client is kept, and both keys expire on their own.

var scriptGuess = loadScript("guess")

// GuessLockout returns how much longer client is locked out at now (0
// when it is not): one GET.
func (s *Store) GuessLockout(ctx context.Context, client string, now time.Time) (time.Duration, error) {
	v, err := s.rdb.Get(ctx, s.key("guesslock", client)).Result()
	if err == redis.Nil {
		return 0, nil
	}
	if err != nil {
		return 0, wrap("check guess lock-out", err)
	}
	until, _ := strconv.ParseInt(v, 10, 64)
	if left := time.Duration(until-now.UnixMilli()) * time.Millisecond; left > 0 {
		return left, nil
	}
	return 0, nil
}

// GuessFailed records a failed guess of client at now and returns how long
// the client is now locked out for: lockout once it has made max failures
// within window, else 0.
func (s *Store) GuessFailed(ctx context.Context, client string, now time.Time, max int, window, lockout time.Duration) (time.Duration, error) {
	keys := []string{s.key("guess", client), s.key("guesslock", client)}
	ms, err := scriptGuess.Run(ctx, s.rdb, keys, now.UnixMilli(), window.Milliseconds(), max,
		lockout.Milliseconds(), strconv.FormatInt(now.UnixNano(), 36)+newID()).Int64()
	if err != nil {
		return 0, wrap("count a failed guess", err)
	}
	return time.Duration(ms) * time.Millisecond, nil
}
