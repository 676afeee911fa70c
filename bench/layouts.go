package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/satina/newsletter/internal/testkit"
	"github.com/satina/newsletter/newsletter/redisstore"
	"github.com/satina/newsletter/sequences"
	"github.com/satina/newsletter/templates"
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
	atCleanup(func() { rdb.Close() }) // after the deletions registered below
	n := e.opt.layoutN
	ids := make([]string, n)
	for i := range ids {
		ids[i] = testkit.RandomHex(8)
	}
	now := strconv.FormatInt(time.Now().UnixMilli(), 10)
	type value struct{ email, name, tz string }
	val := func(i int) value {
		email, name, tz := lifelike(i, "layouts")
		return value{email, name, tz}
	}
	bucket := func(s string) string { return s[:4] } // ids are random hex: their first 4 digits spread evenly
	pieces := []struct {
		name  string
		write func(p redis.Pipeliner, prefix string, i int)
	}{
		{"record: sub:<id> hash, the store's fields", func(p redis.Pipeliner, prefix string, i int) {
			v := val(i)
			// A confirmed import as newFields writes it (empty name and zone left out).
			args := []any{"e", v.email, "s", "confirmed", "c", now}
			for _, kv := range [][2]string{{"n", v.name}, {"q", "guide"}, {"t", v.tz}, {"cv", "import"}, {"cs", "import"}} {
				if kv[1] != "" {
					args = append(args, kv[0], kv[1])
				}
			}
			p.HSet(ctx, prefix+"sub:"+ids[i], append(args, "cc", now, "en", "1")...)
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
			p.HSet(ctx, prefix+"emails:"+redisstore.EmailBucket(e), e, ids[i])
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
	// A ledger after the guide's nine mails, as JSON (before) and in the
	// compact form the store writes now, for a tenth as many subscribers.
	set, err := sequences.Load(sequences.Builtin)
	if err != nil {
		return err
	}
	guide, _ := set.Get("guide")
	subjects := []string{templates.ConfirmSubject}
	for _, st := range guide.Steps {
		subject, err := st.RenderSubject(sequences.SampleData())
		if err != nil {
			return err
		}
		subjects = append(subjects, subject)
	}
	sent := time.Now()
	ledger := func(compact bool) func(p redis.Pipeliner, prefix string, i int) {
		return func(p redis.Pipeliner, prefix string, i int) {
			if i%10 != 0 {
				return
			}
			args := make([]any, 0, 2*len(subjects))
			for k, subject := range subjects {
				kind, key := "step", fmt.Sprintf("step:guide/%s@1", guide.Steps[max(k-1, 0)].Name)
				if k == 0 {
					kind, key = "confirm", "confirm:"+strconv.FormatInt(sent.UnixMilli(), 10)
				}
				at := sent.Add(time.Duration(k) * 7 * 24 * time.Hour)
				v, _ := json.Marshal(map[string]any{"kind": kind, "subject": subject, "sent_at": at})
				if compact {
					t := strconv.FormatInt(at.UnixMilli(), 36)
					v = []byte(kind[:1] + strings.Repeat("0", 8-len(t)) + t + subject)
				}
				args = append(args, key, string(v))
			}
			p.HSet(ctx, prefix+"ledger:"+ids[i], args...)
		}
	}
	pieces = append(pieces, struct {
		name  string
		write func(p redis.Pipeliner, prefix string, i int)
	}{"ledger after the guide's 9 mails: JSON values (before)", ledger(false)}, struct {
		name  string
		write func(p redis.Pipeliner, prefix string, i int)
	}{"ledger after the guide's 9 mails: compact values (now)", ledger(true)})
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
		if strings.HasPrefix(piece.name, "ledger") {
			per[k] *= 10 // written for every tenth subscriber
		}
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
