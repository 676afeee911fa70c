package app

import "github.com/satina/newsletter/sequences"

// LoadSequences loads dir, or the built-in sequences when dir is empty.
func LoadSequences(dir string) (*sequences.Set, error) {
	if dir == "" {
		return sequences.Load(sequences.Builtin)
	}
	return sequences.LoadDir(dir)
}
