package sequences

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
)

// validID is the form of a sequence id (its folder name).
var validID = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,63}$`)

// Set is every sequence of a folder, by id, with the steps changed from
// the desk laid over the files (see [Set.SetOverrides]). It is safe for
// concurrent use: a Sequence it hands out never changes, a new overlay
// makes new ones.
type Set struct {
	mu        sync.RWMutex
	byID      map[string]*Sequence // as sent: base with the overlay
	base      map[string]*Sequence // as loaded from the files
	overrides Overrides            // the overlay in force
	ids       []string
}

// Get returns the sequence with the given id, with its overridden steps.
func (s *Set) Get(id string) (*Sequence, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	q, ok := s.byID[id]
	return q, ok
}

// IDs returns the ids of all sequences, sorted.
func (s *Set) IDs() []string {
	return append([]string(nil), s.ids...)
}

// Load reads every subfolder of fsys as one sequence. When anything is
// wrong it returns a nil Set and Problems listing every problem found.
// Other errors (the root cannot be read) are returned wrapped.
func Load(fsys fs.FS) (*Set, error) {
	return load(fsys, func(p string) string { return p })
}

// LoadDir is Load(os.DirFS(dir)), with problems naming real paths such as
// dir/guide/01-guide.md.
func LoadDir(dir string) (*Set, error) {
	info, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("sequences: %w", err)
	}
	if !info.IsDir() {
		return nil, fmt.Errorf("sequences: %s is not a folder", dir)
	}
	return load(os.DirFS(dir), func(p string) string {
		return filepath.Join(dir, filepath.FromSlash(p))
	})
}

// load reads all sequences; realPath turns an fs path into a path for
// messages.
func load(fsys fs.FS, realPath func(string) string) (*Set, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, fmt.Errorf("sequences: read %s: %w", realPath("."), err)
	}
	var list Problems
	set := &Set{byID: map[string]*Sequence{}}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") || !isDir(fsys, e.Name(), e) {
			continue
		}
		q := loadSequence(fsys, e.Name(), realPath, &list)
		set.byID[q.ID] = q
		set.ids = append(set.ids, q.ID)
	}
	if len(set.ids) == 0 {
		list = append(list, Problem{File: realPath("."), Msg: "no sequences: add a folder such as guide/ holding 01-welcome.md"})
	}
	if len(list) > 0 {
		list.sort()
		return nil, list
	}
	sort.Strings(set.ids)
	set.base = set.byID
	return set, nil
}

// isDir reports whether an entry is a folder, following symbolic links
// (as mounted config maps use).
func isDir(fsys fs.FS, name string, e fs.DirEntry) bool {
	if e.Type()&fs.ModeSymlink == 0 {
		return e.IsDir()
	}
	info, err := fs.Stat(fsys, name)
	return err == nil && info.IsDir()
}
