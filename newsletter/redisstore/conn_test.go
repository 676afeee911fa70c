package redisstore

import (
	"crypto/tls"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/satina/newsletter/internal/redistest"
)

// TestParseURL reads every form of REDIS_URL into the options it stands for.
func TestParseURL(t *testing.T) {
	type want struct {
		addrs              []string
		user, pass         string
		sentUser, sentPass string
		db                 int
		master             string
		cluster, tls       bool
		dial, read, write  time.Duration
		pool, retries      int
		clientName         string
	}
	cases := []struct {
		name, url string
		want      want
	}{
		{"plain", "redis://127.0.0.1:6379", want{addrs: []string{"127.0.0.1:6379"}}},
		{"db and credentials", "redis://nl:s3cret@redis.internal:6380/2",
			want{addrs: []string{"redis.internal:6380"}, user: "nl", pass: "s3cret", db: 2}},
		{"password only, default port", "redis://:pw@localhost/", want{addrs: []string{"localhost:6379"}, pass: "pw"}},
		{"percent-decoded credentials", "redis://n%40l:p%40ss%3Aw%2Frd%25+x@h:1/0",
			want{addrs: []string{"h:1"}, user: "n@l", pass: "p@ss:w/rd%+x"}},
		{"raw @ and / in the password", "redis://u:a@b/c@h:1/3", want{addrs: []string{"h:1"}, user: "u", pass: "a@b/c", db: 3}},
		{"IPv6", "redis://[::1]:7000/1", want{addrs: []string{"[::1]:7000"}, db: 1}},
		{"upper-case scheme", "REDIS://h:1", want{addrs: []string{"h:1"}}},
		{"query options", "redis://h:1/0?dial_timeout=2&read_timeout=500ms&write_timeout=1s&pool_size=20&max_retries=-1&client_name=nl%20web",
			want{addrs: []string{"h:1"}, dial: 2 * time.Second, read: 500 * time.Millisecond, write: time.Second,
				pool: 20, retries: -1, clientName: "nl web"}},
		{"rediss", "rediss://u:p@redis.example.org:6380/4",
			want{addrs: []string{"redis.example.org:6380"}, user: "u", pass: "p", db: 4, tls: true}},
		{"sentinel", "redis+sentinel://u:p@s1:26379,s2:26380,s3/mymaster/3",
			want{addrs: []string{"s1:26379", "s2:26380", "s3:26379"}, user: "u", pass: "p", sentUser: "u", sentPass: "p",
				master: "mymaster", db: 3}},
		{"sentinel without db", "redis+sentinel://s1:26379/my%20master", want{addrs: []string{"s1:26379"}, master: "my master"}},
		{"sentinel with its own credentials", "redis+sentinel://u:p@s1:1/m?sentinel_username=watch&sentinel_password=w%2Bx+y",
			want{addrs: []string{"s1:1"}, user: "u", pass: "p", sentUser: "watch", sentPass: "w+x+y", master: "m"}},
		{"sentinel without auth on the sentinels", "redis+sentinel://u:p@s1:1/m?sentinel_password=",
			want{addrs: []string{"s1:1"}, user: "u", pass: "p", master: "m"}},
		{"cluster, one seed", "redis+cluster://u:p@10.0.0.1:7000", want{addrs: []string{"10.0.0.1:7000"}, user: "u", pass: "p", cluster: true}},
		{"cluster, three seeds", "redis+cluster://a:7000,b:7001,c/", want{addrs: []string{"a:7000", "b:7001", "c:6379"}, cluster: true}},
		{"cluster over TLS", "rediss+cluster://:p@a:7000,b:7001", want{addrs: []string{"a:7000", "b:7001"}, pass: "p", cluster: true, tls: true}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o, err := ParseURL(c.url, TLSFiles{})
			if err != nil {
				t.Fatalf("ParseURL(%q): %v", c.url, err)
			}
			got := want{addrs: o.Addrs, user: o.Username, pass: o.Password, sentUser: o.SentinelUsername,
				sentPass: o.SentinelPassword, db: o.DB, master: o.MasterName, cluster: o.IsClusterMode,
				tls: o.TLSConfig != nil, dial: o.DialTimeout, read: o.ReadTimeout, write: o.WriteTimeout,
				pool: o.PoolSize, retries: o.MaxRetries, clientName: o.ClientName}
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("got  %+v\nwant %+v", got, c.want)
			}
			if o.TLSConfig != nil {
				if !strings.HasPrefix(o.Addrs[0], o.TLSConfig.ServerName+":") || o.TLSConfig.MinVersion < tls.VersionTLS12 {
					t.Errorf("TLS ServerName %q MinVersion %x for %s", o.TLSConfig.ServerName, o.TLSConfig.MinVersion, c.url)
				}
			}
		})
	}
}

