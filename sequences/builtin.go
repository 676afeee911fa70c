package sequences

import (
	"embed"
	"io/fs"
)

//go:embed guide
var builtinFiles embed.FS

// Builtin is the built-in sequences folder, embedded in the binary: one
// subfolder per sequence (guide/). It is used when SEQUENCES_DIR is unset;
// pass it to [Load].
var Builtin fs.FS = builtinFiles
