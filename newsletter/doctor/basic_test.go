package doctor

import (
	"context"
	"errors"
	"testing"
)

func TestBaseURL(t *testing.T) {
	for _, tc := range []struct {
		url     string
		sending bool
		level   Level
		msg     string
	}{
		{"https://letters.example.org", true, OK, "point at https://letters.example.org"},
		{"https://letters.example.org/", false, OK, "point at"},
		{"http://letters.example.org", true, Fail, "without https: Gmail's one-click unsubscribe needs https"},
		{"http://letters.example.org", false, Fail, "without https"},
		{"http://localhost:8080", false, Warn, "(dev)"},
		{"http://127.0.0.1:8080", false, Warn, "(dev)"},
		{"http://[::1]:8080", false, Warn, "(dev)"},
		{"http://localhost:8080", true, Fail, "links to their own computer"},
		{"", false, Fail, "not an http(s) address"},
		{"letters.example.org", true, Fail, "not an http(s) address"},
		{"ftp://letters.example.org", true, Fail, "not an http(s) address"},
	} {
		r := checkBaseURL(tc.url, tc.sending)
		if r.Level != tc.level {
			t.Errorf("%q (sending %v): got %s %q, want %s", tc.url, tc.sending, r.Level, r.Message, tc.level)
		}
		want(t, r, tc.level, tc.msg)
	}
}

func TestHTTPBaseURLFailsInRun(t *testing.T) {
	k := rsaKey()
	c := goodConfig("", writeKey(t, k, false))
	c.BaseURL = "http://letters.example.org"
	r := only(t, runWith(t, c, goodZone(t, k)...), CheckBaseURL)
	want(t, r, Fail, "without https", "https://letters.example.org")
}

func TestPostalAddress(t *testing.T) {
	want(t, checkPostalAddress("  "), Warn, "POSTAL_ADDRESS is empty", "P.O. box")
	r := checkPostalAddress("PO Box 1, Springfield")
	want(t, r, OK, "is set")
	if r.Message != "POSTAL_ADDRESS is set; it is printed in every footer" {
		t.Errorf("message %q", r.Message)
	}
}

func TestRedisPersistence(t *testing.T) {
	fixed := func(p RedisPersistence, err error) func(context.Context) (RedisPersistence, error) {
		return func(context.Context) (RedisPersistence, error) { return p, err }
	}
	ctx := context.Background()
	want(t, checkRedis(ctx, fixed(RedisPersistence{AppendOnly: true, AppendFsync: "everysec"}, nil), true), OK, "appendfsync everysec")
	want(t, checkRedis(ctx, fixed(RedisPersistence{AppendOnly: true, AppendFsync: "always"}, nil), true), OK, "append-only file")
	want(t, checkRedis(ctx, fixed(RedisPersistence{AppendOnly: true, AppendFsync: "no"}, nil), true), Warn, "appendfsync no", "appendfsync everysec")
	want(t, checkRedis(ctx, fixed(RedisPersistence{RDBSaves: true}, nil), true), Warn, "only takes snapshots", "appendonly yes", "appendfsync everysec")
	want(t, checkRedis(ctx, fixed(RedisPersistence{}, nil), true), Fail, "keeps nothing on disk", "appendonly yes", "appendfsync everysec")
	want(t, checkRedis(ctx, fixed(RedisPersistence{}, errors.New("ERR unknown command 'CONFIG'")), true), Warn, "cannot tell how Redis keeps its data: ERR unknown command", "AOF")
	want(t, checkRedis(ctx, nil, false), Warn, "embedded in-memory Redis keeps nothing", "REDIS_URL")
	want(t, checkRedis(ctx, nil, true), Fail, "every unsubscribe, is gone", "REDIS_URL")
}

func TestPersistenceFromConfig(t *testing.T) {
	for _, tc := range []struct {
		m    map[string]string
		want RedisPersistence
	}{
		{map[string]string{"appendonly": "yes", "appendfsync": "everysec", "save": "3600 1 300 100 60 10000"}, RedisPersistence{true, "everysec", true}},
		{map[string]string{"appendonly": "no", "appendfsync": "everysec", "save": ""}, RedisPersistence{false, "everysec", false}},
		{map[string]string{}, RedisPersistence{}},
	} {
		if got := PersistenceFromConfig(tc.m); got != tc.want {
			t.Errorf("PersistenceFromConfig(%v) = %+v, want %+v", tc.m, got, tc.want)
		}
	}
}

func TestPersistenceOffInRun(t *testing.T) {
	k := rsaKey()
	c := goodConfig("", writeKey(t, k, false))
	c.Persistence = func(context.Context) (RedisPersistence, error) {
		return PersistenceFromConfig(map[string]string{"appendonly": "no", "save": ""}), nil
	}
	c.PostalAddress = ""
	rs := runWith(t, c, goodZone(t, k)...)
	want(t, only(t, rs, CheckRedis), Fail, "keeps nothing on disk")
	want(t, only(t, rs, CheckPostalAddress), Warn, "empty")
}