// TestParseURLRefuses turns bad forms down with a message that names
// REDIS_URL, says what is wrong and never shows the password.
func TestParseURLRefuses(t *testing.T) {
	const pw = "Hunter2pw"
	cases := []struct{ url, says string }{
		{"", "not a URL"},
		{"127.0.0.1:6379", "not a URL"},
		{"http://u:" + pw + "@h:1", `unknown scheme "http"`},
		{"rediss+sentinel://u:" + pw + "@h:1/m", "unknown scheme"},
		{"u:" + pw + "@redis://h:1/0", `unknown scheme "…"`},
		{"redis+sentinel://u:" + pw + "@s1:26379,s2:26379", "name the Sentinel master"},
		{"redis+sentinel://u:" + pw + "@s1:26379/", "name the Sentinel master"},
		{"redis+sentinel://u:" + pw + "@s1:26379/m/x", `database "x"`},
		{"redis+sentinel://u:" + pw + "@s1:26379/m/1/2", "too many parts"},
		{"redis+cluster://u:" + pw + "@a:7000/0", "no databases"},
		{"rediss+cluster://u:" + pw + "@a:7000,b:7001/2", "no databases"},
		{"redis://u:" + pw + "@h:notaport/0", `bad port "notaport"`},
		{"redis://u:" + pw + "@h:0/0", `bad port "0"`},
		{"redis://u:" + pw + "@h:65536/0", `bad port "65536"`},
		{"redis+cluster://u:" + pw + "@a:7000,,b:7001", "empty address"},
		{"redis://u:" + pw + "@/0", "no host"},
		{"redis://u:" + pw + "@::1:6379", "bad address"},
		{"redis://u:" + pw + "@a:1,b:2/0", "takes one host:port"},
		{"redis://u:" + pw + "@h:1/-1", `database "-1"`},
		{"redis://u:" + pw + "@h:1/zero", `database "zero"`},
		{"redis://u:" + pw + "@h:1/0?timeout=3", `unknown option "timeout"`},
		{"redis://u:" + pw + "@h:1/0?skip_verify=true", `unknown option "skip_verify"`},
		{"redis://u:" + pw + "@h:1/0?dial_timeout=soon", "dial_timeout"},
		{"redis://u:" + pw + "@h:1/0?read_timeout=-1s", "read_timeout"},
		{"redis://u:" + pw + "@h:1/0?pool_size=0", "pool_size"},
		{"redis://u:" + pw + "@h:1/0?pool_size=1&pool_size=2", "twice"},
		{"redis://u:" + pw + "@h:1/0?sentinel_password=x", "redis+sentinel:// only"},
		{"redis+sentinel://u:" + pw + "@h:1/m?sentinel_username=w", "needs sentinel_password"},
		{"redis+sentinel://u:p@h:1/m?sentinel_password=" + pw + "&bogus=1", `unknown option "bogus"`},
		{"redis+sentinel://u:p@h:1/m?sentinel_password=" + pw + "%zz", "not valid percent-encoding"},
		{"redis://u:" + pw + "%zz@h:1/0", "password is not valid percent-encoding"},
		{"redis://u:" + pw + "@h:1/0#frag", "fragment"},
	}
	for _, c := range cases {
		_, err := ParseURL(c.url, TLSFiles{})
		if err == nil {
			t.Errorf("ParseURL(%q) = nil error, want one saying %q", c.url, c.says)
			continue
		}
		msg := err.Error()
		if !strings.HasPrefix(msg, "REDIS_URL: ") || !strings.Contains(msg, c.says) {
			t.Errorf("ParseURL(%q) = %q, want REDIS_URL: …%s…", c.url, msg, c.says)
		}
		if strings.Contains(msg, pw) || strings.Contains(msg, "Hunter2") {
			t.Errorf("ParseURL(%q) error shows the password: %q", c.url, msg)
		}
	}
}

