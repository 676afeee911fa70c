package redisstore

import (
	"context"
	"errors"
	"time"
)

// Sign-outs of the author's desk. A desk session cookie is signed and
// carries a random id of its sign-in; signing out records that id here
// until every cookie of the sign-in would have expired anyway, so that a
// copied cookie stops working at once. Nothing about the person is kept:
// only the random id, under signedout:<id>.

// RevokeSession records the desk session id (the random id of one sign-in)
// as signed out for ttl, which should be at least as long as any cookie of
// that sign-in can still be valid. Revoking an id again is harmless; a ttl
// of zero or less records nothing, as no cookie of it can be valid.
func (s *Store) RevokeSession(ctx context.Context, id string, ttl time.Duration) error {
	if id == "" {
		return errors.New("revoke session: empty id")
	}
	if ttl <= 0 {
		return nil
	}
	return wrap("revoke session", s.rdb.Set(ctx, s.key("signedout", id), "1", ttl).Err())
}

// SessionRevoked reports whether the desk session id was signed out (and
// its record has not yet expired): one EXISTS.
func (s *Store) SessionRevoked(ctx context.Context, id string) (bool, error) {
	n, err := s.rdb.Exists(ctx, s.key("signedout", id)).Result()
	if err != nil {
		return false, wrap("check session", err)
	}
	return n > 0, nil
}
