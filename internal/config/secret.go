package config

import (
	"encoding/hex"
	"errors"
)

// ParseSecretKey reads SECRET_KEY: hex of 32 bytes or more, or else at
// least 32 characters taken as they are.
func ParseSecretKey(v string) ([]byte, error) {
	if b, err := hex.DecodeString(v); err == nil && len(b) >= 32 {
		return b, nil
	}
	if len(v) < 32 {
		return nil, errors.New("SECRET_KEY: use at least 32 characters (e.g. openssl rand -hex 32)")
	}
	return []byte(v), nil
}
