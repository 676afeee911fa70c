package redisstore

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// The REDIS_URL schemes ParseURL reads.
const (
	schemeRedis         = "redis"
	schemeRediss        = "rediss"
	schemeSentinel      = "redis+sentinel"
	schemeCluster       = "redis+cluster"
	schemeClusterTLS    = "rediss+cluster"
	defaultRedisPort    = "6379"
	defaultSentinelPort = "26379"
)

// TLSFiles names the PEM files of REDIS_CA_FILE, REDIS_CERT_FILE and
// REDIS_KEY_FILE. An empty CA means the system roots; Cert and Key (a
// client certificate) go together or not at all.
type TLSFiles struct{ CA, Cert, Key string }

// ParseURL reads REDIS_URL in one of its five forms:
//
//	redis://[user:pass@]host:port[/db]
//	rediss://[user:pass@]host:port[/db]                       TLS
//	redis+sentinel://[user:pass@]host:port[,host:port…]/master[/db]
//	redis+cluster://[user:pass@]host:port[,host:port…]         no db
//	rediss+cluster://[user:pass@]host:port[,host:port…]        TLS, no db
//
// User and password are percent-decoded (a literal "@", ":", "/" or "%"
// in them may be written %40, %3A, %2F, %25; an "@" anywhere after them
// must be). Under Sentinel they are the master's and replicas'
// credentials, and the sentinels get the same ones (as redis-rb does)
// unless the query names others with sentinel_username and
// sentinel_password (an empty sentinel_password: the sentinels ask for
// none). A missing port is 6379, or 26379 for a sentinel. The TLS forms
// verify the server against files.CA (else the system roots) for the name
// of the first host, and present files.Cert and files.Key when set; the
// other forms refuse TLS files rather than ignore them.
//
// The query may set dial_timeout, read_timeout, write_timeout (a Go
// duration or whole seconds), pool_size, max_retries and client_name;
// any other key is refused. Errors name the variable and never contain a
// password.
func ParseURL(raw string, files TLSFiles) (*redis.UniversalOptions, error) {
	p := &urlParser{}
	opts, err := p.parse(raw, files)
	if err != nil {
		return nil, p.redact(err)
	}
	return opts, nil
}

// Open returns the client REDIS_URL's form asks for: a Sentinel-backed
// failover client when opts names a master, a cluster client when
// opts.IsClusterMode (even with a single seed address, where
// redis.NewUniversalClient would pick a plain client), else a client of
// one server.
func Open(opts *redis.UniversalOptions) redis.UniversalClient {
	switch {
	case opts.MasterName != "":
		return redis.NewFailoverClient(opts.Failover())
	case opts.IsClusterMode:
		return redis.NewClusterClient(opts.Cluster())
	default:
		return redis.NewClient(opts.Simple())
	}
}

// Describe says where opts point, for logs and error messages: the kind,
// the addresses, the master name and the db, never a credential.
func Describe(opts *redis.UniversalOptions) string {
	addrs := strings.Join(opts.Addrs, ",")
	tls := ""
	if opts.TLSConfig != nil {
		tls = " (TLS)"
	}
	switch {
	case opts.MasterName != "":
		return fmt.Sprintf("Sentinel master %q via %s db %d%s", opts.MasterName, addrs, opts.DB, tls)
	case opts.IsClusterMode:
		return fmt.Sprintf("Redis Cluster via %s%s", addrs, tls)
	default:
		return fmt.Sprintf("Redis at %s db %d%s", addrs, opts.DB, tls)
	}
}

// urlParser parses one REDIS_URL and remembers the secrets it saw, so
// that no error it returns can quote them.
type urlParser struct {
	secrets      []string
	sentinelAuth bool // the query set the sentinels' credentials
}

// errURL is an error about REDIS_URL.
func errURL(format string, args ...any) error {
	return fmt.Errorf("REDIS_URL: "+format, args...)
}

