package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/satina/newsletter/internal/testkit"
)

// benchLayouts: the bytes per subscriber of each piece of the store's
// layout and of the alternatives BENCHMARKS.md weighs, each written alone
// for -layout-n subscribers with the loader's lifelike values and read as
// the INFO memory used_memory delta. The pieces are synthetic (written here
// with plain commands, not through the store), so that alternatives the
// store does not implement can stand beside the ones it does.
func benchLayouts(e *env) error {
	ctx := context.Background()
	rdb := redisClient(e.opt.redis, e.opt.dripDB, 16)
	defer rdb.Close()
	n := e.opt.layoutN
	ids := make([]string, n)
	for i := range ids {
		ids[i] = testkit.RandomHex(8)
	}
	now := strconv.FormatInt(time.Now().UnixMilli(), 10)
	type value struct{ email, name, tz string }
	val := func(i int) value {
		r := rand.New(rand.NewPCG(uint64(i), 7))
		first := firstNames[r.IntN(len(firstNames))]
		return value{fmt.Sprintf("%s.%s%d@layouts.example.org", strings.ToLower(orDefault(first, "reader")),
			lastNames[r.IntN(len(lastNames))], i), first, zones[r.IntN(len(zones))]}
	}
	bucket := func(s string) string { return s[:4] } // ids are random hex: their first 4 digits spread evenly
	pieces := []struct {
		name  string
		write func(p redis.Pipeliner, prefix string, i int)
	}{
		{"record: sub:<id> hash, the store's fields", func(p redis.Pipeliner, prefix string, i int) {
			v := val(i)
			p.HSet(ctx, prefix+"sub:"+ids[i], "e", v.email, "n", v.name, "s", "confirmed", "q", "guide", "t", v.tz,
				"c", now, "u", now, "cv", "import", "cs", "import", "ca", now, "cc", now, "en", "1", "k", "0", "ls", now)
		}},
		{"record: packed JSON array in 65,536 bucket hashes", func(p redis.Pipeliner, prefix string, i int) {
			v := val(i)
			b, _ := json.Marshal([]any{v.email, v.name, "confirmed", "guide", v.tz, json.Number(now), "import", "import", 1, 0})
			p.HSet(ctx, prefix+"r:"+bucket(ids[i]), ids[i], b)
		}},
		{"address index: one hash (layout 1)", func(p redis.Pipeliner, prefix string, i int) {
			p.HSet(ctx, prefix+"emails", val(i).email, ids[i])
		}},
		{"address index: 65,536 buckets (layout 2)", func(p redis.Pipeliner, prefix string, i int) {
			e := val(i).email
			p.HSet(ctx, prefix+"emails:"+fmt.Sprintf("%04x", fnv16(e)), e, ids[i])
		}},
		{"status: sorted set entry (layout 1 has two)", func(p redis.Pipeliner, prefix string, i int) {
			p.ZAdd(ctx, prefix+"status:confirmed", redis.Z{Score: float64(time.Now().UnixMilli()), Member: ids[i]})
		}},
		{"status: 65,536 bucket hashes id -> status, time", func(p redis.Pipeliner, prefix string, i int) {
			p.HSet(ctx, prefix+"st:"+bucket(ids[i]), ids[i], "c"+now)
		}},
		{"queue: drip:<id> sorted set entry", func(p redis.Pipeliner, prefix string, i int) {
			p.ZAdd(ctx, prefix+"queue", redis.Z{Score: float64(time.Now().UnixMilli()), Member: "drip:" + ids[i]})
		}},
	}
	per := make([]float64, len(pieces))
	for k, piece := range pieces {
		prefix := "nl" + testkit.RandomHex(2) + ":"
		atCleanup(func() { deletePrefix(rdb, prefix) })
		settle(rdb)
		before := usedMemory(rdb)
		for from := 0; from < n; from += 1000 {
			p := rdb.Pipeline()
			for i := from; i < min(from+1000, n); i++ {
				piece.write(p, prefix, i)
			}
			if _, err := p.Exec(ctx); err != nil {
				return fmt.Errorf("layouts: %s: %w", piece.name, err)
			}
		}
		per[k] = float64(usedMemory(rdb)-before) / float64(n)
		deletePrefix(rdb, prefix)
		e.rep.add(row{"layout", fmt.Sprintf("%s, %s", piece.name, count(n)), fmt.Sprintf("%.0f B", per[k]), "", "", "", ""})
	}
	sum := func(ks ...int) string {
		t := 0.0
		for _, k := range ks {
			t += per[k]
		}
		return fmt.Sprintf("%.0f B", t)
	}
	e.rep.note("layout sums per subscriber: layout 1 (record + one address hash + two sorted sets + queue) " + sum(0, 2, 4, 4, 6) +
		"; layout 2 (record + address buckets + status set + queue) " + sum(0, 3, 4, 6) +
		"; packed records (packed record with its status + address buckets + queue; no ordered status index) " + sum(1, 3, 6))
	return nil
}

// fnv16 is the low 16 bits of the FNV-1a hash, as redisstore buckets addresses.
func fnv16(s string) uint32 {
	h := uint32(2166136261)
	for i := 0; i < len(s); i++ {
		h ^= uint32(s[i])
		h *= 16777619
	}
	return h & 0xffff
}
