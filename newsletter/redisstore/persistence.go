package redisstore

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/redis/go-redis/v9"
)

// PersistenceInfo is what Redis keeps on disk.
type PersistenceInfo struct {
	AppendOnly  bool   // the append-only file is on
	AppendFsync string // always, everysec or no ("" when unknown)
	RDBSaves    bool   // snapshots are taken (save is set)
}

// Persistence reads what Redis keeps on disk: CONFIG GET, or, where
// CONFIG is refused (as on managed Redis), INFO persistence. On a cluster
// every master is read, and the weakest answer counts.
func Persistence(ctx context.Context, rdb redis.UniversalClient) (PersistenceInfo, error) {
	cc, ok := rdb.(*redis.ClusterClient)
	if !ok {
		return nodePersistence(ctx, rdb)
	}
	var mu sync.Mutex
	out := PersistenceInfo{AppendOnly: true, RDBSaves: true}
	err := cc.ForEachMaster(ctx, func(ctx context.Context, c *redis.Client) error {
		p, err := nodePersistence(ctx, c)
		if err != nil {
			return err
		}
		mu.Lock()
		defer mu.Unlock()
		out.AppendOnly = out.AppendOnly && p.AppendOnly
		out.RDBSaves = out.RDBSaves && p.RDBSaves
		if out.AppendFsync == "" || p.AppendFsync == "no" {
			out.AppendFsync = p.AppendFsync
		}
		return nil
	})
	return out, err
}

// nodePersistence reads one node.
func nodePersistence(ctx context.Context, c redis.Cmdable) (PersistenceInfo, error) {
	cfg, err := c.ConfigGet(ctx, "*").Result()
	if err == nil && cfg["appendonly"] != "" {
		return PersistenceInfo{AppendOnly: cfg["appendonly"] == "yes", AppendFsync: cfg["appendfsync"],
			RDBSaves: strings.TrimSpace(cfg["save"]) != ""}, nil
	}
	info, ierr := c.Info(ctx, "persistence").Result()
	if ierr != nil {
		return PersistenceInfo{}, fmt.Errorf("CONFIG GET: %v; INFO persistence: %w", err, ierr)
	}
	p := PersistenceInfo{}
	for _, line := range strings.Split(info, "\n") {
		k, v, _ := strings.Cut(strings.TrimSpace(line), ":")
		switch k {
		case "aof_enabled":
			p.AppendOnly = v == "1"
		}
	}
	return p, nil
}
