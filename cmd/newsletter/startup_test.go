package main

import (
	"strings"
	"testing"

	"github.com/satina/newsletter/internal/testkit"
)

// TestStartRefusesWeakSecrets: the service does not start with a guessable
// ADMIN_TOKEN, nor on a real Redis without SECRET_KEY (links must outlive a
// lost Redis); each message names the variable and how to fix it.
func TestStartRefusesWeakSecrets(t *testing.T) {
	redisURL := "redis://" + testkit.RedisAddr() + "/0"
	cases := []struct {
		name string
		vars map[string]string
		want []string
	}{
		{"short admin token", map[string]string{"ADMIN_TOKEN": "only-twenty-three-chars"},
			[]string{"ADMIN_TOKEN", "at least 24", "openssl rand"}},
		{"real Redis without SECRET_KEY", map[string]string{"REDIS_URL": redisURL, "SECRET_KEY": ""},
			[]string{"SECRET_KEY", "required with REDIS_URL", "openssl rand -hex 32"}},
		{"short SECRET_KEY", map[string]string{"REDIS_URL": redisURL, "SECRET_KEY": "too-short"},
			[]string{"SECRET_KEY", "at least 32"}},
	}
	for _, c := range cases {
		vars := map[string]string{"ADDR": "127.0.0.1:0"}
		for k, v := range c.vars {
			vars[k] = v
		}
		code, _, stderr := runBinary(t, vars, "serve")
		if code == 0 {
			t.Errorf("%s: the service started", c.name)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(stderr, w) {
				t.Errorf("%s: stderr %q does not say %q", c.name, stderr, w)
			}
		}
	}
}
