package redisstore

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
)

// tlsConfig is the TLS of rediss:// and rediss+cluster://: the server
// must show a certificate for host signed by files.CA (or by a system
// root when files.CA is empty); files.Cert and files.Key, when set, are
// the client certificate the server may ask for.
func tlsConfig(host string, files TLSFiles) (*tls.Config, error) {
	conf := &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}
	if files.CA != "" {
		pem, err := os.ReadFile(files.CA)
		if err != nil {
			return nil, fmt.Errorf("REDIS_CA_FILE: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("REDIS_CA_FILE: no PEM certificate in %s", files.CA)
		}
		conf.RootCAs = pool
	}
	switch {
	case files.Cert == "" && files.Key == "":
	case files.Cert == "" || files.Key == "":
		return nil, errors.New("REDIS_CERT_FILE and REDIS_KEY_FILE go together: set both (a client certificate and its key) or neither")
	default:
		cert, err := tls.LoadX509KeyPair(files.Cert, files.Key)
		if err != nil {
			return nil, fmt.Errorf("REDIS_CERT_FILE, REDIS_KEY_FILE: %w", err)
		}
		conf.Certificates = []tls.Certificate{cert}
	}
	return conf, nil
}

// noTLSFiles refuses TLS files with a scheme that has no TLS: a
// certificate set and silently unused would leave the operator believing
// the connection is encrypted.
func noTLSFiles(scheme string, files TLSFiles) error {
	for _, f := range []struct{ name, path string }{
		{"REDIS_CA_FILE", files.CA}, {"REDIS_CERT_FILE", files.Cert}, {"REDIS_KEY_FILE", files.Key},
	} {
		if f.path != "" {
			return fmt.Errorf("%s is set but REDIS_URL is %s://, which has no TLS; use rediss:// or rediss+cluster://", f.name, scheme)
		}
	}
	return nil
}
