package redisstore

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"

	"github.com/redis/go-redis/v9"
)

// ErrorKind sorts the errors a Redis client returns by what the caller
// should do about them; see Classify.
type ErrorKind int

// The kinds of Redis errors. KindOther is the zero value.
const (
	// KindOther is anything below, and a nil error.
	KindOther ErrorKind = iota
	// KindUnreachable: no answer from Redis: a refused or failed dial, a
	// timeout, a connection closed or reset, no sentinel answering, no
	// cluster node known, a pool with no free connection.
	KindUnreachable
	// KindLoading: the server is loading its data set (LOADING).
	KindLoading
	// KindReadOnly: a write reached a replica (READONLY), as while a
	// failover moves the master.
	KindReadOnly
	// KindOutOfMemory: the server is at maxmemory and evicts nothing (OOM).
	KindOutOfMemory
	// KindNoScript: EVALSHA of a script the server does not hold (NOSCRIPT).
	KindNoScript
	// KindMoved: a cluster redirect the client did not follow (MOVED, ASK).
	KindMoved
	// KindClusterDown: the cluster cannot serve the slot (CLUSTERDOWN).
	KindClusterDown
	// KindNoPerm: the ACL user may not run the command or touch the key
	// (NOPERM), or its credentials are refused (WRONGPASS, NOAUTH).
	KindNoPerm
	// KindTryAgain: the server asks to come back later (TRYAGAIN,
	// MASTERDOWN, NOREPLICAS, BUSY, max number of clients reached).
	KindTryAgain
)

var kindNames = [...]string{
	KindOther: "other", KindUnreachable: "unreachable", KindLoading: "loading",
	KindReadOnly: "read-only", KindOutOfMemory: "out-of-memory", KindNoScript: "no-script",
	KindMoved: "moved", KindClusterDown: "cluster-down", KindNoPerm: "no-perm",
	KindTryAgain: "try-again",
}

// String names the kind, for logs.
func (k ErrorKind) String() string {
	if k < 0 || int(k) >= len(kindNames) {
		return "unknown"
	}
	return kindNames[k]
}

// Unavailable reports whether the request itself was fine and Redis could
// not take it now (unreachable, loading, a replica, out of memory, a
// redirect or a cluster down, asked to try again): the web side answers
// 503, not 500, and the request may succeed later.
func (k ErrorKind) Unavailable() bool {
	switch k {
	case KindUnreachable, KindLoading, KindReadOnly, KindOutOfMemory, KindMoved, KindClusterDown, KindTryAgain:
		return true
	}
	return false
}

// Classify sorts err, wrapped or not, into an ErrorKind. A server's reply
// is read by its error code, also when a Lua script passed it on; a
// canceled context is KindOther (the caller went away), a deadline is
// KindUnreachable.
func Classify(err error) ErrorKind {
	if err == nil || errors.Is(err, context.Canceled) {
		return KindOther
	}
	var rerr redis.Error
	if errors.As(err, &rerr) {
		return classifyReply(rerr)
	}
	var nerr net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, net.ErrClosed), errors.Is(err, redis.ErrClosed),
		errors.Is(err, redis.ErrPoolTimeout), errors.Is(err, redis.ErrPoolExhausted),
		errors.As(err, &nerr):
		return KindUnreachable
	}
	msg := err.Error()
	for _, s := range []string{
		"redis: all sentinels specified in configuration are unreachable",
		"redis: cluster has no nodes",
		"connection refused", "connection reset", "broken pipe", "i/o timeout",
	} {
		if strings.Contains(msg, s) {
			return KindUnreachable
		}
	}
	return KindOther
}

// classifyReply sorts an error reply of a server by its code.
func classifyReply(err redis.Error) ErrorKind {
	if _, ok := redis.IsMovedError(err); ok {
		return KindMoved
	}
	if _, ok := redis.IsAskError(err); ok {
		return KindMoved
	}
	switch {
	case redis.IsLoadingError(err):
		return KindLoading
	case redis.IsReadOnlyError(err):
		return KindReadOnly
	case redis.IsOOMError(err):
		return KindOutOfMemory
	case redis.HasErrorPrefix(err, "NOSCRIPT"):
		return KindNoScript
	case redis.IsClusterDownError(err):
		return KindClusterDown
	case redis.IsPermissionError(err), redis.IsAuthError(err):
		return KindNoPerm
	case redis.IsTryAgainError(err), redis.IsMasterDownError(err), redis.IsNoReplicasError(err),
		redis.IsMaxClientsError(err), redis.HasErrorPrefix(err, "BUSY "):
		return KindTryAgain
	}
	return KindOther
}