// TestParseURLTLSFiles reads REDIS_CA_FILE and the client pair for the TLS
// forms, and refuses them where they would be ignored.
func TestParseURLTLSFiles(t *testing.T) {
	dir := t.TempDir()
	certs := redistest.WriteCerts(t, dir)
	files := TLSFiles{CA: certs.CAFile, Cert: certs.ClientCertFile, Key: certs.ClientKeyFile}
	for _, u := range []string{"rediss://h:6380/0", "rediss+cluster://h:7000,i:7001"} {
		o, err := ParseURL(u, files)
		if err != nil {
			t.Fatalf("ParseURL(%q) with files: %v", u, err)
		}
		if o.TLSConfig.RootCAs == nil || len(o.TLSConfig.Certificates) != 1 || o.TLSConfig.ServerName != "h" {
			t.Errorf("%s: TLS config %+v lacks the CA, the client certificate or the server name", u, o.TLSConfig)
		}
	}
	o, err := ParseURL("rediss://h:6380/0", TLSFiles{})
	if err != nil || o.TLSConfig.RootCAs != nil || len(o.TLSConfig.Certificates) != 0 {
		t.Errorf("rediss without files: %v, %+v; want the system roots and no client certificate", err, o)
	}
	bad := []struct {
		url   string
		files TLSFiles
		says  string
	}{
		{"redis://h:1/0", TLSFiles{CA: certs.CAFile}, "REDIS_CA_FILE is set but REDIS_URL is redis://"},
		{"redis+cluster://h:1", TLSFiles{Cert: certs.ClientCertFile, Key: certs.ClientKeyFile}, "REDIS_CERT_FILE is set"},
		{"redis+sentinel://h:1/m", TLSFiles{Key: certs.ClientKeyFile}, "REDIS_KEY_FILE is set"},
		{"rediss://h:1/0", TLSFiles{CA: dir + "/missing.pem"}, "REDIS_CA_FILE: open"},
		{"rediss://h:1/0", TLSFiles{CA: certs.ClientKeyFile}, "REDIS_CA_FILE: no PEM certificate"},
		{"rediss://h:1/0", TLSFiles{Cert: certs.ClientCertFile}, "go together"},
		{"rediss://h:1/0", TLSFiles{Cert: certs.ClientCertFile, Key: certs.ServerKeyFile}, "REDIS_CERT_FILE, REDIS_KEY_FILE:"},
	}
	for _, c := range bad {
		if _, err := ParseURL(c.url, c.files); err == nil || !strings.Contains(err.Error(), c.says) {
			t.Errorf("ParseURL(%q, %+v) = %v, want an error saying %q", c.url, c.files, err, c.says)
		}
	}
}

// TestOpen builds the client each form asks for, also a cluster client
// for a single seed.
func TestOpen(t *testing.T) {
	for _, c := range []struct{ url, want string }{
		{"redis://h:1/0", "client of h:1"},
		{"rediss://h:1/0", "client of h:1"},
		{"redis+sentinel://s:1/m", "failover client"},
		{"redis+sentinel://s:1,t:2/m", "failover client"},
		{"redis+cluster://h:1", "cluster client"},
		{"redis+cluster://h:1,i:2", "cluster client"},
	} {
		o, err := ParseURL(c.url, TLSFiles{})
		if err != nil {
			t.Fatal(err)
		}
		rdb := Open(o)
		got := kindOf(rdb)
		rdb.Close()
		if got != c.want {
			t.Errorf("Open(%s) = %s, want %s", c.url, got, c.want)
		}
	}
	o, _ := ParseURL("redis+sentinel://u:secretpw@s1:1,s2:2/m/2", TLSFiles{})
	if d := Describe(o); d != `Sentinel master "m" via s1:1,s2:2 db 2` || strings.Contains(d, "secretpw") {
		t.Errorf("Describe = %q", d)
	}
}

// kindOf names the client Open built: go-redis marks a failover client's
// options with the address "FailoverClient".
func kindOf(rdb redis.UniversalClient) string {
	switch c := rdb.(type) {
	case *redis.ClusterClient:
		return "cluster client"
	case *redis.Client:
		if c.Options().Addr == "FailoverClient" {
			return "failover client"
		}
		return "client of " + c.Options().Addr
	}
	return "other"
}
