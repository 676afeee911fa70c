package sequences

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// rawFile is one file of a sequence folder, as it was read at load.
type rawFile struct {
	name string
	data []byte
}

// readFiles reads every file of the folder id that the loader does not
// skip (names starting with "." and subfolders), in name order, so that
// Export can write the folder back as it was loaded. A file that cannot be
// read is left out (the loader reports it when it matters).
func readFiles(fsys fs.FS, id string, entries []fs.DirEntry) []rawFile {
	var out []rawFile
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, ".") || isDir(fsys, path.Join(id, name), e) {
			continue
		}
		data, err := fs.ReadFile(fsys, path.Join(id, name))
		if err != nil {
			continue
		}
		out = append(out, rawFile{name: name, data: data})
	}
	return out
}

// Export writes the folder of sequence id as it now stands, as a
// gzip-compressed tar archive: every file as it was loaded (steps,
// sequence.md, the guide and any other file), except that each step
// changed from the desk has its front matter's subject and after, and its
// body, replaced by the override's (its other keys kept). Entries are
// named "<id>/<file>", stamped with modTime. Unpacked into a folder, the
// archive loads as the sequence the service sends.
func (s *Set) Export(w io.Writer, id string, modTime time.Time) error {
	q, ok := s.base[id]
	if !ok {
		return fmt.Errorf("export sequence %q: %w", id, ErrNoSequence)
	}
	ovs := s.Overrides()[id]
	gz := gzip.NewWriter(w)
	tw := tar.NewWriter(gz)
	err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: id + "/", Mode: 0o755, ModTime: modTime, Format: tar.FormatPAX})
	for _, f := range q.files {
		if err != nil {
			break
		}
		data := f.data
		if o, changed := ovs[f.name]; changed {
			if data, err = rewriteStep(f.data, o); err != nil {
				return fmt.Errorf("export sequence %q: %s: %w", id, f.name, err)
			}
		}
		err = tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: id + "/" + f.name, Mode: 0o644,
			Size: int64(len(data)), ModTime: modTime, Format: tar.FormatPAX})
		if err == nil {
			_, err = tw.Write(data)
		}
	}
	if err == nil {
		err = tw.Close()
	}
	if err == nil {
		err = gz.Close()
	}
	if err != nil {
		return fmt.Errorf("export sequence %q: %w", id, err)
	}
	return nil
}

// rewriteStep returns a step file with o applied: the front matter's
// subject and after set to o's (other keys, and their comments, kept) and
// the body replaced by o's Markdown, exactly.
func rewriteStep(data []byte, o Override) ([]byte, error) {
	var list Problems
	doc, err := splitDocument(data, true, problems{list: &list})
	if err != nil {
		return nil, err
	}
	lines := strings.SplitAfter(string(bytes.TrimPrefix(data, utf8BOM)), "\n")
	var root yaml.Node
	if err := yaml.Unmarshal([]byte(strings.Join(lines[1:doc.closeLine-1], "")), &root); err != nil {
		return nil, fmt.Errorf("front matter: %w", err)
	}
	var m *yaml.Node
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 && root.Content[0].Kind == yaml.MappingNode {
		m = root.Content[0]
	} else {
		m = &yaml.Node{Kind: yaml.MappingNode}
		root = yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{m}}
	}
	setScalar(m, "subject", strings.TrimSpace(o.Subject))
	setScalar(m, "after", strings.TrimSpace(o.After))
	var b bytes.Buffer
	b.WriteString(frontMatterDivider + "\n")
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(&root); err != nil {
		return nil, fmt.Errorf("front matter: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("front matter: %w", err)
	}
	b.WriteString(frontMatterDivider + "\n")
	b.WriteString(o.Markdown) // as sent, to the last byte
	return b.Bytes(), nil
}

// setScalar sets key in the mapping m to the string v, keeping the old
// value's line comment; a missing key is added at the end.
func setScalar(m *yaml.Node, key, v string) {
	val := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: v}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			val.LineComment = m.Content[i+1].LineComment
			m.Content[i+1] = val
			return
		}
	}
	m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: key}, val)
}