func (p *urlParser) parse(raw string, files TLSFiles) (*redis.UniversalOptions, error) {
	scheme, rest, ok := strings.Cut(raw, "://")
	if !ok {
		return nil, errURL("not a URL; use redis://host:port/db, rediss://, redis+sentinel://, redis+cluster:// or rediss+cluster://")
	}
	scheme = strings.ToLower(scheme)
	opts := &redis.UniversalOptions{}
	defPort := defaultRedisPort
	switch scheme {
	case schemeRedis, schemeRediss:
	case schemeSentinel:
		defPort = defaultSentinelPort
	case schemeCluster, schemeClusterTLS:
		opts.IsClusterMode = true
	default:
		if strings.Trim(scheme, "abcdefghijklmnopqrstuvwxyz0123456789+.-") != "" {
			scheme = "…" // not a scheme at all; it may hold a password
		}
		return nil, errURL("unknown scheme %q; use redis, rediss, redis+sentinel, redis+cluster or rediss+cluster", scheme)
	}
	if at := strings.LastIndex(rest, "@"); at >= 0 {
		if err := p.userinfo(rest[:at], opts); err != nil {
			return nil, err
		}
		rest = rest[at+1:]
	}
	if i := strings.IndexByte(rest, '#'); i >= 0 {
		return nil, errURL("a fragment (#…) has no meaning here")
	}
	rest, query, _ := strings.Cut(rest, "?")
	hostList, path := rest, ""
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		hostList, path = rest[:i], rest[i:]
	}
	addrs, err := parseAddrs(hostList, defPort)
	if err != nil {
		return nil, err
	}
	opts.Addrs = addrs
	if (scheme == schemeRedis || scheme == schemeRediss) && len(addrs) > 1 {
		return nil, errURL("%s:// takes one host:port; for several use redis+sentinel:// or redis+cluster://", scheme)
	}
	if err := parsePath(scheme, path, opts); err != nil {
		return nil, err
	}
	if err := p.parseQuery(scheme, query, opts); err != nil {
		return nil, err
	}
	if scheme == schemeSentinel && !p.sentinelAuth {
		opts.SentinelUsername, opts.SentinelPassword = opts.Username, opts.Password
	}
	if scheme == schemeRediss || scheme == schemeClusterTLS {
		host, _, _ := net.SplitHostPort(addrs[0])
		if opts.TLSConfig, err = tlsConfig(host, files); err != nil {
			return nil, err
		}
	} else if err := noTLSFiles(scheme, files); err != nil {
		return nil, err
	}
	return opts, nil
}

// userinfo reads "user:pass", "user" or ":pass", percent-decoded.
func (p *urlParser) userinfo(info string, opts *redis.UniversalOptions) error {
	rawUser, rawPass, hasPass := strings.Cut(info, ":")
	p.secrets = append(p.secrets, rawPass)
	user, err := url.PathUnescape(rawUser)
	if err != nil {
		return errURL("the user name is not valid percent-encoding (write %%25 for a literal %%)")
	}
	pass, err := url.PathUnescape(rawPass)
	if err != nil {
		return errURL("the password is not valid percent-encoding (write %%25 for a literal %%)")
	}
	p.secrets = append(p.secrets, pass)
	if hasPass && pass == "" && user == "" {
		return errURL("\":@\" gives neither a user nor a password")
	}
	opts.Username, opts.Password = user, pass
	return nil
}

// parseAddrs reads "host:port[,host:port…]" into host:port addresses.
func parseAddrs(list, defPort string) ([]string, error) {
	if list == "" {
		return nil, errURL("no host; write host:port after the //")
	}
	var addrs []string
	for _, a := range strings.Split(list, ",") {
		if a == "" {
			return nil, errURL("an empty address in the host list %q", list)
		}
		host, port, err := net.SplitHostPort(a)
		if err != nil {
			var ae *net.AddrError
			if !errors.As(err, &ae) || ae.Err != "missing port in address" {
				return nil, errURL("bad address %q: write host:port, and an IPv6 host in brackets ([::1]:6379)", a)
			}
			host, port = strings.TrimSuffix(strings.TrimPrefix(a, "["), "]"), defPort
		}
		if host == "" || strings.ContainsAny(host, " \t[]/\\") {
			return nil, errURL("bad host in %q", a)
		}
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return nil, errURL("bad port %q in %q: a number from 1 to 65535", port, a)
		}
		addrs = append(addrs, net.JoinHostPort(host, port))
	}
	return addrs, nil
}

