package doctor

import (
	"context"
	"net/netip"
	"net/url"
	"strings"
)

// checkBaseURL checks that links go out over https to a public host.
// sending is false in dev mode, where localhost links are expected.
func checkBaseURL(raw string, sending bool) Result {
	r := Result{Check: CheckBaseURL}
	raw = strings.TrimSpace(raw)
	u, err := url.Parse(raw)
	if raw == "" || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		r.Level, r.Message = Fail, "BASE_URL is not an http(s) address, so the links in letters cannot work"
		r.Fix = "Set BASE_URL to the public address of this service, such as https://letters.example.org."
		return r
	}
	origin := u.Scheme + "://" + u.Host
	local := isLocalHost(u.Hostname())
	switch {
	case local && sending:
		r.Level, r.Message = Fail, "BASE_URL is "+origin+": letters to readers would carry links to their own computer"
		r.Fix = "Set BASE_URL to the public https address of this service, such as https://letters.example.org."
	case local:
		r.Level, r.Message = Warn, "BASE_URL is "+origin+": fine for trying things out here (dev), not for letters to readers"
		r.Fix = "Before you send, set BASE_URL to the public https address of this service."
	case u.Scheme == "http":
		r.Level, r.Message = Fail, "BASE_URL is "+origin+" without https: Gmail's one-click unsubscribe needs https, browsers mark the signup form not secure, and readers' links travel unencrypted"
		r.Fix = "Serve the service over https (a reverse proxy such as Caddy gets a free certificate) and set BASE_URL to https://" + u.Host + "."
	default:
		r.Message = "links in letters point at " + origin
	}
	return r
}

// isLocalHost reports host names and addresses that only this machine
// (or its network) can reach.
func isLocalHost(h string) bool {
	h = strings.ToLower(strings.TrimSuffix(h, "."))
	if h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return true
	}
	a, err := netip.ParseAddr(h)
	return err == nil && (a.IsLoopback() || a.IsUnspecified())
}

// checkPostalAddress checks that the footer carries a postal address.
func checkPostalAddress(addr string) Result {
	if strings.TrimSpace(addr) == "" {
		return Result{Check: CheckPostalAddress, Level: Warn,
			Message: "POSTAL_ADDRESS is empty: the law in many places (the US CAN-SPAM Act, for one) wants a postal address in every bulk letter",
			Fix:     "Set POSTAL_ADDRESS to an address where post reaches you; a P.O. box or a mailbox service keeps your home private. It is printed in every footer."}
	}
	return Result{Check: CheckPostalAddress, Message: "POSTAL_ADDRESS is set; it is printed in every footer"}
}

// RedisPersistence is how Redis keeps its data on disk.
type RedisPersistence struct {
	// AppendOnly is `appendonly yes`: every write goes to a log on disk.
	AppendOnly bool
	// AppendFsync is appendfsync: "always", "everysec" or "no"; empty when
	// unknown.
	AppendFsync string
	// RDBSaves is a non-empty `save` schedule: snapshots every so often.
	RDBSaves bool
}

// PersistenceFromConfig reads the answer of CONFIG GET for appendonly,
// appendfsync and save (for instance go-redis's ConfigGet results merged
// into one map).
func PersistenceFromConfig(m map[string]string) RedisPersistence {
	return RedisPersistence{
		AppendOnly:  strings.EqualFold(strings.TrimSpace(m["appendonly"]), "yes"),
		AppendFsync: strings.ToLower(strings.TrimSpace(m["appendfsync"])),
		RDBSaves:    strings.TrimSpace(m["save"]) != "",
	}
}

// aofFix tells how to turn on the append-only file.
const aofFix = "In redis.conf set\n  appendonly yes\n  appendfsync everysec\n" +
	"and restart Redis (or apply it live: redis-cli CONFIG SET appendonly yes, CONFIG SET appendfsync everysec, then CONFIG REWRITE).\n" +
	"On a managed Redis, turn on AOF persistence in the provider's settings."

// checkRedis checks that Redis keeps subscribers and unsubscribes across a
// restart. sending is false in dev mode.
func checkRedis(ctx context.Context, get func(context.Context) (RedisPersistence, error), sending bool) Result {
	r := Result{Check: CheckRedis}
	if get == nil {
		r.Level, r.Message = Warn, "the embedded in-memory Redis keeps nothing: every subscriber and unsubscribe is gone at the next restart"
		r.Fix = "Set REDIS_URL to a Redis server with appendonly yes before real readers sign up."
		if sending {
			r.Level, r.Message = Fail, "letters go out but the data lives in the embedded in-memory Redis: at the next restart every subscriber, and every unsubscribe, is gone"
		}
		return r
	}
	p, err := get(ctx)
	if err != nil {
		r.Level, r.Message = Warn, "cannot tell how Redis keeps its data: "+err.Error()
		r.Fix = "Make sure the Redis server has persistence on (AOF).\n" + aofFix
		return r
	}
	switch {
	case p.AppendOnly && p.AppendFsync == "no":
		r.Level, r.Message = Warn, "Redis has appendonly yes but appendfsync no: a power cut can lose the last half minute of signups and unsubscribes"
		r.Fix = "Set appendfsync everysec (redis-cli CONFIG SET appendfsync everysec, then CONFIG REWRITE)."
	case p.AppendOnly:
		r.Message = "Redis writes every change to its append-only file"
		if p.AppendFsync != "" {
			r.Message += " (appendfsync " + p.AppendFsync + ")"
		}
	case p.RDBSaves:
		r.Level, r.Message = Warn, "Redis only takes snapshots (appendonly no): a crash loses every signup and unsubscribe since the last one, and a lost unsubscribe means mailing someone who asked you to stop"
		r.Fix = aofFix
	default:
		r.Level, r.Message = Fail, "Redis keeps nothing on disk (appendonly no and no save schedule): a restart loses every subscriber"
		r.Fix = aofFix
	}
	return r
}