// parsePath reads the db (redis, rediss, sentinel) and the master name
// (sentinel, required) from the path.
func parsePath(scheme, path string, opts *redis.UniversalOptions) error {
	path = strings.TrimSuffix(strings.TrimPrefix(path, "/"), "/")
	var segs []string
	if path != "" {
		segs = strings.Split(path, "/")
	}
	switch scheme {
	case schemeCluster, schemeClusterTLS:
		if len(segs) > 0 {
			return errURL("Redis Cluster has no databases: drop the path after host:port")
		}
		return nil
	case schemeSentinel:
		if len(segs) == 0 || segs[0] == "" {
			return errURL("name the Sentinel master: redis+sentinel://host:port[,host:port…]/<master>[/db]")
		}
		name, err := url.PathUnescape(segs[0])
		if err != nil || name == "" {
			return errURL("the master name %q is not valid percent-encoding", segs[0])
		}
		opts.MasterName = name
		segs = segs[1:]
	}
	switch len(segs) {
	case 0:
		return nil
	case 1:
		db, err := strconv.Atoi(segs[0])
		if err != nil || db < 0 {
			return errURL("the database %q is not a number from 0 up", segs[0])
		}
		opts.DB = db
		return nil
	default:
		return errURL("too many parts in the path %q", path)
	}
}

// parseQuery reads the query options; values are percent-decoded with a
// "+" kept as it is.
func (p *urlParser) parseQuery(scheme, query string, opts *redis.UniversalOptions) error {
	if query == "" {
		return nil
	}
	seen := map[string]bool{}
	for _, pair := range strings.Split(query, "&") {
		if pair == "" {
			continue
		}
		rawKey, rawVal, _ := strings.Cut(pair, "=")
		if rawKey == "sentinel_password" {
			p.secrets = append(p.secrets, rawVal)
		}
		key, err := url.PathUnescape(rawKey)
		if err != nil {
			return errURL("a query key is not valid percent-encoding")
		}
		val, err := url.PathUnescape(rawVal)
		if err != nil {
			return errURL("the value of %s is not valid percent-encoding", key)
		}
		if key == "sentinel_password" {
			p.secrets = append(p.secrets, val)
		}
		if seen[key] {
			return errURL("%s is given twice", key)
		}
		seen[key] = true
		switch key {
		case "dial_timeout", "read_timeout", "write_timeout":
			d, err := parseDuration(key, val)
			if err != nil {
				return err
			}
			switch key {
			case "dial_timeout":
				opts.DialTimeout = d
			case "read_timeout":
				opts.ReadTimeout = d
			default:
				opts.WriteTimeout = d
			}
		case "pool_size":
			n, err := strconv.Atoi(val)
			if err != nil || n < 1 {
				return errURL("pool_size %q is not a number from 1 up", val)
			}
			opts.PoolSize = n
		case "max_retries":
			n, err := strconv.Atoi(val)
			if err != nil || n < -1 {
				return errURL("max_retries %q is not a number from -1 (no retries) up", val)
			}
			opts.MaxRetries = n
		case "client_name":
			opts.ClientName = val
		case "sentinel_username", "sentinel_password":
			if scheme != schemeSentinel {
				return errURL("%s belongs to redis+sentinel:// only", key)
			}
			if key == "sentinel_username" {
				opts.SentinelUsername = val
			} else {
				opts.SentinelPassword, p.sentinelAuth = val, true
			}
		default:
			return errURL("unknown option %q; known: dial_timeout, read_timeout, write_timeout, pool_size, max_retries, client_name, and for Sentinel sentinel_username, sentinel_password", key)
		}
	}
	if seen["sentinel_username"] && !seen["sentinel_password"] {
		return errURL("sentinel_username needs sentinel_password")
	}
	return nil
}

// parseDuration reads a positive Go duration ("500ms") or whole seconds.
func parseDuration(key, val string) (time.Duration, error) {
	if n, err := strconv.Atoi(val); err == nil && n > 0 {
		return time.Duration(n) * time.Second, nil
	}
	d, err := time.ParseDuration(val)
	if err != nil || d <= 0 {
		return 0, errURL("%s %q is not a positive duration such as 2s or 500ms", key, val)
	}
	return d, nil
}

// redact removes every secret the parser saw from err's text. The parser
// never quotes them; this is the second lock on the door.
func (p *urlParser) redact(err error) error {
	msg := err.Error()
	changed := false
	for _, s := range p.secrets {
		if len(s) >= 3 && strings.Contains(msg, s) {
			msg, changed = strings.ReplaceAll(msg, s, "xxxxx"), true
		}
	}
	if !changed {
		return err
	}
	return errors.New(msg)
}
